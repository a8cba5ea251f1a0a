/**
 * Starting a run from a run form (VAE, BNN, LDA): the form's "submitted" flag (fields show their errors from then on),
 * the busy flag and the server's refusal. `submit` starts the run when the form has a valid spec and opens its page.
 */
import type { RunSpec } from '../../../src-shared/schemas/run-spec';
import { api, toApiError, type ApiError } from '../api';
import { href, router } from '../router.svelte';

export interface RunStartRequest {
  projectId: number;
  datasetId: number;
  spec: RunSpec;
  /** The optional run name as typed (trimmed here; empty: generated). */
  name: string;
}

export class RunStart {
  submitted = $state(false);
  starting = $state(false);
  error = $state<ApiError | null>(null);

  /** `request` is null while the form has errors: then only the errors show. */
  async submit(ev: Event, request: RunStartRequest | null): Promise<void> {
    ev.preventDefault();
    this.submitted = true;
    this.error = null;
    if (!request) return;
    this.starting = true;
    try {
      const name = request.name.trim();
      const run = await api.invoke('runs:start', {
        projectId: request.projectId,
        datasetId: request.datasetId,
        spec: request.spec,
        ...(name ? { name } : {}),
      });
      router.go(href.run(run.id));
    } catch (e) {
      this.error = toApiError(e);
    } finally {
      this.starting = false;
    }
  }
}
