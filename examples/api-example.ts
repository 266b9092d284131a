/**
 * mixq from a script: quantize the example ResNet to A8W8, then let the automatic search pick
 * INT8 / INT16 per layer under an L2 target, and write the model, the report and the chart.
 *
 *   npx tsx examples/api-example.ts            (from the repository root)
 *
 * In your own project, import from 'mixq' instead of '../src/index.js'.
 */
import { writeFile } from 'node:fs/promises';
import { autoMixedPrecision, loadModel, openCalibrationSource, quantize, saveModel } from '../src/index.js';
import { buildAutoReport, formatAutoReport, formatQuantizeSummary, sensitivityChartSvg } from '../src/report/index.js';

const MODEL = 'examples/models/fashion-resnet.onnx';
const OUT = 'examples/out';

const model = await loadModel(MODEL);
// A directory of <inputName>.npy files; the example model has one input, `input`.
const calibration = await openCalibrationSource('calib-data');

// 1. Plain static quantization: every quantizable tensor at INT8, weights per channel.
const a8w8 = await quantize(model, { calibration: { kind: 'data', source: calibration }, activationType: 'int8', weightType: 'int8' });
await saveModel(a8w8.model, `${OUT}/api-a8w8.onnx`);
console.log(formatQuantizeSummary({ ...a8w8, model: MODEL, output: `${OUT}/api-a8w8.onnx` }));

// 2. Automatic mixed precision: start at A16W8 and narrow as many layers to A8W8 as the target allows.
const target = { kind: 'metric', metric: 'l2', threshold: 0.14 } as const;
const auto = await autoMixedPrecision(model, {
  calibration,
  target,
  onProgress: (e) => {
    if (e.phase === 'sensitivity' && e.done === e.total) console.log(`measured the sensitivity of ${e.total} layer groups`);
  },
});
await saveModel(auto.model, `${OUT}/api-auto.onnx`);

const report = buildAutoReport(auto, target, { model: MODEL, output: `${OUT}/api-auto.onnx` });
await writeFile(`${OUT}/api-auto.report.json`, JSON.stringify(report, null, 2));
await writeFile(`${OUT}/api-auto.svg`, sensitivityChartSvg(report));
console.log(formatAutoReport(report));

// The map reproduces this model with quantize(..., { mixedPrecisionTensor }), e.g. after editing it.
console.log(`INT16 tensors kept: ${auto.mixedPrecisionTensor.Int16?.length ?? 0}; final l2 ${auto.final.l2.toFixed(4)} (target ≤ ${target.threshold})`);
