/**
 * Named parameter tensors: the one representation every family, bijector and optimiser shares.
 *
 * A family's parameters are a flat map name → tensor ("base.loc", "flow.3.u" …). In the global form they are
 * tf.Variables with unbatched shapes; in the amortised form the per-datum ones are slices of an encoder output
 * [B, P] reshaped to [B, …shape]. Serialisation is a map name → { shape, values } of Float32 numbers, so runs can
 * store posteriors in SQLite and export bundles.
 */
import * as tf from '@tensorflow/tfjs-core';

export type TensorMap = Record<string, tf.Tensor>;
export type VariableMap = Record<string, tf.Variable>;
export type ShapeMap = Record<string, number[]>;

/** A parameter map as plain data: what `toJSON` writes and `fromJSON` reads. */
export interface SerialisedParams {
  format: 'elbo-studio.params.v1';
  params: Record<string, { shape: number[]; values: number[] }>;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A trainable variable holding t's values; t itself is released (tf.variable keeps its own reference). */
export function newVariable(t: tf.Tensor, trainable = true): tf.Variable {
  const v = tf.variable(t, trainable);
  t.dispose();
  return v;
}

/** Variables from initial values (Float32Array per name). Names are kept in the map, not in tfjs' registry. */
export function createVariables(shapes: ShapeMap, values: Record<string, Float32Array>): VariableMap {
  const out: VariableMap = {};
  for (const [name, shape] of Object.entries(shapes)) {
    const v = values[name];
    if (!v)
      throw new Error(
        `No initial value for parameter "${name}"; the family must initialise every parameter it declares.`,
      );
    if (v.length !== sizeOf(shape)) {
      throw new Error(
        `Parameter "${name}" expects ${sizeOf(shape)} values for shape [${shape.join(', ')}], got ${v.length}.`,
      );
    }
    out[name] = newVariable(tf.tensor(v, shape, 'float32'));
  }
  return out;
}

export function disposeParams(map: TensorMap): void {
  for (const t of Object.values(map)) t.dispose();
}

/** Name → { shape, values } as numbers (JSON-safe). Reads tensors synchronously. */
export function paramsToJSON(map: TensorMap): SerialisedParams {
  const params: SerialisedParams['params'] = {};
  for (const name of Object.keys(map).sort()) {
    const t = map[name]!;
    params[name] = { shape: t.shape.slice(), values: Array.from(t.dataSync()) };
  }
  return { format: 'elbo-studio.params.v1', params };
}

/** Variables from `paramsToJSON` output. Checks every value is finite and every shape matches `expect` if given. */
export function paramsFromJSON(json: SerialisedParams, expect?: ShapeMap): VariableMap {
  if (json.format !== 'elbo-studio.params.v1') {
    throw new Error(
      `Expected params format "elbo-studio.params.v1", got "${String(json.format)}"; re-export the posterior.`,
    );
  }
  const out: VariableMap = {};
  for (const [name, { shape, values }] of Object.entries(json.params)) {
    if (values.length !== sizeOf(shape)) {
      throw new Error(
        `Parameter "${name}" has ${values.length} values for shape [${shape.join(', ')}]; the file is corrupt.`,
      );
    }
    if (expect) {
      const want = expect[name];
      if (!want) throw new Error(`Unexpected parameter "${name}"; this posterior belongs to another family.`);
      if (want.join(',') !== shape.join(',')) {
        throw new Error(
          `Parameter "${name}" has shape [${shape.join(', ')}], expected [${want.join(', ')}]; dims differ.`,
        );
      }
    }
    out[name] = newVariable(tf.tensor(Float32Array.from(values), shape, 'float32'));
  }
  if (expect) {
    for (const name of Object.keys(expect)) {
      if (!out[name]) throw new Error(`Missing parameter "${name}" in the saved posterior.`);
    }
  }
  return out;
}

/** Keys of `map` starting with `prefix`, with the prefix stripped. */
export function scope(map: TensorMap, prefix: string): TensorMap {
  const out: TensorMap = {};
  for (const [k, v] of Object.entries(map)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

export function prefixed<T>(map: Record<string, T>, prefix: string): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(map)) out[prefix + k] = v;
  return out;
}

/** Get a parameter or fail naming it. */
export function need(map: TensorMap, name: string): tf.Tensor {
  const t = map[name];
  if (!t) throw new Error(`Missing parameter "${name}" (have: ${Object.keys(map).join(', ') || 'none'}).`);
  return t;
}

/**
 * Split an encoder output h [B, P] into per-datum parameters [B, …shape] in the (sorted-name) order of `shapes`.
 * P must equal the sum of the shapes' sizes.
 */
export function unpackEncoder(h: tf.Tensor, shapes: ShapeMap): TensorMap {
  if (h.rank !== 2)
    throw new Error(`Expected an encoder output of shape [B, P], got rank ${h.rank} [${h.shape.join(', ')}].`);
  const names = Object.keys(shapes).sort();
  const total = names.reduce((a, n) => a + sizeOf(shapes[n]!), 0);
  const [B, P] = h.shape as [number, number];
  if (P !== total)
    throw new Error(`Expected the encoder to output P = ${total} values per datum for this family, got ${P}.`);
  const out: TensorMap = {};
  let off = 0;
  for (const n of names) {
    const shape = shapes[n]!;
    const k = sizeOf(shape);
    out[n] = tf.reshape(tf.slice(h, [0, off], [B, k]), [B, ...shape]);
    off += k;
  }
  return out;
}

/** Sum of sizes: how many encoder outputs a set of local parameters needs. */
export function totalSize(shapes: ShapeMap): number {
  return Object.values(shapes).reduce((a, s) => a + sizeOf(s), 0);
}

/** softplus⁻¹(y) for y > 0, so an unconstrained 0 maps to a chosen positive value. */
export function inverseSoftplus(y: number): number {
  if (!(y > 0)) throw new RangeError(`Expected a positive scale, got ${y}`);
  return y > 20 ? y : Math.log(Math.expm1(y));
}
