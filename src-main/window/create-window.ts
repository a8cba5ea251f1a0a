/**
 * The one application window, locked down: context isolation, sandbox, no Node integration, a strict CSP on every
 * response, navigation and new windows denied, permission requests refused.
 */
import path from 'node:path';
import { BrowserWindow, session, shell, type WebContents } from 'electron';
import { CSP } from '../server/http-server';

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

/** True when a message comes from our own renderer (the bundled file or the dev server). */
export function isTrustedSender(url: string, devUrl: string | undefined): boolean {
  if (devUrl && url.startsWith(devUrl)) return true;
  return url.startsWith('file://') && url.includes('/out/renderer/');
}

export function lockDown(contents: WebContents, devUrl: string | undefined) {
  contents.on('will-navigate', (e, url) => {
    if (!isTrustedSender(url, devUrl)) e.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
}

export function createMainWindow(devUrl: string | undefined): BrowserWindow {
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
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
  if (devUrl) void win.loadURL(devUrl);
  else void win.loadFile(path.join(__dirname, '../renderer/index.html'));
  return win;
}
