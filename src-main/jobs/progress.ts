/**
 * The one progress reporter of a training run: every adapter reports metrics, step/epoch progress, evaluation
 * progress, artifacts and the final status through it, so throttling, batching and rate/ETA arithmetic live in one
 * place. Messages leave as FromWorker (protocol.ts).
 *
 *   metric()    buffered, flushed at most every `flushMs` (and by flush() / finish());
 *   progress()  at most one message per phase every `progressMs`, always the last step of a phase; steps per second
 *               are measured from the first reported step of the phase (the first step pays for kernel compilation);
 *   artifact()  sent at once (metrics buffered before it are flushed first, so the order is kept).
 */
import { artifactMessage, type ArtifactName, type ArtifactPayloads } from '../../src-shared/domain/artifacts';
import type { MetricPoint, RunProgress } from '../../src-shared/domain/types';
import type { FromWorker } from './protocol';
import type { VerdictEvidence } from '../../src-shared/domain/verdict';

export type RunPhase = RunProgress['phase'];

export interface ProgressUpdate {
  step: number;
  totalSteps: number;
  epoch: number;
  totalEpochs: number;
  loss?: number;
  phase?: RunPhase;
}

export class ProgressReporter {
  private readonly t0 = Date.now();
  private buf: MetricPoint[] = [];
  private lastFlush = Date.now();
  private readonly lastSent = new Map<RunPhase, number>();
  private readonly firstSeen = new Map<RunPhase, { step: number; at: number }>();

  constructor(
    private readonly send: (m: FromWorker) => void,
    private readonly opts: { flushMs?: number; progressMs?: number } = {},
  ) {}

  /** Seconds since the run started. */
  wall(): number {
    return (Date.now() - this.t0) / 1000;
  }

  metric(step: number, epoch: number, name: string, value: number): void {
    this.buf.push({ step, epoch, name, value, wall: this.wall() });
    if (Date.now() - this.lastFlush >= (this.opts.flushMs ?? 400)) this.flush();
  }

  flush(): void {
    if (this.buf.length) this.send({ type: 'metrics', points: this.buf });
    this.buf = [];
    this.lastFlush = Date.now();
  }

  progress(u: ProgressUpdate): void {
    const phase = u.phase ?? 'training';
    const now = Date.now();
    const first = this.firstSeen.get(phase);
    if (!first) this.firstSeen.set(phase, { step: u.step, at: now });
    const last = this.lastSent.get(phase);
    if (last !== undefined && now - last < (this.opts.progressMs ?? 200) && u.step < u.totalSteps) return;
    this.lastSent.set(phase, now);
    let sps = 0;
    if (phase !== 'evaluating' && phase !== 'preparing') {
      const f = first ?? { step: u.step, at: now };
      // Rate since the first step seen; with only one step seen, since the run started.
      sps =
        u.step > f.step && now > f.at
          ? ((u.step - f.step) * 1000) / (now - f.at)
          : u.step / Math.max(1e-3, this.wall());
    }
    this.send({
      type: 'progress',
      progress: {
        step: u.step,
        totalSteps: u.totalSteps,
        epoch: u.epoch,
        totalEpochs: u.totalEpochs,
        loss: u.loss ?? 0,
        stepsPerSecond: sps,
        etaSeconds: sps > 0 ? Math.max(0, u.totalSteps - u.step) / sps : 0,
        phase,
      },
    });
  }

  /** Stores artifact `name` of the run (its kind follows from the name: src-shared/domain/artifacts.ts). */
  artifact<N extends ArtifactName>(name: N, data: ArtifactPayloads[N]): void {
    this.flush();
    this.send(artifactMessage(name, data));
  }

  /**
   * Flushes the metrics, then ends the run with its summary (`seconds` added) and the evidence its verdict is judged
   * on (src-shared/domain/verdict.ts: the job runner calls runVerdict and stores both).
   */
  finish(status: 'completed' | 'cancelled', metrics: Record<string, number>, evidence: VerdictEvidence = {}): void {
    this.flush();
    this.send({ type: status, metrics: { ...metrics, seconds: this.wall() }, evidence });
  }

  /**
   * Ends a run that failed on its own terms (it diverged): the message, the counters of what happened, and the
   * evidence. Adapters call this instead of throwing when they have numbers to keep.
   */
  fail(message: string, metrics: Record<string, number>, evidence: VerdictEvidence = {}): void {
    this.flush();
    this.send({ type: 'failed', message, metrics: { ...metrics, seconds: this.wall() }, evidence });
  }
}
