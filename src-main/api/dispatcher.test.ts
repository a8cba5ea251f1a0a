import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invokeChannels, invokeSchemas } from '../../src-shared/ipc/contract';
import { INVOKE_CHANNELS } from '../../src-shared/ipc/channels';
import { createDispatcher, createHandlers } from './dispatcher';
import { createServices, type Services } from './services';

let s: Services;
let dispatch: ReturnType<typeof createDispatcher>;
const logs: string[] = [];

beforeAll(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-dispatch-'));
  s = createServices({
    dataDir: dir,
    mode: 'browser',
    workerFactory: () => {
      throw new Error('no workers in this test');
    },
  });
  dispatch = createDispatcher(createHandlers(s), (m) => logs.push(m));
});
afterAll(async () => {
  await s.close();
  fs.rmSync(s.dataDir, { recursive: true, force: true });
});

describe('contract and dispatcher', () => {
  it('has a handler and a schema for every channel the preload knows', () => {
    const handlers = createHandlers(s);
    expect(Object.keys(handlers).sort()).toEqual([...invokeChannels].sort());
    expect([...INVOKE_CHANNELS].sort()).toEqual(Object.keys(invokeSchemas).sort());
  });

  it('answers a valid request', async () => {
    const created = await dispatch('projects:create', { name: '  Digits study ' });
    expect(created).toMatchObject({ ok: true, result: { name: 'Digits study', runCount: 0 } });
    const listed = await dispatch('projects:list', {});
    expect(listed.ok && (listed.result as unknown[]).length).toBe(1);
  });

  it('rejects malformed arguments with a code, a message naming the field, and a hint — no stack', async () => {
    const r = await dispatch('projects:create', { name: 42 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.status).toBe(400);
    expect(r.error.code).toBe('BAD_REQUEST');
    expect(r.error.message).toMatch(/name/);
    expect(r.error.hint).toBeTruthy();
    expect(JSON.stringify(r.error)).not.toMatch(/at .*\.ts:\d+/);
  });

  it('rejects unknown fields (strict schemas) and unknown channels', async () => {
    const extra = await dispatch('projects:list', { sneaky: 1 });
    expect(extra.ok).toBe(false);
    const unknown = await dispatch('fs:readFile', { path: '/etc/passwd' });
    expect(unknown).toMatchObject({ ok: false, status: 404, error: { code: 'NOT_FOUND' } });
  });

  it('validates a run spec: flow length, learning rate, seed', async () => {
    const bad = await dispatch('runs:start', {
      projectId: 1,
      datasetId: 1,
      spec: { model: 'vae', family: { kind: 'planar', length: 0 }, optimiser: { kind: 'adam', learningRate: -1 } },
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toMatch(/flow length ≥ 1/);
  });

  it('reports a missing object as NOT_FOUND, and an unexpected failure as INTERNAL without internals', async () => {
    const r = await dispatch('runs:get', { runId: 12345 });
    expect(r).toMatchObject({ ok: false, status: 404, error: { code: 'NOT_FOUND', message: 'No run with id 12345' } });
    const broken = createDispatcher(
      {
        ...createHandlers(s),
        'projects:list': async () => {
          throw new TypeError('x is undefined');
        },
      },
      (m) => logs.push(m),
    );
    const b = await broken('projects:list', {});
    expect(b).toMatchObject({ ok: false, status: 500, error: { code: 'INTERNAL' } });
    expect(logs.some((l) => l.includes('TypeError'))).toBe(true);
  });

  it('lists the bundled samples, and they exist on disk', async () => {
    const r = await dispatch('samples:list', {});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const samples = r.result as { fileName: string }[];
    expect(samples.map((x) => x.fileName)).toContain('digits.csv');
    for (const x of samples) expect(fs.existsSync(path.join(s.samplesDir, x.fileName))).toBe(true);
  });
});
