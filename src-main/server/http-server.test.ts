import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher, createHandlers } from '../api/dispatcher';
import { createServices, type Services } from '../api/services';
import { startHttpServer, type RunningServer } from './http-server';

let s: Services;
let srv: RunningServer;
let staticDir: string;

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-http-'));
  staticDir = path.join(dir, 'static');
  fs.mkdirSync(staticDir);
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>ELBO</title>');
  s = createServices({
    dataDir: dir,
    mode: 'browser',
    workerFactory: () => {
      throw new Error('none');
    },
  });
  srv = await startHttpServer({
    dispatch: createDispatcher(createHandlers(s)),
    events: s.events,
    files: s.files,
    staticDir,
  });
});
afterAll(async () => {
  await srv.close();
  await s.close();
});

function request(p: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request(`${srv.url}${p}`, { method: init.method ?? 'GET', headers: init.headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    if (init.body) req.write(init.body);
    req.end();
  });
}

/** What the ELBO Studio page sends with a request that acts. */
const act = (extra: Record<string, string> = {}) => ({
  'x-elbo-token': srv.token,
  origin: srv.url,
  'content-type': 'application/json',
  ...extra,
});

describe('browser-mode HTTP server', () => {
  it('binds to 127.0.0.1 only', () => {
    expect(srv.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers 401 without the token and touches nothing', async () => {
    const r = await request('/api/projects:create', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"x"}',
    });
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body).error.code).toBe('UNAUTHORIZED');
    expect(s.repos.projects.list()).toHaveLength(0);
    const wrong = await request('/api/projects:list', {
      method: 'POST',
      headers: { ...act(), 'x-elbo-token': 'nope' },
    });
    expect(wrong.status).toBe(401);
    expect((await request('/')).status).toBe(401);
    expect((await request('/events')).status).toBe(401);
    expect((await request('/upload?name=a.csv', { method: 'POST', body: 'a,b\n1,2' })).status).toBe(401);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const r = await request('/api/projects:list', { method: 'POST', headers: act({ host: 'evil.example:80' }) });
    expect(r.status).toBe(403);
  });

  it('serves the API with the token and returns AppErrors for bad requests', async () => {
    const ok = await request('/api/projects:create', { method: 'POST', headers: act(), body: '{"name":"Study"}' });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ ok: true, result: { name: 'Study' } });
    const bad = await request('/api/projects:create', { method: 'POST', headers: act(), body: '{not json' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatchObject({ code: 'BAD_REQUEST' });
    const get = await request('/api/projects:list', { headers: { 'x-elbo-token': srv.token } });
    expect(get.status).toBe(405);
  });

  it('sets an HttpOnly cookie when the page is opened with ?token=, with a CSP on the page', async () => {
    const r = await request(`/?token=${srv.token}`);
    expect(r.status).toBe(200);
    expect(r.headers['set-cookie']?.[0]).toMatch(/elbo_token=.*HttpOnly; SameSite=Strict/);
    expect(r.headers['content-security-policy']).toMatch(/default-src 'self'/);
    // The cookie serves the page and its files only: an API call with the cookie alone is refused.
    const viaCookie = await request('/api/projects:list', {
      method: 'POST',
      headers: { cookie: `elbo_token=${srv.token}`, origin: srv.url, 'content-type': 'application/json' },
    });
    expect(viaCookie.status).toBe(401);
  });

  describe('refuses cross-site request forgery (any page on 127.0.0.1 sends the cookie, whatever its port)', () => {
    const evil = 'http://127.0.0.1:1';
    const cookie = () => `elbo_token=${srv.token}`;
    const attempts: [string, () => Record<string, string>, number][] = [
      [
        'a text/plain form post with the cookie',
        () => ({ cookie: cookie(), origin: evil, 'content-type': 'text/plain' }),
        401,
      ],
      [
        'the cookie and a JSON body from another port',
        () => ({ cookie: cookie(), origin: evil, 'content-type': 'application/json' }),
        401,
      ],
      ['the header token from another origin', () => act({ origin: evil }), 403],
      ['the header token with Origin: null (a sandboxed frame)', () => act({ origin: 'null' }), 403],
      [
        'no Origin and a cross-site Sec-Fetch-Site',
        () => ({ 'x-elbo-token': srv.token, 'content-type': 'application/json', 'sec-fetch-site': 'same-site' }),
        403,
      ],
      [
        'no Origin and no Sec-Fetch-Site',
        () => ({ 'x-elbo-token': srv.token, 'content-type': 'application/json' }),
        403,
      ],
      ['the right origin and token with a text/plain body', () => act({ 'content-type': 'text/plain' }), 415],
      [
        'the token in the address instead of the header',
        () => ({ origin: srv.url, 'content-type': 'application/json' }),
        401,
      ],
    ];
    for (const [what, headers, status] of attempts) {
      it(`${what} → ${status}, nothing created`, async () => {
        const before = s.repos.projects.list().length;
        const q = what.includes('address') ? `?token=${srv.token}` : '';
        const r = await request(`/api/projects:create${q}`, {
          method: 'POST',
          headers: headers(),
          body: '{"name":"Forged"}',
        });
        expect(r.status).toBe(status);
        expect(JSON.parse(r.body).error.message).toBeTruthy();
        expect(s.repos.projects.list()).toHaveLength(before);
      });
    }

    it('an upload from another origin, or with the cookie alone, is refused and nothing is written', async () => {
      const uploads = path.join(s.dataDir, 'uploads');
      const count = () => (fs.existsSync(uploads) ? fs.readdirSync(uploads).length : 0);
      const before = count();
      const a = await request('/upload?name=x.csv', {
        method: 'POST',
        headers: { cookie: cookie(), origin: evil },
        body: 'a\n1\n',
      });
      expect(a.status).toBe(401);
      const b = await request('/upload?name=x.csv', {
        method: 'POST',
        headers: { 'x-elbo-token': srv.token, origin: evil },
        body: 'a\n1\n',
      });
      expect(b.status).toBe(403);
      expect(count()).toBe(before);
    });

    it('accepts Sec-Fetch-Site: same-origin when a browser sends no Origin', async () => {
      const r = await request('/api/projects:list', {
        method: 'POST',
        headers: { 'x-elbo-token': srv.token, 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
        body: '{}',
      });
      expect(r.status).toBe(200);
    });
  });

  it('answers a malformed %-escape with 400 naming it, not a 500', async () => {
    const api = await request('/api/projects%E0%A4%A', { method: 'POST', headers: act(), body: '{}' });
    expect(api.status).toBe(400);
    expect(JSON.parse(api.body).error.message).toMatch(/Malformed %-escape.*%E0%A4%A/);
    const page = await request(`/assets/%zz.js?token=${srv.token}`);
    expect(page.status).toBe(400);
  });

  it('refuses an upload over the size cap before writing it', async () => {
    const small = await startHttpServer({
      dispatch: createDispatcher(createHandlers(s)),
      events: s.events,
      files: s.files,
      staticDir,
      maxUploadBytes: 10,
    });
    try {
      const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(
          `${small.url}/upload?name=big.csv`,
          { method: 'POST', headers: { 'x-elbo-token': small.token, origin: small.url } },
          (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end('a,b\n1,2\n3,4\n5,6\n');
      });
      expect(r.status).toBe(413);
      expect(JSON.parse(r.body).error.message).toMatch(/big\.csv has .* uploads are limited to/);
      expect(JSON.parse(r.body).error.hint).toMatch(/--max-upload-mb/);
    } finally {
      await small.close();
    }
  });

  it('accepts the address token over a stale cookie of another ELBO Studio on this machine (cookies ignore ports)', async () => {
    const stale = { cookie: 'elbo_token=0123456789abcdef0123456789abcdef0123456789abcdef' };
    expect((await request('/', { headers: stale })).status).toBe(401);
    const r = await request(`/?token=${srv.token}`, { headers: stale });
    expect(r.status).toBe(200);
    expect(r.headers['set-cookie']?.[0]).toContain(`elbo_token=${srv.token}`);
  });

  it('streams events to an SSE client', async () => {
    const got = await new Promise<string>((resolve, reject) => {
      const req = http.get(`${srv.url}/events`, { headers: { 'x-elbo-token': srv.token } }, (res) => {
        let buf = '';
        res.on('data', (d) => {
          buf += d;
          if (buf.includes(': connected'))
            s.events.emit('import:progress', {
              importId: 'abc12345',
              phase: 'parsing',
              rows: 3,
              bytesRead: 1,
              totalBytes: 2,
            });
          if (buf.includes('event: import:progress')) {
            req.destroy();
            resolve(buf);
          }
        });
      });
      req.on('error', reject);
    });
    expect(got).toMatch(/event: import:progress\ndata: \{"importId":"abc12345"/);
  });

  it('streams an upload to disk and registers it', async () => {
    const r = await request('/upload?name=..%2F..%2Fevil.csv', {
      method: 'POST',
      headers: act({ 'content-type': 'application/octet-stream' }),
      body: 'a,b\n1,2\n',
    });
    expect(r.status).toBe(200);
    const picked = JSON.parse(r.body).result;
    expect(picked).toMatchObject({ name: 'evil.csv', bytes: 8 });
    expect(fs.readFileSync(s.files.resolve(picked.fileId).path, 'utf8')).toBe('a,b\n1,2\n');
  });
});
