/**
 * The sandboxed preload: exposes `window.elbo` — invoke(channel, args) and on(event, listener) — for the contract's
 * channels and nothing else. No Node APIs reach the page.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { EVENT_CHANNELS, INVOKE_CHANNELS, IPC_EVENT, IPC_INVOKE } from '../../src-shared/ipc/channels';

const invokeNames = new Set<string>(INVOKE_CHANNELS);
const eventNames = new Set<string>(EVENT_CHANNELS);

type Listener = (payload: unknown) => void;
const listeners = new Map<string, Set<Listener>>();

ipcRenderer.on(IPC_EVENT, (_e: IpcRendererEvent, channel: string, payload: unknown) => {
  listeners.get(channel)?.forEach((l) => l(payload));
});

contextBridge.exposeInMainWorld('elbo', {
  async invoke(channel: string, args: unknown): Promise<unknown> {
    if (!invokeNames.has(channel)) throw new Error(`Unknown request "${channel}"`);
    const out = (await ipcRenderer.invoke(IPC_INVOKE, channel, args)) as
      { ok: true; result: unknown } | { ok: false; error: { code: string; message: string; hint?: string } };
    if (out.ok) return out.result;
    // A plain object survives the context bridge whole; an Error would lose its code and hint.
    throw { code: out.error.code, message: out.error.message, ...(out.error.hint ? { hint: out.error.hint } : {}) };
  },
  on(event: string, listener: Listener): () => void {
    if (!eventNames.has(event)) throw new Error(`Unknown event "${event}"`);
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  },
});
