/** Parses the short labels used by the CLI and tables ("planar:16", "iwae:5", "renyi:0.5:5") into specs. */
import {
  annealSpecSchema,
  familySpecSchema,
  lrScheduleSpecSchema,
  objectiveSpecSchema,
  type AnnealSpec,
  type FamilySpec,
  type LrScheduleSpec,
  type ObjectiveSpec,
} from './run-spec';

function num(part: string | undefined, what: string, label: string): number | undefined {
  if (part === undefined || part === '') return undefined;
  const v = Number(part);
  if (!Number.isFinite(v)) throw new Error(`Expected a number for the ${what} in "${label}", got "${part}"`);
  return v;
}

export function parseFamily(label: string): FamilySpec {
  const [kind, a, b] = label.trim().toLowerCase().split(':');
  const raw: Record<string, unknown> = { kind: kind === 'mean-field' || kind === 'mf' ? 'meanfield' : kind };
  switch (raw.kind) {
    case 'lowrank':
      raw.rank = num(a, 'rank', label);
      break;
    case 'planar':
    case 'radial':
      raw.length = num(a, 'flow length', label);
      break;
    case 'iaf':
    case 'coupling':
      raw.length = num(a, 'flow length', label);
      raw.hidden = num(b, 'hidden width', label);
      break;
    case 'svgd':
      raw.particles = num(a, 'number of particles', label);
      if (b) raw.kernel = b;
      break;
  }
  for (const k of Object.keys(raw)) if (raw[k] === undefined) delete raw[k];
  const r = familySpecSchema.safeParse(raw);
  if (!r.success) {
    throw new Error(
      `Unknown or invalid family "${label}": ${r.error.issues[0]?.message ?? ''}. Use meanfield, fullrank, lowrank:R, planar:K, radial:K, iaf:K, coupling:K or svgd:N[:rbf|imq].`,
    );
  }
  return r.data;
}

export function parseObjective(label: string): ObjectiveSpec {
  const [kind, a, b] = label.trim().toLowerCase().split(':');
  const raw: Record<string, unknown> = { kind };
  if (kind === 'elbo') raw.samples = num(a, 'number of samples', label);
  if (kind === 'iwae') raw.k = num(a, 'number of importance samples K', label);
  if (kind === 'renyi') {
    raw.alpha = num(a, 'α', label);
    raw.k = num(b, 'number of samples K', label);
  }
  for (const k of Object.keys(raw)) if (raw[k] === undefined) delete raw[k];
  const r = objectiveSpecSchema.safeParse(raw);
  if (!r.success) {
    throw new Error(
      `Unknown or invalid objective "${label}": ${r.error.issues[0]?.message ?? ''}. Use elbo[:S], iwae:K or renyi:α:K.`,
    );
  }
  return r.data;
}

/** "none", "linear:E", "cyclical:E[:RATIO]" (E in epochs) → training.anneal. */
export function parseAnneal(label: string): AnnealSpec {
  const [kind, a, b] = label.trim().toLowerCase().split(':');
  const raw: Record<string, unknown> = { kind };
  if (kind === 'linear' || kind === 'cyclical') raw.epochs = num(a, 'epochs', label);
  if (kind === 'cyclical' && b !== undefined) raw.ratio = num(b, 'ramp ratio', label);
  const r = annealSpecSchema.safeParse(raw);
  if (!r.success)
    throw new Error(
      `Unknown or invalid annealing "${label}": ${r.error.issues[0]?.message ?? ''}. Use none, linear:EPOCHS or cyclical:EPOCHS[:RATIO].`,
    );
  return r.data;
}

/** "constant", "cosine", "robbins-monro:TAU0:KAPPA" → optimiser.schedule. */
export function parseSchedule(label: string): LrScheduleSpec {
  const [kind, a, b] = label.trim().toLowerCase().split(':');
  const raw: Record<string, unknown> = { kind };
  if (kind === 'robbins-monro') {
    raw.tau0 = num(a, 'τ0', label);
    raw.kappa = num(b, 'κ', label);
  }
  for (const k of Object.keys(raw)) if (raw[k] === undefined) delete raw[k];
  const r = lrScheduleSpecSchema.safeParse(raw);
  if (!r.success)
    throw new Error(
      `Unknown or invalid schedule "${label}": ${r.error.issues[0]?.message ?? ''}. Use constant, cosine or robbins-monro:TAU0:KAPPA.`,
    );
  return r.data;
}
