/** The import wizard: source → preview → column choices → options → commit with progress. */
import type {
  ColumnRole,
  ColumnType,
  Dataset,
  ImportPreview,
  ImportProgress,
  InferredColumn,
  PickedFile,
} from '../../../src-shared/domain/types';
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
  missing = $state<'drop' | 'impute'>('drop');
  standardize = $state(false);
  name = $state('');
  busy = $state<'idle' | 'uploading' | 'previewing' | 'importing'>('idle');
  progress = $state<ImportProgress | null>(null);
  error = $state<ApiError | null>(null);
  /** Where the last error happened: choosing/reading the file, or the import itself. */
  errorAt = $state<'file' | 'commit'>('file');
  done = $state<Dataset | null>(null);
  private uploadAbort: AbortController | null = null;

  constructor(readonly projectId: number) {}

  totalMissing = $derived(this.columns.reduce((n, c) => n + c.inferred.missing, 0));

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
    } catch (e) {
      this.preview = null;
      this.columns = [];
      this.error = toApiError(e);
      this.errorAt = 'file';
    } finally {
      this.busy = 'idle';
    }
  }

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
      const dataset = await api.invoke('import:commit', {
        importId,
        projectId: this.projectId,
        source: this.source,
        name: this.name,
        delimiter: this.delimiter,
        encoding: this.encoding,
        columns: this.columns.map((c) => ({ name: c.name, type: c.type, role: c.role })),
        missing: this.missing,
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
