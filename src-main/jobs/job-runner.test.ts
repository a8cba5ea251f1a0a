import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../api/events';
import { openDb } from '../storage/db';
import { makeRepos, type Repos } from '../storage/repositories';
import { JobRunner, type WorkerLike } from './job-runner';
import { readLease } from './run-lease';
import { vaeSpecSchema } from '../../src-shared/schemas/run-spec';
import type { RunStatus } from '../../src-shared/domain/types';

const fixture = path.join(__dirname, 'fixtures', 'fake.worker.mjs');
const factory = (input: { spec: unknown }) => new Worker(fixture, { workerData: input }) as unknown as WorkerLike;

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function setup(file?: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'elbo-runner-'));
  dirs.push(dir);
  const dbFile = file ?? path.join(dir, 'db.sqlite');
  const repos = makeRepos(openDb(dbFile));
  const p = repos.projects.create('p');
  const d = repos.datasets.create({
    projectId: p.id,
    name: 'd',
    sourceName: 'd.csv',
    contentHash: 'h',
    rows: 10,
    schema: [],
    preprocessing: { missing: 'drop', standardize: false, droppedRows: 0, delimiter: ',' },
    dataDir: 'x',
    bytes: 0,
  });
  const events = new EventBus();
  const runner = new JobRunner({ repos, events, datasetDir: () => dir, workerFactory: factory, cancelGraceMs: 500 });
  const newRun = (epochs: number) =>
    repos.runs.create({
      projectId: p.id,
      datasetId: d.id,
      name: `r${epochs}`,
      spec: vaeSpecSchema.parse({ model: 'vae', epochs }),
    });
  return { repos, events, runner, newRun, dbFile, dir };
}

async function waitFor(repos: Repos, id: number, statuses: RunStatus[], ms = 15000) {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    const r = repos.runs.get(id)!;
    if (statuses.includes(r.status)) return r;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`run ${id} never reached ${statuses.join('/')}; is ${repos.runs.get(id)!.status}`);
}

describe('JobRunner', () => {
  it('runs a job to completion, storing backend, metrics, artifacts and final metrics', async () => {
    const { repos, runner, newRun, events } = setup();
    const statuses: RunStatus[] = [];
    events.on('run:status', (r) => statuses.push(r.status));
    const run = newRun(1);
    runner.enqueue(run.id);
    const done = await waitFor(repos, run.id, ['completed', 'failed']);
    await runner.whenIdle();
    expect(done.status).toBe('completed');
    expect(done.backend).toBe('cpu');
    expect(done.metrics.train_elbo).toBe(-95);
    expect(done.startedAt).not.toBeNull();
    expect(done.finishedAt).not.toBeNull();
    expect(repos.metrics.count(run.id)).toBe(5);
    expect(repos.artifacts.get(run.id, 'note')?.data).toEqual({ step: 5 });
    expect(statuses).toEqual(['running', 'completed']);
  });

  it('judges each finished run once and stores the verdict with its evidence', async () => {
    const { repos, runner, newRun } = setup();
    const good = newRun(1);
    const diverged = newRun(669);
    const crashed = newRun(667);
    for (const r of [good, diverged, crashed]) runner.enqueue(r.id);
    const g = await waitFor(repos, good.id, ['completed', 'failed']);
    expect(g.verdict?.verdict).toBe('caution');
    expect(g.verdict?.reasons.map((r) => r.code)).toEqual(['not-converged']);
    expect(g.evidence?.status).toBe('completed');
    const d = await waitFor(repos, diverged.id, ['completed', 'failed']);
    expect(d.status).toBe('failed');
    expect(d.metrics).toMatchObject({ steps: 12, non_finite_steps: 3 });
    expect(d.verdict?.verdict).toBe('failed');
    expect(d.verdict?.reasons[0]?.code).toBe('diverged');
    expect(d.verdict?.reasons[0]?.message).toMatch(/step 12.*-5\.650e\+13/);
    const c = await waitFor(repos, crashed.id, ['completed', 'failed']);
    expect(c.verdict?.verdict).toBe('failed');
    expect(c.verdict?.reasons[0]?.message).toMatch(/exit code 3/);
    await runner.whenIdle();
  });

  it('cancels a running job, and a queued one without starting it', async () => {
    const { repos, runner, newRun } = setup();
    const a = newRun(999);
    const b = newRun(999);
    runner.enqueue(a.id);
    runner.enqueue(b.id);
    await waitFor(repos, a.id, ['running']);
    expect(runner.cancel(b.id)).toBe(true);
    expect(repos.runs.get(b.id)!.status).toBe('cancelled');
    // Cancelled before it started: judged all the same (caution), never left "not assessed".
    expect(repos.runs.get(b.id)!.verdict?.verdict).toBe('caution');
    expect(repos.runs.get(b.id)!.verdict?.reasons.map((x) => x.code)).toEqual(['cancelled']);
    expect(repos.runs.get(b.id)!.startedAt).toBeNull();
    runner.cancel(a.id);
    const r = await waitFor(repos, a.id, ['cancelled', 'failed', 'completed']);
    expect(r.status).toBe('cancelled');
    expect(repos.metrics.count(a.id)).toBeGreaterThan(0);
  });

  it('terminates a worker that ignores cancel after the grace period', async () => {
    const { repos, runner, newRun } = setup();
    const a = newRun(668);
    runner.enqueue(a.id);
    await waitFor(repos, a.id, ['running']);
    runner.cancel(a.id);
    const r = await waitFor(repos, a.id, ['cancelled', 'failed']);
    expect(r.status).toBe('cancelled');
  });

  it('marks a run failed with its message when the worker throws, and keeps working', async () => {
    const { repos, runner, newRun } = setup();
    const bad = newRun(666);
    const crash = newRun(667);
    const good = newRun(1);
    runner.enqueue(bad.id);
    runner.enqueue(crash.id);
    runner.enqueue(good.id);
    const r1 = await waitFor(repos, bad.id, ['failed', 'completed']);
    expect(r1.status).toBe('failed');
    expect(r1.error).toContain('boom in worker');
    const r2 = await waitFor(repos, crash.id, ['failed', 'completed']);
    expect(r2.status).toBe('failed');
    expect(r2.error).toMatch(/exit code 3/);
    const r3 = await waitFor(repos, good.id, ['completed', 'failed']);
    expect(r3.status).toBe('completed');
  });

  it('after a restart, fails runs left running and queues again the queued ones', async () => {
    const first = setup();
    const running = first.newRun(1);
    const queued = first.newRun(1);
    first.repos.runs.markRunning(running.id, 'cpu'); // as if the app was killed mid-run
    first.repos.db.close();

    const repos = makeRepos(openDb(first.dbFile));
    const runner = new JobRunner({
      repos,
      events: new EventBus(),
      datasetDir: () => first.dir,
      workerFactory: factory,
    });
    const rec = runner.recover();
    expect(rec.failed).toEqual([running.id]);
    expect(rec.requeued).toEqual([queued.id]);
    const r = repos.runs.get(running.id)!;
    expect(r.status).toBe('failed');
    expect(r.error).toMatch(/Interrupted/);
    expect((await waitFor(repos, queued.id, ['completed', 'failed'])).status).toBe('completed');
    await runner.whenIdle();
    repos.db.close();
  });

  it('a full disk while recording metrics fails the run with that cause (path and fix), never the process', async () => {
    const { repos, runner, newRun, dir } = setup();
    const runnerFull = new JobRunner({
      repos,
      events: new EventBus(),
      datasetDir: () => dir,
      runDir: (id) => path.join(dir, 'runs', String(id)),
      workerFactory: factory,
      dataDir: dir,
    });
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    const append = repos.metrics.append.bind(repos.metrics);
    const finish = repos.runs.finish.bind(repos.runs);
    let finishFailures = 2;
    repos.metrics.append = () => {
      throw full;
    };
    repos.runs.finish = (...a: Parameters<typeof finish>) => {
      if (finishFailures-- > 0) throw full; // the final state cannot be written at first either
      finish(...a);
    };
    const run = newRun(999);
    runnerFull.enqueue(run.id);
    await runnerFull.whenIdle();
    // Not yet written: held in memory, the lease kept so no other process calls it "Interrupted".
    expect(runnerFull.pendingFinishes().get(run.id)?.error).toMatch(/disk holding the data directory .* is full/);
    expect(readLease(path.join(dir, 'runs', String(run.id)))?.pid).toBe(process.pid);
    repos.metrics.append = append;
    const r = await waitFor(repos, run.id, ['failed', 'completed'], 10_000);
    expect(r.error).toContain(`Training stopped: The disk holding the data directory ${dir} is full`);
    expect(r.error).toMatch(/Free some space/);
    expect(runnerFull.pendingFinishes().size).toBe(0);
    expect(readLease(path.join(dir, 'runs', String(run.id)))).toBeNull();
    await runnerFull.shutdown();
    void runner;
  });

  it('after a restart, leaves alone the runs another live process (the CLI) holds the lease of', async () => {
    const first = setup();
    const runDir = (id: number) => path.join(first.dir, 'runs', String(id));
    const cliRun = first.newRun(1);
    const cliQueued = first.newRun(1);
    const orphan = first.newRun(1);
    first.repos.runs.markRunning(cliRun.id, 'cpu');
    first.repos.runs.markRunning(orphan.id, 'cpu');
    // A live "CLI" process holds two leases; a dead one held the third.
    const cli = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    const dead = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await new Promise((r) => dead.on('exit', r));
    const write = (id: number, pid: number) => {
      fs.mkdirSync(runDir(id), { recursive: true });
      fs.writeFileSync(
        path.join(runDir(id), 'owner.json'),
        JSON.stringify({ pid, host: os.hostname(), since: new Date().toISOString() }),
      );
    };
    try {
      write(cliRun.id, cli.pid!);
      write(cliQueued.id, cli.pid!);
      write(orphan.id, dead.pid!);
      const runner = new JobRunner({
        repos: first.repos,
        events: new EventBus(),
        datasetDir: () => first.dir,
        runDir,
        workerFactory: factory,
      });
      const rec = runner.recover();
      expect(rec.failed).toEqual([orphan.id]);
      expect(rec.requeued).toEqual([]);
      expect(first.repos.runs.get(cliRun.id)!.status).toBe('running');
      expect(first.repos.runs.get(cliQueued.id)!.status).toBe('queued');
      expect(first.repos.runs.get(orphan.id)!.error).toMatch(/Interrupted/);
      // Once the CLI is gone, its runs are the app's to settle.
      cli.kill('SIGKILL');
      await new Promise((r) => cli.on('exit', r));
      const again = new JobRunner({
        repos: first.repos,
        events: new EventBus(),
        datasetDir: () => first.dir,
        runDir,
        workerFactory: factory,
      }).recover();
      expect(again.failed).toEqual([cliRun.id]);
      expect(again.requeued).toEqual([cliQueued.id]);
      await runner.shutdown();
    } finally {
      cli.kill('SIGKILL');
    }
  });
});
