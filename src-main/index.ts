/**
 * Electron lifecycle only: open the services for userData, carry the contract over IPC (checking every sender),
 * start the job runner, create the window.
 */
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain } from 'electron';
import { IPC_EVENT, IPC_INVOKE } from '../src-shared/ipc/channels';
import { eventChannels } from '../src-shared/ipc/contract';
import { createDispatcher, createHandlers } from './api/dispatcher';
import { createServices, resolveDataDir } from './api/services';
import { createMainWindow, isTrustedSender, registerAppScheme } from './window/create-window';

const devUrl = process.env.ELECTRON_RENDERER_URL;
registerAppScheme(); // before 'ready', as Electron requires

async function main() {
  await app.whenReady();
  const dataDir = resolveDataDir(process.argv, app.getPath('userData'));
  let win: BrowserWindow | null = null;
  const services = createServices({
    dataDir,
    mode: 'electron',
    samplesDir: app.isPackaged ? path.join(process.resourcesPath, 'samples') : undefined,
    pickFile: async (accept = 'csv') => {
      const filters =
        accept === 'zip'
          ? [{ name: 'ELBO Studio model bundle', extensions: ['zip'] }]
          : [{ name: 'CSV', extensions: ['csv', 'tsv', 'txt'] }];
      const opts = { properties: ['openFile' as const], filters };
      const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
    pickFolder: async (purpose) => {
      const opts = {
        title: purpose === 'export' ? 'Save the model bundle to a folder' : 'Open a model bundle folder',
        buttonLabel: purpose === 'export' ? 'Save here' : 'Open',
        properties: ['openDirectory' as const, 'createDirectory' as const],
      };
      const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
  });
  const dispatch = createDispatcher(createHandlers(services));
  ipcMain.handle(IPC_INVOKE, async (event, channel: unknown, args: unknown) => {
    const url = event.senderFrame?.url ?? '';
    if (!isTrustedSender(url, devUrl) || event.sender !== win?.webContents) {
      return { ok: false, error: { code: 'UNAUTHORIZED', message: 'Request from an untrusted frame refused' } };
    }
    if (typeof channel !== 'string')
      return { ok: false, error: { code: 'BAD_REQUEST', message: 'Channel must be a string' } };
    const out = await dispatch(channel, args);
    return out.ok ? { ok: true, result: out.result } : { ok: false, error: out.error };
  });
  services.events.onAny((event, payload) => {
    if (win && !win.isDestroyed()) win.webContents.send(IPC_EVENT, event, payload);
  }, eventChannels);

  win = createMainWindow(devUrl);
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', () => void services.close());
}

main().catch((e: unknown) => {
  console.error(e);
  // A read-only data directory, a full disk or a damaged database: say why, with the fix, before quitting.
  const hint = (e as { hint?: unknown }).hint;
  dialog.showErrorBox(
    'ELBO Studio cannot start',
    `${(e as Error).message ?? String(e)}${typeof hint === 'string' ? `\n\n${hint}` : ''}`,
  );
  app.quit();
});
