// The window's security settings, checked without an Electron binary: `electron` is replaced by a recording mock.
import { beforeEach, describe, expect, it, vi } from 'vitest';

const handlers: Record<string, (...a: unknown[]) => void> = {};
let windowOpenHandler: ((d: { url: string }) => { action: string }) | null = null;
const openExternal = vi.fn();
let lastOptions: Record<string, unknown> | null = null;
let cspHook: ((details: { responseHeaders: Record<string, string[]> }, cb: (r: unknown) => void) => void) | null = null;
let permissionHandler: ((wc: unknown, perm: string, cb: (ok: boolean) => void) => void) | null = null;

vi.mock('electron', () => {
  class BrowserWindow {
    webContents = {
      on: (ev: string, fn: (...a: unknown[]) => void) => (handlers[ev] = fn),
      setWindowOpenHandler: (fn: (d: { url: string }) => { action: string }) => (windowOpenHandler = fn),
    };
    constructor(opts: Record<string, unknown>) {
      lastOptions = opts;
    }
    once() {}
    loadURL() { return Promise.resolve(); }
    loadFile() { return Promise.resolve(); }
  }
  return {
    BrowserWindow,
    shell: { openExternal },
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: (fn: typeof cspHook) => (cspHook = fn) },
        setPermissionRequestHandler: (fn: typeof permissionHandler) => (permissionHandler = fn),
      },
    },
  };
});

describe('main window security', () => {
  beforeEach(() => {
    lastOptions = null;
  });

  it('uses context isolation, the sandbox and no Node integration', async () => {
    const { createMainWindow } = await import('./create-window');
    createMainWindow(undefined);
    const prefs = lastOptions!.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(String(prefs.preload)).toMatch(/preload[\\/]index\.js$/);
  });

  it('denies navigation away from the app and every new window', async () => {
    const { createMainWindow } = await import('./create-window');
    createMainWindow(undefined);
    const prevent = vi.fn();
    handlers['will-navigate']!({ preventDefault: prevent }, 'https://evil.example/');
    expect(prevent).toHaveBeenCalled();
    const allow = vi.fn();
    handlers['will-navigate']!({ preventDefault: allow }, 'file:///app/out/renderer/index.html#/runs');
    expect(allow).not.toHaveBeenCalled();
    expect(windowOpenHandler!({ url: 'https://docs.example/' })).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledWith('https://docs.example/');
    expect(windowOpenHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledTimes(1);
  });

  it('sets a strict Content-Security-Policy on every response and refuses permissions', async () => {
    const { createMainWindow } = await import('./create-window');
    createMainWindow(undefined);
    let out: { responseHeaders: Record<string, string[]> } | null = null;
    cspHook!({ responseHeaders: {} }, (r) => (out = r as typeof out));
    const csp = out!.responseHeaders['Content-Security-Policy']![0]!;
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toMatch(/unsafe-eval/);
    const cb = vi.fn();
    permissionHandler!(null, 'media', cb);
    expect(cb).toHaveBeenCalledWith(false);
  });

  it('trusts IPC only from the bundled renderer or the dev server', async () => {
    const { isTrustedSender } = await import('./create-window');
    expect(isTrustedSender('file:///opt/app/out/renderer/index.html', undefined)).toBe(true);
    expect(isTrustedSender('https://evil.example/', undefined)).toBe(false);
    expect(isTrustedSender('file:///tmp/evil.html', undefined)).toBe(false);
    expect(isTrustedSender('http://localhost:5173/', 'http://localhost:5173')).toBe(true);
    expect(isTrustedSender('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
  });
});
