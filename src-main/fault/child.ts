/**
 * A stand-in ELBO Studio process for the fault suite (fault.test.ts), killed with SIGKILL in the middle of its work:
 *   node --import tsx child.ts import <dataDir> <csv>     imports the CSV; prints "importing" once rows are parsed
 *   node --import tsx child.ts train <dataDir> <csv>      imports it, trains a long VAE; prints "training" at the first metrics
 *   node --import tsx child.ts bundle <dataDir> <zip>     imports the bundle zip; prints "importing" first
 * Prints "done" (and the result or error as JSON) if it is not killed first.
 */
import { createDispatcher, createHandlers } from '../api/dispatcher';
import { createServices } from '../api/services';

const [mode, dataDir, file] = process.argv.slice(2) as [string, string, string];
const s = createServices({ dataDir, mode: 'browser' });
const dispatch = createDispatcher(createHandlers(s), () => {});
const say = (m: string): void => void process.stdout.write(`${m}\n`);

async function importCsv(onRows?: () => void): Promise<number> {
  const project = s.repos.projects.create('fault');
  const picked = s.files.register(file);
  let told = false;
  s.events.on('import:progress', (e) => {
    if (!told && e.rows > 0) {
      told = true;
      onRows?.();
    }
  });
  const r = await dispatch('import:commit', {
    importId: 'fault-import',
    projectId: project.id,
    source: { fileId: picked.fileId },
    name: 'fault',
  });
  if (!r.ok) throw new Error(r.error.message);
  return (r.result as { id: number }).id;
}

async function main(): Promise<void> {
  if (mode === 'import') {
    await importCsv(() => say('importing'));
  } else if (mode === 'train') {
    const datasetId = await importCsv();
    const projectId = s.repos.datasets.get(datasetId)!.projectId;
    let told = false;
    s.events.on('run:metrics', () => {
      if (!told) {
        told = true;
        say('training');
      }
    });
    const r = await dispatch('runs:start', {
      projectId,
      datasetId,
      spec: { model: 'vae', epochs: 10_000, hidden: [32], seed: 1 },
    });
    if (!r.ok) throw new Error(r.error.message);
    await s.runner.whenIdle();
  } else if (mode === 'bundle') {
    const picked = s.files.register(file);
    say('importing');
    const r = await dispatch('models:import', { source: { fileId: picked.fileId } });
    say(JSON.stringify(r.ok ? { ok: true } : r.error));
  }
  say('done');
  await s.close();
}

main().catch((e: unknown) => {
  say(`error ${(e as Error).message}`);
  process.exit(1);
});
