/**
 * Strict object schemas whose unknown-key message names the key, where it was, and what to use instead: a moved
 * setting's new home, or the nearest known key by edit distance ("did you mean …"). A setting an analyst typed and the
 * app silently dropped is a wrong number, so every run-spec object refuses keys it does not know.
 */
import { z } from 'zod';

/** Where an object sits in a spec, for messages: `in` = "in the VAE spec", `prefix` = "objective." before its keys. */
export interface StrictPlace {
  /** "the VAE spec", "objective", "training" … */
  in: string;
  /** Path of the object's keys in messages ("" for the top level, "objective." …). */
  prefix: string;
  /** What its settings are called: "a VAE", "an objective", "a training" → "… is not a VAE setting". */
  noun: string;
}

/** Edit distance counting a swap of neighbours as one edit (optimal string alignment), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) =>
    Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const row = d[i]!;
      row[j] = Math.min(d[i - 1]![j]! + 1, row[j - 1]! + 1, d[i - 1]![j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1])
        row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[s.length]![t.length]!;
}

/** The known key nearest to `key` when it is close enough to be a typo (≤ 2 edits and under a third of its length). */
export function nearestKey(key: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(key, k);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best !== null && bestD <= Math.min(2, Math.max(1, Math.floor(key.length / 3))) ? best : null;
}

/** The message for one unknown key. `moved` maps a key to the fix ("use \"training.beta\""). */
export function unknownKeyMessage(
  key: string,
  place: StrictPlace,
  known: readonly string[],
  moved: Readonly<Record<string, string>> = {},
): string {
  const fix = Object.hasOwn(moved, key) ? moved[key] : undefined;
  if (fix) return `"${place.prefix}${key}" is not ${place.noun} setting: ${fix}`;
  const near = nearestKey(key, known);
  if (near) return `Unknown key "${key}" in ${place.in}; did you mean "${near}"?`;
  return `Unknown key "${key}" in ${place.in}; expected one of ${known.map((k) => `"${k}"`).join(', ')}. Remove it.`;
}

/** z.strictObject whose unknown-key issue carries unknownKeyMessage for every key it refuses. */
export function strictObject<T extends z.core.$ZodLooseShape>(
  shape: T,
  place: StrictPlace,
  moved: Readonly<Record<string, string>> = {},
) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? iss.keys.map((k) => unknownKeyMessage(k, place, known, moved)).join('; ')
        : undefined,
  });
}
