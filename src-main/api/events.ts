/** A typed in-process event bus: the job runner and importer publish, both transports subscribe. */
import { EventEmitter } from 'node:events';
import type { EventChannel, EventPayloads } from '../../src-shared/ipc/contract';

export class EventBus {
  private readonly ee = new EventEmitter();
  constructor() {
    this.ee.setMaxListeners(100);
  }
  emit<E extends EventChannel>(event: E, payload: EventPayloads[E]): void {
    this.ee.emit(event, payload);
  }
  on<E extends EventChannel>(event: E, listener: (payload: EventPayloads[E]) => void): () => void {
    this.ee.on(event, listener);
    return () => this.ee.off(event, listener);
  }
  /** Every event, for transports that forward all of them. */
  onAny(
    listener: <E extends EventChannel>(event: E, payload: EventPayloads[E]) => void,
    channels: readonly EventChannel[],
  ): () => void {
    const offs = channels.map((c) => this.on(c, (p) => listener(c, p)));
    return () => offs.forEach((off) => off());
  }
}
