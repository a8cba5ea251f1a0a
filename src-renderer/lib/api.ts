/**
 * The renderer's only transport reader. Implements `ElboApi` over Electron IPC (`window.elbo`, exposed by the
 * preload) or, in browser mode, over HTTP (`POST /api/<channel>`) plus server-sent events (`/events`).
 */
import type {
  ElboApi,
  EventChannel,
  EventPayloads,
  InvokeArgs,
  InvokeChannel,
  InvokeResult,
} from '../../src-shared/ipc/contract';
import { eventChannels } from '../../src-shared/ipc/contract';
import type { AppErrorCode, AppErrorData } from '../../src-shared/ipc/app-error';
import type { PickedFile } from '../../src-shared/domain/types';

declare global {
  interface Window {
    elbo?: ElboApi;
  }
}

/** What every failed call throws: a code to branch on, a message to show and, often, a hint naming the fix. */
export class ApiError extends Error implements AppErrorData {
  readonly code: AppErrorCode;
  readonly hint?: string;
  /** FOLDER_NOT_EMPTY: send back with `overwrite: true` once the user has confirmed. */
  readonly confirmToken?: string;
  constructor(data: AppErrorData) {
    super(data.message);
    this.name = 'ApiError';
    this.code = data.code;
    if (data.hint !== undefined) this.hint = data.hint;
    if (data.confirmToken !== undefined) this.confirmToken = data.confirmToken;
  }
}

const ERROR_CODES: readonly AppErrorCode[] = [
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'NOT_FOUND',
  'CONFLICT',
  'FOLDER_NOT_EMPTY',
  'IMPORT_FAILED',
  'RUN_FAILED',
  'UNSUPPORTED',
  'STORAGE',
  'INTERNAL',
];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function asErrorData(v: unknown): AppErrorData | null {
  if (!isRecord(v) || typeof v.message !== 'string') return null;
  const code =
    typeof v.code === 'string' && (ERROR_CODES as readonly string[]).includes(v.code)
      ? (v.code as AppErrorCode)
      : 'INTERNAL';
  const data: AppErrorData =
    typeof v.hint === 'string' ? { code, message: v.message, hint: v.hint } : { code, message: v.message };
  return typeof v.confirmToken === 'string' ? { ...data, confirmToken: v.confirmToken } : data;
}

/** Any thrown value → ApiError, so views can always show `message` and `hint`. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  const data = asErrorData(e);
  if (data && isRecord(e) && typeof e.code === 'string') return new ApiError(data);
  const raw = e instanceof Error ? e.message : String(e);
  // Electron wraps errors thrown in handlers: "Error invoking remote method 'x': Error: message".
  const msg = raw.replace(/^Error invoking remote method '[^']*':\s*(\w*Error:\s*)?/, '');
  // The preload may have serialised the AppError as JSON into the message.
  try {
    const parsed: unknown = JSON.parse(msg);
    const fromJson = asErrorData(parsed);
    if (fromJson) return new ApiError(fromJson);
  } catch {
    /* not JSON */
  }
  return new ApiError({ code: 'INTERNAL', message: msg });
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'unauthorized';
type ConnectionListener = (state: ConnectionState, reconnected: boolean) => void;

const TOKEN_KEY = 'elbo-studio-token';

/** Reads `?token=` once, keeps it for this tab and removes it from the address bar. */
function takeToken(): string | null {
  if (typeof location === 'undefined' || typeof sessionStorage === 'undefined') return null;
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    params.delete('token');
    const query = params.toString();
    history.replaceState(history.state, '', `${location.pathname}${query ? `?${query}` : ''}${location.hash}`);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

class HttpApi implements ElboApi {
  readonly token: string | null;
  private source: EventSource | null = null;
  private readonly listeners = new Map<EventChannel, Set<(payload: never) => void>>();
  private readonly connectionListeners = new Set<ConnectionListener>();
  private state: ConnectionState = 'connecting';
  private everOpened = false;
  private retryDelay = 500;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor() {
    this.token = takeToken();
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.token ? { 'x-elbo-token': this.token, ...extra } : extra;
  }

  async invoke<C extends InvokeChannel>(channel: C, args: InvokeArgs<C>): Promise<InvokeResult<C>> {
    let res: Response;
    try {
      res = await fetch(`/api/${channel}`, {
        method: 'POST',
        headers: this.headers({ 'content-type': 'application/json' }),
        body: JSON.stringify(args ?? {}),
      });
    } catch {
      throw new ApiError({
        code: 'INTERNAL',
        message: 'Cannot reach the ELBO Studio server.',
        hint: 'Is `npm run serve` still running? Restart it and open the URL it prints.',
      });
    }
    let body: unknown = null;
    try {
      body = await res.json();
    } catch {
      /* handled below */
    }
    if (isRecord(body) && body.ok === true && res.ok) return body.result as InvokeResult<C>;
    const data = isRecord(body) ? asErrorData(body.error) : null;
    if (data) throw new ApiError(data);
    if (res.status === 401) {
      throw new ApiError({
        code: 'UNAUTHORIZED',
        message: 'The server refused this page’s token.',
        hint: 'Open the URL printed by `npm run serve` (it includes ?token=…).',
      });
    }
    throw new ApiError({ code: 'INTERNAL', message: `The server answered HTTP ${res.status} to ${channel}.` });
  }

  on<E extends EventChannel>(event: E, listener: (payload: EventPayloads[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    const l = listener as (payload: never) => void;
    set.add(l);
    this.connect();
    return () => {
      set.delete(l);
    };
  }

  onConnection(listener: ConnectionListener): () => void {
    this.connectionListeners.add(listener);
    listener(this.state, false);
    this.connect();
    return () => {
      this.connectionListeners.delete(listener);
    };
  }

  private setState(state: ConnectionState, reconnected = false): void {
    this.state = state;
    for (const l of this.connectionListeners) l(state, reconnected);
  }

  private dispatch(channel: EventChannel, raw: string): void {
    let payload: unknown;
    try {
      payload = JSON.parse(raw);
    } catch {
      return;
    }
    const set = this.listeners.get(channel);
    if (!set) return;
    for (const l of set) {
      try {
        (l as (p: unknown) => void)(payload);
      } catch (e) {
        console.error(`listener for ${channel} failed`, e);
      }
    }
  }

  /** One EventSource per page; reconnects with back-off when the server closes it (EventSource gives up on 401/5xx). */
  connect(): void {
    if (this.source || this.retryTimer) return;
    if (!this.token) {
      this.setState('unauthorized');
      return;
    }
    const es = new EventSource(`/events?token=${encodeURIComponent(this.token)}`);
    this.source = es;
    for (const ch of eventChannels) {
      es.addEventListener(ch, (ev) => this.dispatch(ch, (ev as MessageEvent<string>).data));
    }
    es.onopen = () => {
      const reconnected = this.everOpened;
      this.everOpened = true;
      this.retryDelay = 500;
      this.setState('open', reconnected);
    };
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) {
        es.close();
        this.source = null;
        this.setState('reconnecting');
        // EventSource hides the status; ask once whether the token is still good (a restarted server has a new one).
        void this.probe().then((status) => {
          if (status === 401 && !this.source) this.setState('unauthorized');
        });
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.connect();
        }, this.retryDelay);
        this.retryDelay = Math.min(this.retryDelay * 2, 10_000);
      } else {
        // The browser retries by itself.
        this.setState('reconnecting');
      }
    };
  }

  private async probe(): Promise<number | null> {
    try {
      const res = await fetch('/api/app:info', {
        method: 'POST',
        headers: this.headers({ 'content-type': 'application/json' }),
        body: '{}',
      });
      return res.status;
    } catch {
      return null;
    }
  }

  /** Browser mode's file "pick": upload the chosen file to the server, reporting progress in [0, 1]. */
  upload(file: File, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<PickedFile> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', `/upload?name=${encodeURIComponent(file.name)}`);
      if (this.token) xhr.setRequestHeader('x-elbo-token', this.token);
      xhr.setRequestHeader('content-type', 'application/octet-stream');
      xhr.responseType = 'json';
      xhr.upload.onprogress = (ev) => {
        if (ev.lengthComputable && ev.total > 0) onProgress(ev.loaded / ev.total);
      };
      xhr.onload = () => {
        const body: unknown = xhr.response;
        if (xhr.status >= 200 && xhr.status < 300 && isRecord(body) && body.ok === true) {
          onProgress(1);
          resolve(body.result as PickedFile);
          return;
        }
        const data = isRecord(body) ? asErrorData(body.error) : null;
        reject(new ApiError(data ?? { code: 'INTERNAL', message: `Upload failed with HTTP ${xhr.status}.` }));
      };
      xhr.onerror = () =>
        reject(
          new ApiError({
            code: 'INTERNAL',
            message: 'The upload was interrupted.',
            hint: 'Check that the server is still running, then try again.',
          }),
        );
      xhr.onabort = () => reject(new ApiError({ code: 'BAD_REQUEST', message: 'Upload cancelled.' }));
      signal?.addEventListener('abort', () => xhr.abort());
      xhr.send(file);
    });
  }
}

/** Electron: the preload's object, with errors normalised to ApiError. */
class IpcApi implements ElboApi {
  constructor(private readonly bridge: ElboApi) {}
  async invoke<C extends InvokeChannel>(channel: C, args: InvokeArgs<C>): Promise<InvokeResult<C>> {
    try {
      return await this.bridge.invoke(channel, args);
    } catch (e) {
      throw toApiError(e);
    }
  }
  on<E extends EventChannel>(event: E, listener: (payload: EventPayloads[E]) => void): () => void {
    return this.bridge.on(event, listener);
  }
}

const bridge = typeof window !== 'undefined' ? window.elbo : undefined;
const http = bridge ? null : new HttpApi();

export const mode: 'electron' | 'browser' = bridge ? 'electron' : 'browser';
export const api: ElboApi = bridge ? new IpcApi(bridge) : (http as HttpApi);

/** Connection to the event stream (always `open` in Electron). */
export function onConnection(listener: ConnectionListener): () => void {
  if (!http) {
    listener('open', false);
    return () => {};
  }
  return http.onConnection(listener);
}

/** Electron only: the native file dialog (a CSV, or a model bundle's .zip). Null when the user cancels. */
export function pickFile(accept: 'csv' | 'zip' = 'csv'): Promise<PickedFile | null> {
  return api.invoke('files:pick', { accept });
}

/** Electron only: the native folder dialog. Null when the user cancels. */
export async function pickFolder(purpose: 'export' | 'import'): Promise<string | null> {
  return (await api.invoke('files:pick-folder', { purpose }))?.path ?? null;
}

/** Browser mode only: send a file chosen with <input type=file> to the server. */
export function uploadFile(
  file: File,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<PickedFile> {
  if (!http)
    return Promise.reject(new ApiError({ code: 'UNSUPPORTED', message: 'Uploads exist in browser mode only.' }));
  return http.upload(file, onProgress, signal);
}

export function hasToken(): boolean {
  return http ? http.token !== null : true;
}

/** Unique id for import:progress matching. */
export function newId(): string {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return `${Date.now().toString(16)}-${Math.random().toString(16).slice(2)}`;
}
