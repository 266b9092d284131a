import { dirname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { quantize } from '../../api/quantize.js';
import type { ActivationType, CalibrationConfig, WeightType } from '../../api/config.js';
import { loadRangesFile, rangesToJson, type Range } from '../../calibration/ranges.js';
import { ConfigError } from '../../errors.js';
import type { Model } from '../../ir/index.js';
import { loadModelFromBytes, saveModel } from '../../onnx/index.js';
import { readFileBytes } from '../../onnx/file-io.js';
import { formatCostLine } from '../../report/cost.js';
import { formatQuantizeSummary } from '../../report/format-quantize.js';
import { int32BiasStatistics } from '../../report/statistics.js';
import { formatUpgradeLine, mapUsesSixteenBit } from '../../qdq/upgrade/index.js';
import { allActivationTensors, calibrate, prepareForQuantization } from '../../search/pipeline.js';
import { assertWritable, sha256, writeTextFile } from '../files.js';
import type { CliIo, GlobalOptions } from '../main.js';
import { addCalibrationOptions, calibrationTuning, openCalibration, parseWhole, readPrecisionMap, type CalibrationOptions } from '../options.js';
import { withProgress, type ProgressReporter } from '../progress.js';

interface QuantizeOptions extends CalibrationOptions {
  output: string;
  activation: ActivationType;
  weight: WeightType;
  perChannel?: boolean;
  mixed?: string;
  ranges?: string;
  saveRanges?: string;
  useBf16?: boolean;
  latencyRuns: number;
}

const EXAMPLES = `
Examples:
  # A8W8 with the bundled calibration set
  mixq quantize examples/models/fashion-resnet.onnx --calib calib-data/ -o resnet-a8w8.onnx
  # A16W8 (int16 activations), per-tensor weights, percentile ranges
  mixq quantize model.onnx --calib calib/ --activation int16 --no-per-channel --calib-method percentile -o model-a16w8.onnx
  # A8W8 with some tensors kept wider: map.json = { "Int16": ["t1"], "Float32": ["t2"] }
  mixq quantize model.onnx --calib calib/ --mixed map.json -o model-mixed.onnx
  # calibrate once, then reuse the ranges
  mixq quantize model.onnx --calib calib/ --save-ranges ranges.json -o a.onnx
  mixq quantize model.onnx --ranges ranges.json --activation int16 -o b.onnx`;

export function registerQuantize(program: Command, io: CliIo): void {
  const cmd = program
    .command('quantize')
    .description('static QDQ quantization at global activation/weight types, with optional per-tensor precisions (--mixed)')
    .argument('<model>', 'float ONNX model');
  addCalibrationOptions(cmd)
    .option('--ranges <file>', 'reuse ranges saved with --save-ranges instead of calibrating')
    .addOption(new Option('--activation <type>', 'activation type').choices(['int8', 'uint8', 'int16', 'uint16']).default('int8'))
    .addOption(new Option('--weight <type>', 'weight type').choices(['int8', 'uint8', 'int16']).default('int8'))
    .option('--per-channel', 'one weight scale per output channel (default)')
    .option('--no-per-channel', 'one weight scale per tensor')
    .option('--mixed <map.json>', 'per-tensor precisions: { "Int8": [...], "Int16": [...], "BFloat16": [...], "Float32": [...] }')
    .option('--save-ranges <file>', 'write the calibrated ranges as JSON (reuse with --ranges)')
    .option('--use-bf16', 'make the ops left float BF16 (an INT8/INT16/BF16/FP32 model)')
    .option('--latency-runs <n>', 'timed onnxruntime CPU runs for the float/quantized latency (0 = size only)', parseWhole, 20)
    .requiredOption('-o, --output <file>', 'where to write the QDQ model')
    .addHelpText('after', EXAMPLES)
    .action(async (path: string, opts: QuantizeOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      await withProgress(io, globals.quiet, (reporter) => runQuantize(path, opts, globals, io, reporter));
    });
}

async function runQuantize(path: string, opts: QuantizeOptions, globals: GlobalOptions, io: CliIo, reporter: ProgressReporter): Promise<void> {
  if (opts.calib !== undefined && opts.ranges !== undefined) {
    throw new ConfigError('Give --calib or --ranges, not both.', { hint: '--ranges reuses ranges saved earlier; --calib calibrates anew.' });
  }
  // Check outputs before the slow part, so a typo does not cost a calibration run.
  await assertWritable(opts.output);
  if (opts.saveRanges) await assertWritable(opts.saveRanges);
  const { model, hash } = await readModel(path);
  const mixed = opts.mixed ? await readPrecisionMap(opts.mixed) : undefined;
  const sixteenBit = opts.activation === 'int16' || opts.activation === 'uint16' || opts.weight === 'int16' || mapUsesSixteenBit(mixed);
  const warnings: string[] = [];
  const { calibration, samples, saved } = await calibrationFor(model, opts, hash, reporter, sixteenBit, (w) => warnings.push(w));
  const result = await quantize(model, {
    calibration,
    activationType: opts.activation,
    weightType: opts.weight,
    perChannel: opts.perChannel ?? true,
    ...(opts.useBf16 ? { useBf16: true } : {}),
    ...(mixed ? { mixedPrecisionTensor: mixed } : {}),
    latencyRuns: opts.latencyRuns,
    onProgress: reporter.update,
    onWarning: (w) => warnings.push(w),
  });
  await saveModel(result.model, opts.output);
  if (opts.saveRanges) {
    const file = rangesToJson(saved ?? result.ranges, { method: opts.calibMethod ?? 'minmax', modelHash: hash, samples: samples ?? result.calibrationSamples });
    await writeTextFile(opts.saveRanges, `${JSON.stringify(file, null, 2)}\n`);
  }
  reporter.stop();
  const summary = {
    model: path,
    output: opts.output,
    settings: settingsLine(opts),
    statistics: result.statistics,
    parameterBytes: result.parameterBytes,
    calibrationSamples: samples ?? result.calibrationSamples,
    int32Bias: int32BiasStatistics(result.biasAdjustments, result.saturatedBiases),
    warnings,
  };
  if (globals.json) io.out(JSON.stringify({ ...summary, ...(opts.saveRanges ? { ranges: opts.saveRanges } : {}), cost: result.cost, ...(result.opsetUpgrade ? { opsetUpgrade: result.opsetUpgrade } : {}), mixedPrecisionTensor: result.mixedPrecisionTensor, biasAdjustments: result.biasAdjustments }, null, 2));
  else io.out(`${result.opsetUpgrade?.upgraded ? `${formatUpgradeLine(result.opsetUpgrade)}\n` : ''}${formatQuantizeSummary(summary)}\n\n${formatCostLine(result.cost)}`);
}

/** The model and the sha256 of its file (ranges files are tied to the model they came from). */
export async function readModel(path: string): Promise<{ model: Model; hash: string }> {
  const bytes = await readFileBytes(path);
  const model = loadModelFromBytes(bytes, { source: path, baseDir: dirname(resolve(path)) });
  return { model, hash: sha256(bytes) };
}

/**
 * Where ranges come from. With --save-ranges every float activation is calibrated (not only what
 * this plan needs), so that the saved file serves any later --activation / --mixed choice.
 */
async function calibrationFor(
  model: Model,
  opts: QuantizeOptions,
  hash: string,
  reporter: ProgressReporter,
  sixteenBit: boolean,
  onWarning: (message: string) => void,
): Promise<{ calibration: CalibrationConfig; samples?: number; saved?: ReadonlyMap<string, Range> }> {
  if (opts.ranges !== undefined) {
    const { ranges } = await loadRangesFile(opts.ranges, hash);
    return { calibration: { kind: 'ranges', ranges } };
  }
  const source = await openCalibration(opts);
  const method = opts.calibMethod ? { method: opts.calibMethod } : {};
  const batch = calibrationTuning(opts);
  if (!opts.saveRanges) return { calibration: { kind: 'data', source, ...method, ...batch } };
  // The same opset upgrade quantize() does, so that the saved names match the tensors it plans.
  const prepared = (await prepareForQuantization(model, { sixteenBit })).model;
  const onProgress = (done: number, total: number | undefined): void => reporter.update({ phase: 'calibration', done, total });
  const { ranges, samples } = await calibrate(prepared, allActivationTensors(prepared), source, { ...method, ...batch, onProgress, onWarning });
  return { calibration: { kind: 'ranges', ranges }, samples, saved: ranges };
}

function settingsLine(opts: QuantizeOptions): string {
  const bits = (t: string): string => t.replace(/\D/g, '');
  const parts = [`A${bits(opts.activation)}W${bits(opts.weight)}`, opts.perChannel === false ? 'per-tensor weights' : 'per-channel weights'];
  if (opts.ranges) parts.push(`ranges from ${opts.ranges}`);
  else parts.push(`${opts.calibMethod ?? 'minmax'} calibration`);
  if (opts.mixed) parts.push(`overrides from ${opts.mixed}`);
  return parts.join(', ');
}
