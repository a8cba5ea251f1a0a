/** "Try a sample": one click imports a bundled dataset into the "Samples" project with inferred defaults. */
import type { Dataset, ImportProgress, SampleInfo } from '../../../src-shared/domain/types';
import { api, newId } from '../api';

export const SAMPLES_PROJECT = 'Samples';

export interface QuickStartResult {
  projectId: number;
  dataset: Dataset;
  reused: boolean;
}

export async function importSample(
  sample: SampleInfo,
  onProgress: (p: ImportProgress | null, phase: string) => void,
): Promise<QuickStartResult> {
  onProgress(null, 'Preparing the Samples project…');
  const projects = await api.invoke('projects:list', {});
  const project =
    projects.find((p) => p.name === SAMPLES_PROJECT) ??
    (await api.invoke('projects:create', { name: SAMPLES_PROJECT }));

  // Already imported? Reuse it rather than piling up copies.
  const existing = (await api.invoke('datasets:list', { projectId: project.id })).find(
    (d) => d.sourceName === sample.fileName,
  );
  if (existing) return { projectId: project.id, dataset: existing, reused: true };

  onProgress(null, 'Reading the file…');
  const source = { sampleId: sample.id };
  const preview = await api.invoke('import:preview', { source });
  const importId = newId();
  const off = api.on('import:progress', (p) => {
    if (p.importId === importId) onProgress(p, p.phase === 'writing' ? 'Writing…' : 'Parsing…');
  });
  try {
    const dataset = await api.invoke('import:commit', {
      importId,
      projectId: project.id,
      source,
      name: sample.name,
      delimiter: 'auto',
      columns: preview.columns.map((c) => ({ name: c.name, type: c.type, role: c.role })),
      missing: 'drop',
      // Regression tables train better standardised; pixel and count data keep their scale.
      standardize: sample.suggestedModel === 'bnn',
    });
    return { projectId: project.id, dataset, reused: false };
  } finally {
    off();
  }
}
