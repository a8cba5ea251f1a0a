/**
 * `npm run serve`: browser mode. The same services and handlers as the Electron app, behind a loopback HTTP server
 * with a per-launch token; prints the URL to open.
 *   --data-dir DIR   (or ELBO_STUDIO_DATA) where the database and datasets live; default ~/.elbo-studio
 *   --port N         (or ELBO_STUDIO_PORT) default 5183; 0 picks a free port
 *   --static DIR     the built renderer (default out/renderer)
 *   --token T        (or ELBO_STUDIO_TOKEN) fixed token, for tests; default random per launch
 *   --max-upload-mb N (or ELBO_STUDIO_MAX_UPLOAD_MB) largest CSV or bundle upload; default 1024
 */
import os from 'node:os';
import path from 'node:path';
import { createDispatcher, createHandlers } from '../api/dispatcher';
import { createServices, resolveDataDir } from '../api/services';
import { startHttpServer } from './http-server';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return process.argv[i + 1];
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

async function main() {
  const dataDir = resolveDataDir(process.argv, path.join(os.homedir(), '.elbo-studio'));
  const services = createServices({ dataDir, mode: 'browser' });
  const dispatch = createDispatcher(createHandlers(services));
  const portRaw = arg('port') ?? process.env.ELBO_STUDIO_PORT ?? '5183';
  const port = Number(portRaw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a whole number from 0 to 65535, got ${portRaw}`);
    process.exit(2);
  }
  const staticDir = path.resolve(arg('static') ?? path.resolve(__dirname, '../../out/renderer'));
  const token = arg('token') ?? process.env.ELBO_STUDIO_TOKEN;
  const uploadRaw = arg('max-upload-mb') ?? process.env.ELBO_STUDIO_MAX_UPLOAD_MB;
  const uploadMb = uploadRaw === undefined ? 1024 : Number(uploadRaw);
  if (!Number.isFinite(uploadMb) || uploadMb <= 0) {
    console.error(`--max-upload-mb must be a positive number of megabytes, got ${uploadRaw}`);
    process.exit(2);
  }
  let server;
  try {
    server = await startHttpServer({
      dispatch,
      events: services.events,
      files: services.files,
      staticDir,
      port,
      maxUploadBytes: Math.round(uploadMb * 1024 ** 2),
      ...(token ? { token } : {}),
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(`Port ${port} is in use; pass --port 0 for a free one, or --port N.`);
      process.exit(2);
    }
    throw e;
  }
  console.log(`ELBO Studio (browser mode) is running. Data: ${dataDir}`);
  console.log(`Open: ${server.openUrl}`);
  let closing = false;
  const stop = async () => {
    if (closing) return;
    closing = true;
    await server.close();
    await services.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((e: unknown) => {
  const hint = (e as { hint?: unknown }).hint;
  console.error(`ELBO Studio could not start: ${(e as Error).message}${typeof hint === 'string' ? `\n${hint}` : ''}`);
  process.exit(1);
});
