/**
 * Confirmation tokens for operations that overwrite or delete files outside the data directory (today: a model
 * bundle exported with `overwrite` into a folder that already holds files). The refusal that shows the user what
 * would go (the "preview") carries a token; the operation proceeds only when it is called again with that token, for
 * the same target, while the target still holds what the preview listed. The check lives in the handler, so a
 * request that skips the UI's question (a script, a forged request) cannot replace a folder in one call.
 */
import crypto from 'node:crypto';

interface Pending {
  action: string;
  target: string;
  fingerprint: string;
  expires: number;
}

export class Confirmations {
  private readonly pending = new Map<string, Pending>();
  constructor(private readonly ttlMs = 10 * 60_000) {}

  /** A single-use token for `action` on `target` in the state `fingerprint` describes. */
  issue(action: string, target: string, fingerprint: string): string {
    this.prune();
    const token = crypto.randomBytes(16).toString('hex');
    this.pending.set(token, { action, target, fingerprint, expires: Date.now() + this.ttlMs });
    return token;
  }

  /** True (and the token is spent) when it was issued for this action, target and state and has not expired. */
  consume(token: string | undefined, action: string, target: string, fingerprint: string): boolean {
    this.prune();
    if (!token) return false;
    const p = this.pending.get(token);
    if (!p) return false;
    this.pending.delete(token);
    return p.action === action && p.target === target && p.fingerprint === fingerprint;
  }

  private prune(): void {
    const now = Date.now();
    for (const [k, p] of this.pending) if (p.expires <= now) this.pending.delete(k);
  }
}
