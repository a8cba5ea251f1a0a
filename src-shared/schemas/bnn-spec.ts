/** The BNN run spec lives in run-spec.ts (beside the union it belongs to, avoiding an import cycle); re-exported here. */
export {
  bnnPriorSchema,
  bnnSpecFields,
  bnnSpecSchema,
  type BnnPriorSpec,
  type BnnSpec,
  type BnnSpecInput,
} from './run-spec';
