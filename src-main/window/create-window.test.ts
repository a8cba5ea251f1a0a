// The window's security settings, checked without an Electron binary: `electron` is replaced by a recording mock.
import { beforeEach, describe, expect, it, vi } from 'vitest';

const handlers: Record<string, (...a: unknown[]) => void> = {};
let windowOpenHandler: ((d: { url: string }) => { action: string }) | null = null;
const openExternal = vi.fn();
let lastOptions: Record<string, unknown> | null = null;
let cspHook: ((details: { responseHeaders: Record<string, string[]> }, cb: (r: unknown) => void) => void) | null = null;
let permissionHandler: ((wc: unknown, perm: string, cb: (ok: boolean) => void) => void) | null = null;
let permissionCheck: ((...a: unknown[]) => boolean) | null = null;
let loaded = '';
const schemes: unknown[] = [];
const protocolHandlers: Record<string, (req: { url: string }) => Response> = {};

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
    loadURL(url: string) {
      loaded = url;
      return Promise.resolve();
    }
    loadFile() {
      return Promise.resolve();
    }
  }
  return {
    BrowserWindow,
    shell: { openExternal },
    protocol: {
      registerSchemesAsPrivileged: (s: unknown[]) => schemes.push(...s),
      handle: (scheme: string, fn: (req: { url: string }) => Response) => (protocolHandlers[scheme] = fn),
    },
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: (fn: typeof cspHook) => (cspHook = fn) },
        setPermissionRequestHandler: (fn: typeof permissionHandler) => (permissionHandler = fn),
        setPermissionCheckHandler: (fn: typeof permissionCheck) => (permissionCheck = fn),
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
    handlers['will-navigate']!({ preventDefault: allow }, 'app://elbo/index.html#/runs');
    expect(allow).not.toHaveBeenCalled();
    const fileNav = vi.fn();
    handlers['will-navigate']!({ preventDefault: fileNav }, 'file:///app/out/renderer/index.html');
    expect(fileNav).toHaveBeenCalled();
    // Redirects follow the same rule.
    const redirect = vi.fn();
    handlers['will-redirect']!({ preventDefault: redirect }, 'https://evil.example/login');
    expect(redirect).toHaveBeenCalled();
    const inside = vi.fn();
    handlers['will-redirect']!({ preventDefault: inside }, 'app://elbo/index.html');
    expect(inside).not.toHaveBeenCalled();
    // New windows are always denied; only https links to the allow-list open in the browser.
    openExternal.mockClear();
    expect(windowOpenHandler!({ url: 'https://github.com/elbo-studio' })).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledWith('https://github.com/elbo-studio');
    for (const url of [
      'https://evil.example/',
      'http://github.com/',
      'file:///etc/passwd',
      'https://user:pw@github.com/',
      'smb://host/share',
      'javascript:alert(1)',
    ]) {
      expect(windowOpenHandler!({ url })).toEqual({ action: 'deny' });
    }
    expect(openExternal).toHaveBeenCalledTimes(1);
  });

  it('serves the renderer over app://elbo with the CSP, never a file outside it, and never file://', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { appResponse, createMainWindow, registerAppScheme } = await import('./create-window');
    registerAppScheme();
    expect(schemes).toContainEqual({
      scheme: 'app',
      privileges: expect.objectContaining({ standard: true, secure: true }),
    });
    createMainWindow(undefined);
    expect(loaded).toBe('app://elbo/index.html');
    expect(protocolHandlers.app).toBeTypeOf('function');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-app-'));
    fs.mkdirSync(path.join(root, 'assets'));
    fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html>');
    fs.writeFileSync(path.join(root, 'assets', 'a.js'), 'x');
    fs.writeFileSync(path.join(path.dirname(root), 'secret.txt'), 'no');
    const page = appResponse(root, 'app://elbo/index.html');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(
      /base-uri 'none'.*frame-ancestors 'none'.*form-action 'none'/,
    );
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await appResponse(root, 'app://elbo/assets/a.js').text()).toBe('x');
    expect(appResponse(root, 'app://elbo/..%2Fsecret.txt').status).toBe(403);
    expect(appResponse(root, 'app://elbo/%E0%A4%A').status).toBe(400);
    expect(appResponse(root, 'app://other/index.html').status).toBe(404);
    fs.rmSync(root, { recursive: true, force: true });
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
    for (const d of ["base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'", "object-src 'none'"])
      expect(csp).toContain(d);
    const cb = vi.fn();
    permissionHandler!(null, 'media', cb);
    expect(cb).toHaveBeenCalledWith(false);
    // Permission checks (navigator.permissions.query, clipboard, …) are refused too.
    expect(permissionCheck!(null, 'clipboard-read', 'app://elbo', {})).toBe(false);
    expect(permissionCheck!(null, 'notifications', 'app://elbo', {})).toBe(false);
  });

  it('flips the Electron fuses in the packaged build', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as {
      build: { electronFuses?: Record<string, boolean> };
    };
    expect(pkg.build.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('trusts IPC only from the bundled renderer or the dev server', async () => {
    const { isTrustedSender } = await import('./create-window');
    expect(isTrustedSender('app://elbo/index.html', undefined)).toBe(true);
    expect(isTrustedSender('file:///opt/app/out/renderer/index.html', undefined)).toBe(false);
    expect(isTrustedSender('app://elbo.evil/index.html', undefined)).toBe(false);
    expect(isTrustedSender('http://localhost:51730/', 'http://localhost:5173')).toBe(false);
    expect(isTrustedSender('https://evil.example/', undefined)).toBe(false);
    expect(isTrustedSender('file:///tmp/evil.html', undefined)).toBe(false);
    expect(isTrustedSender('http://localhost:5173/', 'http://localhost:5173')).toBe(true);
    expect(isTrustedSender('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
  });
});
