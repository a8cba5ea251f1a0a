/**
 * Browser mode's transport: the built renderer, `POST /api/<channel>`, `POST /upload` and server-sent events on
 * `/events`, bound to 127.0.0.1 only. Every request must carry the per-launch token; without it the answer is 401
 * and nothing is touched. The Host header must name the loopback address (no DNS rebinding).
 *
 * Reads (the page, its assets, `/events`) accept the token from the `elbo_token` cookie or `?token=`. Requests that
 * act (`/api/*`, `/upload`) need more, because cookies ignore ports and any page on 127.0.0.1 could send them: the
 * token in the `x-elbo-token` header, an `Origin` naming this server (or, without Origin, `Sec-Fetch-Site:
 * same-origin`), and for `/api/*` a `Content-Type: application/json` body. A page on another origin can set neither
 * the header nor the content type without a CORS preflight, which this server never grants.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { eventChannels } from '../../src-shared/ipc/contract';
import { AppError, toAppError } from '../../src-shared/ipc/app-error';
import type { Dispatch } from '../api/dispatcher';
import type { EventBus } from '../api/events';
import { UploadTooLargeError, type FileRegistry } from '../api/files';

export interface HttpServerOptions {
  dispatch: Dispatch;
  events: EventBus;
  files: FileRegistry;
  staticDir: string | null;
  token?: string;
  port?: number;
  host?: string;
  /** Largest JSON body accepted (uploads are streamed and not limited by this). */
  maxJsonBytes?: number;
  /** Largest upload accepted (default 1 GiB; `--max-upload-mb` / ELBO_STUDIO_MAX_UPLOAD_MB in `npm run serve`). */
  maxUploadBytes?: number;
}

export const DEFAULT_MAX_UPLOAD_BYTES = 1024 ** 3;

export interface RunningServer {
  url: string;
  /** The URL to open in a browser, with the token. */
  openUrl: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

/** Content types of the renderer's files (also served by Electron's app:// handler). */
export const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
};

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

function securityHeaders(res: http.ServerResponse) {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

function sendJson(res: http.ServerResponse, status: number, body: unknown) {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(data);
}

/** decodeURIComponent that answers a malformed `%` escape with a 400 naming it instead of a URIError. */
function decodePath(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new AppError(
      'BAD_REQUEST',
      `Malformed %-escape in the address: ${s.slice(0, 200)}`,
      'Encode "%" as %25 (use encodeURIComponent).',
    );
  }
}

function readCookie(req: http.IncomingMessage, name: string): string | null {
  const raw = req.headers.cookie;
  if (!raw) return null;
  for (const part of raw.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k !== name) continue;
    try {
      return decodeURIComponent(v.join('='));
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * Why a request that acts (an API call, an upload) is refused, or null when it may proceed: the token must come in
 * the header (a cookie is sent by any page on 127.0.0.1, whatever its port), the request must come from this
 * server's own origin, and API bodies must be JSON (a cross-origin form or `text/plain` fetch cannot send that
 * without a preflight).
 */
export function refuseAction(
  headers: http.IncomingHttpHeaders,
  ownOrigin: string,
  token: string,
  needJson: boolean,
): { status: number; message: string; hint: string } | null {
  const headerToken = headers['x-elbo-token'];
  if (typeof headerToken !== 'string' || !safeEqual(headerToken, token)) {
    return {
      status: 401,
      message: 'Missing or wrong x-elbo-token header: requests that act need the token in a header, not a cookie',
      hint: 'Use the ELBO Studio page opened from the URL `npm run serve` printed; it sends the header.',
    };
  }
  const origin = headers.origin;
  const site = headers['sec-fetch-site'];
  if (origin !== undefined) {
    if (origin.toLowerCase() !== ownOrigin) {
      return {
        status: 403,
        message: `Cross-origin request refused: Origin ${origin} is not ${ownOrigin}`,
        hint: 'Only the ELBO Studio page served by this server may call it.',
      };
    }
  } else if (site !== 'same-origin') {
    return {
      status: 403,
      message: `Request refused: no Origin header and Sec-Fetch-Site is ${site === undefined ? 'missing' : `"${String(site)}"`}`,
      hint: `Send Origin: ${ownOrigin} (browsers do this by themselves for the ELBO Studio page).`,
    };
  }
  if (needJson) {
    const type = String(headers['content-type'] ?? '')
      .split(';')[0]!
      .trim()
      .toLowerCase();
    if (type !== 'application/json') {
      return {
        status: 415,
        message: `Content-Type ${type || '(none)'} refused: API requests must be application/json`,
        hint: 'Send the arguments as a JSON object with Content-Type: application/json.',
      };
    }
  }
  return null;
}

const mb = (bytes: number): string => `${(bytes / 1024 ** 2).toFixed(bytes < 10 * 1024 ** 2 ? 1 : 0)} MB`;

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && crypto.timingSafeEqual(ab, bb);
}

async function readJson(req: http.IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new AppError('BAD_REQUEST', `Request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError('BAD_REQUEST', 'The request body is not valid JSON', 'Send the arguments as a JSON object.');
  }
}

export function startHttpServer(o: HttpServerOptions): Promise<RunningServer> {
  const token = o.token ?? crypto.randomBytes(24).toString('hex');
  const host = o.host ?? '127.0.0.1';
  if (host !== '127.0.0.1' && host !== '::1' && host !== 'localhost') {
    return Promise.reject(new Error(`Browser mode binds to the loopback address only, got ${host}`));
  }
  // A comparison report carries the view's charts as SVG (a latent map and a posterior are ~0.5 MB each, 8 runs).
  const maxJson = o.maxJsonBytes ?? 40_000_000;
  const maxUpload = o.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const sseClients = new Set<http.ServerResponse>();
  let port = 0;

  const offEvents = o.events.onAny((event, payload) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const c of sseClients) c.write(frame);
  }, eventChannels);

  const heartbeat = setInterval(() => {
    for (const c of sseClients) c.write(': ping\n\n');
  }, 15000);
  heartbeat.unref();

  const server = http.createServer(async (req, res) => {
    securityHeaders(res);
    try {
      const hostHeader = (req.headers.host ?? '').toLowerCase();
      const allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
      if (!allowedHosts.includes(hostHeader)) {
        sendJson(res, 403, {
          ok: false,
          error: { code: 'UNAUTHORIZED', message: `Host ${hostHeader || '(none)'} is not allowed` },
        });
        return;
      }
      const url = new URL(req.url ?? '/', `http://${hostHeader}`);
      const queryToken = url.searchParams.get('token');
      // The token in the address wins over the cookie: cookies ignore the port, so a second ELBO Studio on this machine
      // (another data directory) would otherwise be refused with the first one's cookie.
      const presented =
        (req.headers['x-elbo-token'] as string | undefined) ?? queryToken ?? readCookie(req, 'elbo_token');
      if (!presented || !safeEqual(presented, token)) {
        sendJson(res, 401, {
          ok: false,
          error: {
            code: 'UNAUTHORIZED',
            message: 'Missing or wrong access token',
            hint: 'Open the URL that `npm run serve` printed; it carries the token for this launch.',
          },
        });
        return;
      }
      if (queryToken) {
        res.setHeader('Set-Cookie', `elbo_token=${token}; HttpOnly; SameSite=Strict; Path=/`);
      }
      const acts = url.pathname.startsWith('/api/') || url.pathname === '/upload';
      if (acts && req.method === 'POST') {
        const refused = refuseAction(req.headers, `http://${hostHeader}`, token, url.pathname !== '/upload');
        if (refused) {
          const code = refused.status === 401 ? 'UNAUTHORIZED' : 'BAD_REQUEST';
          sendJson(res, refused.status, { ok: false, error: { code, message: refused.message, hint: refused.hint } });
          req.resume();
          return;
        }
      }

      if (url.pathname.startsWith('/api/')) {
        if (req.method !== 'POST') {
          sendJson(res, 405, { ok: false, error: { code: 'BAD_REQUEST', message: `Use POST for ${url.pathname}` } });
          return;
        }
        const channel = decodePath(url.pathname.slice('/api/'.length));
        let args: unknown;
        try {
          args = await readJson(req, maxJson);
        } catch (e) {
          sendJson(res, 400, { ok: false, error: toAppError(e) });
          return;
        }
        const out = await o.dispatch(channel, args);
        if (out.ok) sendJson(res, 200, { ok: true, result: out.result });
        else sendJson(res, out.status, { ok: false, error: out.error });
        return;
      }

      if (url.pathname === '/upload') {
        if (req.method !== 'POST') {
          sendJson(res, 405, { ok: false, error: { code: 'BAD_REQUEST', message: 'Use POST for /upload' } });
          return;
        }
        const name = url.searchParams.get('name') ?? 'upload.csv';
        const declared = Number(req.headers['content-length'] ?? NaN);
        if (Number.isFinite(declared) && declared > maxUpload) {
          sendJson(res, 413, {
            ok: false,
            error: {
              code: 'BAD_REQUEST',
              message: `${name} has ${mb(declared)}; uploads are limited to ${mb(maxUpload)}`,
              hint: 'Restart `npm run serve` with --max-upload-mb N (or ELBO_STUDIO_MAX_UPLOAD_MB) to allow larger files.',
            },
          });
          req.resume();
          return;
        }
        try {
          const picked = await o.files.upload(name, req, maxUpload);
          sendJson(res, 200, { ok: true, result: picked });
        } catch (e) {
          sendJson(res, e instanceof UploadTooLargeError ? 413 : 400, { ok: false, error: toAppError(e) });
        }
        return;
      }

      if (url.pathname === '/events') {
        res.writeHead(200, {
          'Content-Type': 'text/event-stream; charset=utf-8',
          'Cache-Control': 'no-store',
          Connection: 'keep-alive',
        });
        res.write(': connected\n\n');
        sseClients.add(res);
        req.on('close', () => sseClients.delete(res));
        return;
      }

      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendJson(res, 405, { ok: false, error: { code: 'BAD_REQUEST', message: `${req.method} is not allowed here` } });
        return;
      }
      serveStatic(o.staticDir, url.pathname, res);
    } catch (e) {
      const error = toAppError(e);
      if (!res.headersSent) sendJson(res, error.code === 'BAD_REQUEST' ? 400 : 500, { ok: false, error });
      else res.end();
    }
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => {
      port = (server.address() as AddressInfo).port;
      const base = `http://127.0.0.1:${port}`;
      resolve({
        url: base,
        openUrl: `${base}/?token=${token}`,
        token,
        port,
        close: () =>
          new Promise<void>((r) => {
            offEvents();
            clearInterval(heartbeat);
            for (const c of sseClients) c.end();
            sseClients.clear();
            server.closeAllConnections?.();
            server.close(() => r());
          }),
      });
    });
  });
}

function serveStatic(root: string | null, pathname: string, res: http.ServerResponse) {
  if (!root || !fs.existsSync(path.join(root, 'index.html'))) {
    res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('The user interface is not built. Run `npm run serve` (it builds it) or `npm run build:renderer`.');
    return;
  }
  let rel = decodePath(pathname);
  if (rel === '/' || rel === '') rel = '/index.html';
  const file = path.resolve(root, '.' + rel);
  if (!file.startsWith(path.resolve(root) + path.sep)) {
    res.writeHead(403).end();
    return;
  }
  let target = file;
  if (!fs.existsSync(target) || !fs.statSync(target).isFile()) target = path.join(root, 'index.html');
  const ext = path.extname(target);
  const headers: Record<string, string> = {
    'Content-Type': MIME[ext] ?? 'application/octet-stream',
    'Cache-Control': ext === '.html' ? 'no-store' : 'max-age=300',
  };
  if (ext === '.html') headers['Content-Security-Policy'] = CSP;
  res.writeHead(200, headers);
  fs.createReadStream(target).pipe(res);
}
