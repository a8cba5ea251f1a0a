/**
 * The only list of what the UI may ask of the main process (invoke channels) and what it may be told (events).
 * Electron's preload and browser mode's HTTP server both expose exactly these, validated by these schemas.
 */
import type { z } from 'zod';
import { EVENT_CHANNELS, INVOKE_CHANNELS } from './channels';
import * as s from '../schemas/api';
import type {
  AppInfo,
  Artifact,
  Dataset,
  DatasetRows,
  DeletionSummary,
  ImportPreview,
  ImportProgress,
  MetricPoint,
  MetricSeries,
  PickedFile,
  Project,
  RunProgress,
  RunSummary,
  SampleInfo,
} from '../domain/types';
import type { LdaByCategory, LdaDocument, LdaExport, LdaInferResult, LdaSearchHit, TextPreview } from '../domain/lda';
import type { BnnBand, BnnBundle, BnnPredictResult } from '../domain/bnn';
import type { SavedComparison } from '../domain/comparison';
import type { VaeInterpolation, VaeLatentMap, VaeManifold, VaePosterior, VaeRow } from '../domain/vae';
import type { ImportedModel, ModelColumnCheck, ModelExportResult, ModelScoreResult } from '../domain/models';
import type { ReferenceJobStatus, RunReference } from '../domain/reference';

export const invokeSchemas = {
  'app:info': s.empty,
  'projects:list': s.empty,
  'projects:create': s.projectsCreateArgs,
  'samples:list': s.empty,
  /** Electron only: opens the native file dialog. Browser mode uploads instead (POST /upload). */
  'files:pick': s.filesPickArgs,
  /** Electron only: the native folder dialog (browser mode types the path). */
  'files:pick-folder': s.filesPickFolderArgs,
  'import:preview': s.importPreviewArgs,
  'import:commit': s.importCommitArgs,
  'datasets:list': s.projectIdArgs,
  'datasets:get': s.datasetIdArgs,
  'datasets:rows': s.datasetRowsArgs,
  'runs:list': s.runsListArgs,
  'runs:get': s.runIdArgs,
  'runs:start': s.runsStartArgs,
  'runs:cancel': s.runIdArgs,
  'runs:metrics': s.runsMetricsArgs,
  'runs:artifact': s.runsArtifactArgs,
  'runs:search': s.runsSearchArgs,
  'runs:update': s.runsUpdateArgs,
  'runs:delete-preview': s.runIdArgs,
  'runs:delete': s.runIdArgs,
  'datasets:delete-preview': s.datasetIdArgs,
  'datasets:delete': s.datasetIdArgs,
  'runs:report': s.runsReportArgs,
  'comparisons:list': s.empty,
  'comparisons:get': s.comparisonIdArgs,
  'comparisons:save': s.comparisonsSaveArgs,
  'comparisons:update': s.comparisonsUpdateArgs,
  'comparisons:delete': s.comparisonIdArgs,
  'text:preview': s.textPreviewArgs,
  'lda:document': s.ldaDocumentArgs,
  'lda:search': s.ldaSearchArgs,
  'lda:infer': s.ldaInferArgs,
  'lda:export': s.ldaExportArgs,
  'lda:by-category': s.ldaByCategoryArgs,
  'bnn:band': s.bnnBandArgs,
  'bnn:predict': s.bnnPredictArgs,
  'bnn:bundle': s.bnnBundleArgs,
  'vae:latent-map': s.vaeLatentMapArgs,
  'vae:interpolate': s.vaeInterpolateArgs,
  'vae:manifold': s.vaeManifoldArgs,
  'vae:posterior': s.vaePosteriorArgs,
  'vae:row': s.vaeRowArgs,
  'models:export': s.modelsExportArgs,
  'models:import': s.modelsImportArgs,
  'models:list': s.empty,
  'models:get': s.modelIdArgs,
  'models:delete': s.modelIdArgs,
  'models:check': s.modelsUseArgs,
  'models:score': s.modelsUseArgs,
  /** A GLM run's reference posterior (exact or NUTS) and its comparison; `start` queues it when missing. */
  'reference:for-run': s.referenceForRunArgs,
  /** A reference job's state (poll, or listen to `reference:progress`). */
  'reference:status': s.referenceKeyArgs,
  'reference:cancel': s.referenceKeyArgs,
} as const;

export interface InvokeResults {
  'app:info': AppInfo;
  'projects:list': Project[];
  'projects:create': Project;
  'samples:list': SampleInfo[];
  'files:pick': PickedFile | null;
  'files:pick-folder': { path: string } | null;
  'import:preview': ImportPreview;
  'import:commit': Dataset;
  'datasets:list': Dataset[];
  'datasets:get': Dataset;
  'datasets:rows': DatasetRows;
  'runs:list': RunSummary[];
  'runs:get': RunSummary;
  'runs:start': RunSummary;
  'runs:cancel': RunSummary;
  'runs:metrics': MetricSeries[];
  'runs:artifact': Artifact | null;
  'runs:search': RunSummary[];
  'runs:update': RunSummary;
  'runs:delete-preview': DeletionSummary;
  'runs:delete': DeletionSummary;
  'datasets:delete-preview': DeletionSummary;
  'datasets:delete': DeletionSummary;
  'runs:report': { html: string; fileName: string; charts: string[] };
  'comparisons:list': SavedComparison[];
  'comparisons:get': SavedComparison;
  'comparisons:save': SavedComparison;
  'comparisons:update': SavedComparison;
  'comparisons:delete': SavedComparison;
  'text:preview': TextPreview;
  'lda:document': LdaDocument;
  'lda:search': LdaSearchHit[];
  'lda:infer': LdaInferResult;
  'lda:export': LdaExport;
  'lda:by-category': LdaByCategory;
  'bnn:band': BnnBand;
  'bnn:predict': BnnPredictResult;
  'bnn:bundle': BnnBundle;
  'vae:latent-map': VaeLatentMap;
  'vae:interpolate': VaeInterpolation;
  'vae:manifold': VaeManifold;
  'vae:posterior': VaePosterior;
  'vae:row': VaeRow;
  'models:export': ModelExportResult;
  'models:import': ImportedModel;
  'models:list': ImportedModel[];
  'models:get': ImportedModel;
  'models:delete': { id: number; deleted: true };
  'models:check': ModelColumnCheck;
  'models:score': ModelScoreResult;
  'reference:for-run': RunReference;
  'reference:status': ReferenceJobStatus;
  'reference:cancel': ReferenceJobStatus;
}

export type InvokeChannel = keyof typeof invokeSchemas;
/** What the caller passes (defaults may be omitted). */
export type InvokeArgs<C extends InvokeChannel> = z.input<(typeof invokeSchemas)[C]>;
/** What a handler receives, after validation and defaults. */
export type HandlerArgs<C extends InvokeChannel> = z.output<(typeof invokeSchemas)[C]>;
export type InvokeResult<C extends InvokeChannel> = InvokeResults[C];

export interface EventPayloads {
  'run:status': RunSummary;
  'run:progress': RunProgress;
  'run:metrics': { runId: number; points: MetricPoint[] };
  'import:progress': ImportProgress;
  /** A reference job's state (without the result; ask `reference:status` for it). */
  'reference:progress': ReferenceJobStatus;
}
export type EventChannel = keyof EventPayloads;
export const eventChannels: readonly EventChannel[] = EVENT_CHANNELS;

export const invokeChannels = Object.keys(invokeSchemas) as InvokeChannel[];

// The preload's name lists must match the contract exactly (checked at compile time both ways).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _invokeNamesMatch: Same<(typeof INVOKE_CHANNELS)[number], InvokeChannel> = true;
const _eventNamesMatch: Same<(typeof EVENT_CHANNELS)[number], EventChannel> = true;
void _invokeNamesMatch;
void _eventNamesMatch;

export function isInvokeChannel(name: string): name is InvokeChannel {
  return Object.prototype.hasOwnProperty.call(invokeSchemas, name);
}

export type Handlers = { [C in InvokeChannel]: (args: HandlerArgs<C>) => Promise<InvokeResult<C>> };

/** The renderer's view of the API, identical in both transports. */
export interface ElboApi {
  invoke<C extends InvokeChannel>(channel: C, args: InvokeArgs<C>): Promise<InvokeResult<C>>;
  on<E extends EventChannel>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
}
