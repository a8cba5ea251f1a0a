/**
 * The one application window, locked down: context isolation, sandbox, no Node integration, the renderer served
 * over the app:// scheme (not file://, which would let a page read any file), a strict CSP on every response,
 * navigation and redirects away from the app denied, new windows denied (https links to an allow-list open in the
 * browser), permission requests and checks refused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { BrowserWindow, protocol, session, shell, type WebContents } from 'electron';
import { CSP, MIME } from '../server/http-server';

/** The renderer's origin in the packaged app. */
export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://elbo`;

/** Hosts the app may open in the user's browser (documentation links); anything else is dropped. */
export const EXTERNAL_HOSTS = [
  'github.com',
  'www.tensorflow.org',
  'js.tensorflow.org',
  'arxiv.org',
  'doi.org',
  'en.wikipedia.org',
];

export function isAllowedExternal(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && !u.username && !u.password && EXTERNAL_HOSTS.includes(u.hostname);
  } catch {
    return false;
  }
}

/** Must run before the app is ready: app:// is a standard, secure scheme (relative URLs, fetch, no mixed content). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/** The answer to an app:// request: a file inside `root` (the built renderer), with the CSP; nothing outside it. */
export function appResponse(root: string, requestUrl: string): Response {
  let u: URL;
  try {
    u = new URL(requestUrl);
  } catch {
    return new Response('Bad request', { status: 400 });
  }
  if (`${u.protocol}//${u.host}` !== APP_ORIGIN) return new Response('Not found', { status: 404 });
  let rel: string;
  try {
    rel = decodeURIComponent(u.pathname);
  } catch {
    return new Response('Bad request', { status: 400 });
  }
  if (rel === '/' || rel === '') rel = '/index.html';
  const base = path.resolve(root);
  const file = path.resolve(base, `.${rel}`);
  if (!file.startsWith(base + path.sep)) return new Response('Forbidden', { status: 403 });
  let data: Buffer;
  try {
    data = fs.readFileSync(fs.statSync(file).isFile() ? file : path.join(base, 'index.html'));
  } catch {
    return new Response('Not found', { status: 404 });
  }
  const ext = path.extname(file) || '.html';
  return new Response(new Uint8Array(data), {
    status: 200,
    headers: {
      'Content-Type': MIME[ext] ?? 'application/octet-stream',
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
    },
  });
}

export const secureWebPreferences = (preload: string) => ({
  preload,
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  spellcheck: false,
});

/** True when a message comes from our own renderer (app://elbo/ or the dev server). */
export function isTrustedSender(url: string, devUrl: string | undefined): boolean {
  if (devUrl && url.startsWith(devUrl.endsWith('/') ? devUrl : `${devUrl}/`)) return true;
  if (devUrl && url === devUrl) return true;
  return url.startsWith(`${APP_ORIGIN}/`);
}

export function lockDown(contents: WebContents, devUrl: string | undefined) {
  contents.on('will-navigate', (e, url) => {
    if (!isTrustedSender(url, devUrl)) e.preventDefault();
  });
  // A redirect is a navigation the page did not ask for by name; the same rule applies.
  contents.on('will-redirect', (e, url) => {
    if (!isTrustedSender(url, devUrl)) e.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternal(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
}

let appSchemeHandled = false;

export function createMainWindow(devUrl: string | undefined): BrowserWindow {
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  if (!devUrl && !appSchemeHandled) {
    const root = path.join(__dirname, '../renderer');
    protocol.handle(APP_SCHEME, (req) => appResponse(root, req.url));
    appSchemeHandled = true; // a second window (macOS re-activation) reuses the handler
  }
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    title: 'ELBO Studio',
    show: false,
    webPreferences: secureWebPreferences(path.join(__dirname, '../preload/index.js')),
  });
  lockDown(win.webContents, devUrl);
  win.once('ready-to-show', () => win.show());
  void win.loadURL(devUrl ?? `${APP_ORIGIN}/index.html`);
  return win;
}
