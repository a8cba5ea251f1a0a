/**
 * ONNX export of the fitted networks ELBO Studio writes in the TensorFlow.js layers format (a Sequential of Dense
 * layers: the VAE encoder and decoder, the BNN's predictive-mean network). Each Dense layer becomes
 * MatMul(x, W) + b followed by its activation; the graph is built with the maintained `onnx-proto` message classes
 * (opset 13) and a symbolic batch dimension, so any ONNX runtime can load it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { onnx } from 'onnx-proto';

interface DenseConfig {
  name: string;
  units: number;
  activation: string;
  use_bias?: boolean;
  batch_input_shape?: (number | null)[];
}

interface LayersModelJson {
  format?: string;
  modelTopology: {
    model_config?: { class_name: string; config: { layers: { class_name: string; config: DenseConfig }[] } };
  } & {
    class_name?: string;
    config?: { layers: { class_name: string; config: DenseConfig }[] };
  };
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
}

export interface DenseLayer {
  name: string;
  W: Float32Array; // [in, out] row-major
  b: Float32Array | null;
  inputs: number;
  units: number;
  activation: string;
}

const SUPPORTED = new Set(['linear', 'relu', 'tanh', 'sigmoid', 'elu', 'softplus', 'softmax']);

/** Reads a TF.js layers model folder (model.json + weight files) into Dense layers, refusing anything else. */
export function readLayersModel(dir: string): DenseLayer[] {
  const root = path.resolve(dir);
  const json = JSON.parse(fs.readFileSync(path.join(root, 'model.json'), 'utf8')) as LayersModelJson;
  const cfg = json.modelTopology.model_config?.config ?? json.modelTopology.config;
  if (!cfg) throw new Error(`${dir}/model.json has no layers topology`);
  const buffers: Buffer[] = [];
  const specs: { name: string; shape: number[]; dtype: string }[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      const file = path.resolve(root, p);
      if (!file.startsWith(root + path.sep)) throw new Error(`Weight path "${p}" leaves the model folder`);
      buffers.push(fs.readFileSync(file));
    }
    specs.push(...group.weights);
  }
  const all = Buffer.concat(buffers);
  const values = new Map<string, Float32Array>();
  let offset = 0;
  for (const w of specs) {
    if (w.dtype !== 'float32') throw new Error(`Weight ${w.name} is ${w.dtype}; only float32 is exported`);
    const n = w.shape.reduce((a, c) => a * c, 1);
    const copy = new Float32Array(n);
    for (let i = 0; i < n; i++) copy[i] = all.readFloatLE(offset + 4 * i);
    values.set(w.name, copy);
    offset += 4 * n;
  }
  let inputs = 0;
  return cfg.layers.map((l, i) => {
    if (l.class_name !== 'Dense') throw new Error(`Layer ${i} is ${l.class_name}; ONNX export handles Dense layers`);
    const c = l.config;
    if (!SUPPORTED.has(c.activation))
      throw new Error(`Layer ${c.name} has activation ${c.activation}; supported: ${[...SUPPORTED].join(', ')}`);
    if (i === 0) inputs = Number(c.batch_input_shape?.[1] ?? 0);
    const W = values.get(`${c.name}/kernel`);
    if (!W) throw new Error(`No weights for ${c.name}/kernel`);
    const b = c.use_bias === false ? null : (values.get(`${c.name}/bias`) ?? null);
    const layer: DenseLayer = { name: c.name, W, b, inputs, units: c.units, activation: c.activation };
    if (W.length !== inputs * c.units)
      throw new Error(`${c.name}: kernel has ${W.length} values, expected ${inputs} × ${c.units}`);
    inputs = c.units;
    return layer;
  });
}

function tensor(name: string, dims: number[], data: Float32Array): onnx.ITensorProto {
  return {
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

function valueInfo(name: string, dims: (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** Builds the ONNX model (bytes) of a Dense stack: input "x" [batch, in] → output `outputName` [batch, out]. */
export function denseStackToOnnx(
  layers: DenseLayer[],
  opts: { graphName: string; outputName?: string; docString?: string },
): Uint8Array {
  if (!layers.length) throw new Error('Nothing to export: the network has no layers');
  const nodes: onnx.INodeProto[] = [];
  const initializer: onnx.ITensorProto[] = [];
  let current = 'x';
  layers.forEach((l, i) => {
    const w = `${l.name}.W`;
    initializer.push(tensor(w, [l.inputs, l.units], l.W));
    let out = `${l.name}.matmul`;
    nodes.push({ opType: 'MatMul', input: [current, w], output: [out], name: `${l.name}_matmul` });
    if (l.b) {
      const b = `${l.name}.b`;
      initializer.push(tensor(b, [l.units], l.b));
      const added = `${l.name}.linear`;
      nodes.push({ opType: 'Add', input: [out, b], output: [added], name: `${l.name}_add` });
      out = added;
    }
    const last = i === layers.length - 1;
    const actOut = last ? (opts.outputName ?? 'y') : `${l.name}.out`;
    const op = { relu: 'Relu', tanh: 'Tanh', sigmoid: 'Sigmoid', elu: 'Elu', softplus: 'Softplus', softmax: 'Softmax' }[
      l.activation
    ];
    if (op) {
      nodes.push({
        opType: op,
        input: [out],
        output: [actOut],
        name: `${l.name}_${l.activation}`,
        ...(op === 'Softmax'
          ? { attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 }] }
          : {}),
      });
    } else {
      nodes.push({ opType: 'Identity', input: [out], output: [actOut], name: `${l.name}_identity` });
    }
    current = actOut;
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'ELBO Studio',
    producerVersion: '1',
    docString: opts.docString ?? '',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: opts.graphName,
      node: nodes,
      initializer,
      input: [valueInfo('x', ['batch', layers[0]!.inputs])],
      output: [valueInfo(current, ['batch', layers[layers.length - 1]!.units])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Converts a TF.js layers model folder to `<outFile>` (ONNX). */
export function exportLayersModelToOnnx(
  modelDir: string,
  outFile: string,
  graphName: string,
  outputName = 'y',
): string {
  const bytes = denseStackToOnnx(readLayersModel(modelDir), {
    graphName,
    outputName,
    docString: `Converted from ${path.basename(modelDir)}/model.json`,
  });
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, bytes);
  return outFile;
}
