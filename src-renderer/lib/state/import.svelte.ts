/** The import wizard: source → preview → column choices → options → commit with progress. */
import type {
  ColumnRole,
  ColumnType,
  Dataset,
  ImportPreview,
  ImportProgress,
  InferredColumn,
  MissingPolicy,
  NumericImpute,
  PickedFile,
} from '../../../src-shared/domain/types';
import {
  defaultMissingPolicy,
  policyCounts,
  type MissingScan,
  type PolicyCounts,
} from '../../../src-shared/domain/missing';
import type { ImportSource } from '../../../src-shared/schemas/api';
import { api, newId, pickFile, toApiError, uploadFile, type ApiError } from '../api';

export type Delimiter = 'auto' | ',' | ';' | '\t' | '|';

export interface ColumnDraft {
  name: string;
  type: ColumnType;
  role: ColumnRole;
  inferred: InferredColumn;
}

export const COLUMN_TYPES: readonly ColumnType[] = ['numeric', 'binary', 'categorical', 'text', 'identifier'];
export const COLUMN_ROLES: readonly ColumnRole[] = ['feature', 'label', 'text', 'ignore'];

function stem(fileName: string): string {
  return fileName.replace(/\.(csv|tsv|txt)$/i, '') || fileName;
}

export class ImportWizard {
  file = $state<PickedFile | null>(null);
  source = $state<ImportSource | null>(null);
  uploadFraction = $state<number | null>(null);
  /** The file being uploaded (browser mode), shown while it travels. */
  uploading = $state<{ name: string; bytes: number } | null>(null);
  delimiter = $state<Delimiter>('auto');
  encoding = $state<'auto' | 'utf-8' | 'windows-1252'>('auto');
  preview = $state<ImportPreview | null>(null);
  columns = $state<ColumnDraft[]>([]);
  /** The whole file's missing cells (null while it is being read, or when reading it failed). */
  scan = $state<MissingScan | null>(null);
  scanning = $state(false);
  scanError = $state<ApiError | null>(null);
  /** The policy the person picked; null: the default (drop, or impute when drop would lose > 5 % of rows). */
  chosenMissing = $state<MissingPolicy | null>(null);
  numericImpute = $state<NumericImpute>('median');
  indicators = $state(false);
  /** Projects to import into when the wizard was opened without one (from the home page); 0 = a new project. */
  targetProject = $state<number>(0);
  newProjectName = $state('');
  standardize = $state(false);
  name = $state('');
  busy = $state<'idle' | 'uploading' | 'previewing' | 'importing'>('idle');
  progress = $state<ImportProgress | null>(null);
  error = $state<ApiError | null>(null);
  /** Where the last error happened: choosing/reading the file, or the import itself. */
  errorAt = $state<'file' | 'commit'>('file');
  done = $state<Dataset | null>(null);
  private uploadAbort: AbortController | null = null;

  /** projectId null: opened from the home page; the dataset goes to `targetProject` or a new project. */
  constructor(readonly projectId: number | null) {}

  totalMissing = $derived(this.columns.reduce((n, c) => n + c.inferred.missing, 0));
  /** What each policy keeps for the columns as chosen now (null until the whole file was read). */
  counts = $derived<PolicyCounts | null>(
    this.scan && this.scan.columns.length === this.columns.length ? policyCounts(this.scan, this.columns) : null,
  );
  defaultMissing = $derived<MissingPolicy>(this.counts ? defaultMissingPolicy(this.counts) : 'drop');
  missing = $derived<MissingPolicy>(this.chosenMissing ?? this.defaultMissing);
  /** Whole-file missing count per column name. */
  missingByName = $derived(new Map((this.scan?.columns ?? []).map((c) => [c.name, c])));

  /** Electron: native dialog. */
  async pickNative(): Promise<void> {
    this.error = null;
    try {
      const picked = await pickFile();
      if (picked) await this.setFile(picked);
    } catch (e) {
      this.error = toApiError(e);
      this.errorAt = 'file';
    }
  }

  /** Browser mode: upload the chosen file. */
  async upload(file: File): Promise<void> {
    this.error = null;
    this.busy = 'uploading';
    this.uploadFraction = 0;
    this.uploading = { name: file.name, bytes: file.size };
    this.uploadAbort = new AbortController();
    try {
      const picked = await uploadFile(file, (f) => (this.uploadFraction = f), this.uploadAbort.signal);
      this.busy = 'idle';
      await this.setFile(picked);
    } catch (e) {
      this.error = toApiError(e);
      this.errorAt = 'file';
      this.busy = 'idle';
    } finally {
      this.uploadAbort = null;
      this.uploadFraction = null;
      this.uploading = null;
    }
  }

  /** A new type usually implies a role: identifiers are ignored, text is text; numbers become features again. */
  setType(col: ColumnDraft, type: ColumnType): void {
    col.type = type;
    if (type === 'identifier') col.role = 'ignore';
    else if (type === 'text') col.role = 'text';
    else if (col.role === 'text' || col.role === 'ignore')
      col.role = col.inferred.role === 'label' ? 'label' : 'feature';
  }

  cancelUpload(): void {
    this.uploadAbort?.abort();
  }

  private async setFile(picked: PickedFile): Promise<void> {
    this.file = picked;
    this.source = { fileId: picked.fileId };
    this.name = stem(picked.name);
    this.newProjectName = stem(picked.name);
    this.done = null;
    await this.loadPreview();
  }

  async loadPreview(): Promise<void> {
    if (!this.source) return;
    this.error = null;
    this.busy = 'previewing';
    try {
      const preview = await api.invoke('import:preview', {
        source: this.source,
        delimiter: this.delimiter,
        encoding: this.encoding,
      });
      this.preview = preview;
      this.columns = preview.columns.map((c) => ({ name: c.name, type: c.type, role: c.role, inferred: c }));
      if (!this.name) this.name = stem(preview.sourceName);
      if (!this.newProjectName) this.newProjectName = stem(preview.sourceName);
      void this.loadScan();
    } catch (e) {
      this.preview = null;
      this.columns = [];
      this.error = toApiError(e);
      this.errorAt = 'file';
    } finally {
      this.busy = 'idle';
    }
  }

  private scanToken = 0;

  /** Reads the whole file once for its missing cells (on the server's import thread). */
  async loadScan(): Promise<void> {
    if (!this.source) return;
    const token = ++this.scanToken;
    this.scan = null;
    this.scanError = null;
    this.scanning = true;
    try {
      const scan = await api.invoke('import:missing', {
        source: this.source,
        delimiter: this.delimiter,
        encoding: this.encoding,
      });
      if (token === this.scanToken) this.scan = scan;
    } catch (e) {
      if (token === this.scanToken) this.scanError = toApiError(e);
    } finally {
      if (token === this.scanToken) this.scanning = false;
    }
  }

  /** The project the dataset goes to: the page's, the chosen one, or a new one named as asked. */
  private async projectForImport(): Promise<number> {
    if (this.projectId !== null) return this.projectId;
    if (this.targetProject > 0) return this.targetProject;
    const p = await api.invoke('projects:create', { name: this.newProjectName.trim() || this.name });
    this.createdProject = p.name;
    this.targetProject = p.id;
    return p.id;
  }

  /** The name of the project created for this import (home-page import into a new project). */
  createdProject = $state<string | null>(null);
  /** The project the finished import went to. */
  importedProject = $state<number | null>(null);

  async commit(): Promise<Dataset | null> {
    if (!this.source || !this.preview) return null;
    this.error = null;
    this.busy = 'importing';
    const importId = newId();
    this.progress = { importId, phase: 'parsing', rows: 0, bytesRead: 0, totalBytes: this.preview.bytes };
    const off = api.on('import:progress', (p) => {
      if (p.importId === importId) this.progress = p;
    });
    try {
      const projectId = await this.projectForImport();
      this.importedProject = projectId;
      const dataset = await api.invoke('import:commit', {
        importId,
        projectId,
        source: this.source,
        name: this.name,
        delimiter: this.delimiter,
        encoding: this.encoding,
        columns: this.columns.map((c) => ({ name: c.name, type: c.type, role: c.role })),
        missing: this.missing,
        numericImpute: this.numericImpute,
        indicators: this.missing === 'impute' && this.indicators,
        policySource: this.chosenMissing === null ? 'default' : 'chosen',
        standardize: this.standardize,
      });
      this.done = dataset;
      return dataset;
    } catch (e) {
      this.error = toApiError(e);
      this.errorAt = 'commit';
      this.progress = null;
      return null;
    } finally {
      off();
      this.busy = 'idle';
    }
  }
}
