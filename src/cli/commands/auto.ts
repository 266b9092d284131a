import { Option, type Command } from 'commander';
import { autoMixedPrecision, type AutoMixedPrecisionOptions } from '../../api/auto-mixed-precision.js';
import { ConfigError, MixqError } from '../../errors.js';
import { saveModel } from '../../onnx/index.js';
import { buildAutoReport, type AutoReport } from '../../report/auto-report.js';
import { formatAutoReport } from '../../report/format-auto-report.js';
import { sensitivityChartSvg } from '../../report/svg-chart.js';
import { MIN_SENSITIVITY_SAMPLES } from '../../search/config.js';
import { METRIC_NAMES, type MetricName } from '../../search/metrics.js';
import type { Target } from '../../search/targets.js';
import type { LayerConfigName } from '../../search/levels.js';
import { loadEvaluateFunction } from '../evaluate-module.js';
import { assertWritable, writeTextFile } from '../files.js';
import type { CliIo, GlobalOptions } from '../main.js';
import { addCalibrationOptions, calibrationTuning, openCalibration, parseCount, parseNumber, parsePositive, parseWhole, type CalibrationOptions } from '../options.js';
import { withProgress, type ProgressReporter } from '../progress.js';
import { readModel } from './quantize.js';

interface AutoOptions extends CalibrationOptions {
  output: string;
  l2Target?: number;
  metric?: MetricName;
  top1Target?: number;
  numTarget?: number;
  evaluate?: string;
  relativeTo?: 'float' | 'wide';
  drop?: 'absolute' | 'relative';
  strategy?: 'bisect' | 'greedy';
  cacheDir?: string;
  maxEvaluations?: number;
  timeout?: number;
  fallback?: boolean;
  perChannel?: boolean;
  report?: string;
  svg?: string;
  useBf16?: boolean;
  latencyRuns?: number;
  optimistic?: boolean;
  objective?: 'int8' | 'size' | 'latency';
  configs?: string;
  sensitivitySamples?: number;
}

const EXAMPLES = `
The model is quantized wide (A16W8), each candidate layer (Conv, Gemm, MatMul...) is narrowed to A8W8
alone to measure its sensitivity, and as many layers as the target allows are narrowed.

Examples:
  # output difference target: mean L2 distance of the logits to the float model's, at most 0.14
  mixq auto examples/models/fashion-resnet.onnx --calib calib-data/ --l2-target 0.14 \\
    --report resnet-auto.json --svg resnet-auto.svg -o resnet-auto.onnx
  # accuracy target: top-1 may drop at most 0.01 (absolute) from the float model's
  mixq auto examples/models/fashion-resnet.onnx --calib calib-data/ --top1-target 0.01 \\
    --evaluate examples/fashion-eval/evaluate.mjs -o resnet-top1.onnx
  # SQNR of the output at least 30 dB, greedy sweep, sensitivities cached for reruns
  mixq auto model.onnx --calib calib/ --l2-target 30 --metric sqnr --strategy greedy --cache-dir .mixq-cache -o out.onnx

The evaluate module's default export is  async (model) => score  (higher is better, 0..1); model.run(feeds)
runs the candidate on your data. Give a .js or .mjs file.
Exit code 3 when the target cannot be met, 4 (or 5 for the evaluate module) when an evaluation failed
mid-search: the best model found so far and the report are still written.`;

export function registerAuto(program: Command, io: CliIo): void {
  const cmd = program
    .command('auto')
    .description('automatic mixed precision: narrow as many layers to A8W8 as an L2 / metric or top-1 target allows')
    .argument('<model>', 'float ONNX model');
  addCalibrationOptions(cmd)
    .option('--l2-target <x>', 'largest allowed output difference to the float model (in --metric units)', parseNumber)
    .addOption(new Option('--metric <name>', 'metric of --l2-target (default l2; sqnr, psnr and cosine are higher-is-better)').choices([...METRIC_NAMES]))
    .option('--top1-target <x>', 'largest allowed drop of the evaluate score (needs --evaluate)', parseNumber)
    .option('--num-target <n>', "narrow the n least sensitive layer groups, no accuracy check (Quark's NumTarget)", parseWhole)
    .option('--evaluate <module>', '.js/.mjs module whose default export is async (model) => score')
    .addOption(new Option('--relative-to <model>', 'top-1 drop measured from the float (default) or the wide model').choices(['float', 'wide']))
    .addOption(new Option('--drop <mode>', 'top-1 drop in score units (absolute, default) or as a fraction (relative)').choices(['absolute', 'relative']))
    .addOption(new Option('--strategy <name>', 'bisect (default; bisection with retries) or greedy (sweep in order)').choices(['bisect', 'greedy']))
    .option('--sensitivity-samples <n>', `rank layers on the first n samples (default: an eighth of them, at least ${MIN_SENSITIVITY_SAMPLES}, with bisect; all with greedy; 0 = all); the search itself uses all`, parseWhole)
    .option('--cache-dir <dir>', 'keep sensitivities on disk; reruns and interrupted runs resume')
    .option('--max-evaluations <n>', 'stop the search after this many model runs (best model so far)', parseCount)
    .option('--timeout <seconds>', 'stop the search after this long (best model so far)', parsePositive)
    .option('--no-fallback', 'when the wide model misses the target, do not try BF16/FP32 per layer')
    .addOption(new Option('--objective <name>', 'among models meeting the target: int8 (default, most INT8 layers), size (fewest bytes) or latency (fastest measured)').choices(['int8', 'size', 'latency']))
    .option('--configs <list>', 'configs each layer may take, comma-separated (default A8W8,A16W8,A16W16,BF16,FP32; A16W16 widens weights before any float fallback)')
    .option('--no-optimistic', "measure every layer's sensitivity even when narrowing all of them meets the target")
    .option('--no-per-channel', 'one weight scale per tensor')
    .option('--report <file>', 'write the JSON report (re-print it with `mixq report`)')
    .option('--svg <file>', 'write a bar chart of per-layer sensitivity')
    .option('--use-bf16', 'make the ops left float BF16 (an INT8/INT16/BF16/FP32 model)')
    .option('--latency-runs <n>', 'timed onnxruntime CPU runs for the float/wide/final latency (default 20; 0 = size only)', parseWhole)
    .requiredOption('-o, --output <file>', 'where to write the mixed-precision model')
    .addHelpText('after', EXAMPLES)
    .action(async (path: string, opts: AutoOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      await withProgress(io, globals.quiet, (reporter) => runAuto(path, opts, globals, io, reporter));
    });
}

async function runAuto(path: string, opts: AutoOptions, globals: GlobalOptions, io: CliIo, reporter: ProgressReporter): Promise<void> {
  const target = await targetFrom(opts);
  for (const out of [opts.output, opts.report, opts.svg]) if (out) await assertWritable(out);
  const { model } = await readModel(path);
  const warnings: string[] = [];
  const options: AutoMixedPrecisionOptions = {
    ...searchOptions(opts),
    calibration: await openCalibration(opts),
    target,
    onProgress: reporter.update,
    onWarning: (w) => warnings.push(w),
  };
  const result = await autoMixedPrecision(model, options);
  reporter.stop();
  // The search also hands its final message to onWarning; the report prints that one already.
  for (const w of warnings) if (w !== result.message) io.err(`mixq: warning: ${w}`);
  // The best model is written even when the target is not met: the run is not wasted.
  await saveModel(result.model, opts.output);
  const report = buildAutoReport(result, target, { model: path, output: opts.output });
  await writeReportFiles(report, opts);
  printReport(report, opts, globals, io);
  if (result.stoppedBy?.kind === 'error') {
    // The run was not lost (model and report written above), but it did not finish: say why.
    const code = result.stoppedBy.code === 'EVALUATE_FAILED' ? 'EVALUATE_FAILED' : 'RUNTIME_FAILURE';
    throw new MixqError(code, `The search stopped early: ${result.stoppedBy.reason}`, {
      hint: `The best model measured so far was saved to ${opts.output}${opts.report ? ` and the report to ${opts.report}` : ''}; fix the cause and run again (--cache-dir resumes the sensitivities).`,
    });
  }
  if (!result.met) {
    throw new MixqError('TARGET_NOT_MET', `Target ${report.target.description} not met: ${result.message}`, {
      hint: `The best model found was saved to ${opts.output}; loosen the target${result.stoppedEarly ? ', or allow more evaluations / time' : ''}.`,
    });
  }
}

/** The options that only steer the search (everything but data, target and callbacks). */
function searchOptions(opts: AutoOptions): Partial<AutoMixedPrecisionOptions> {
  return {
    ...(opts.calibMethod ? { calibrationMethod: opts.calibMethod } : {}),
    ...calibrationTuning(opts),
    ...(opts.strategy ? { strategy: opts.strategy } : {}),
    ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}),
    ...(opts.sensitivitySamples !== undefined ? { sensitivitySamples: opts.sensitivitySamples } : {}),
    ...(opts.maxEvaluations !== undefined ? { maxEvaluations: opts.maxEvaluations } : {}),
    ...(opts.timeout !== undefined ? { timeoutMs: opts.timeout * 1000 } : {}),
    ...(opts.fallback === false ? { fallback: false } : {}),
    ...(opts.optimistic === false ? { optimistic: false } : {}),
    ...(opts.perChannel === false ? { perChannel: false } : {}),
    ...(opts.useBf16 ? { useBf16: true } : {}),
    ...(opts.latencyRuns !== undefined ? { latencyRuns: opts.latencyRuns } : {}),
    ...(opts.objective ? { objective: opts.objective } : {}),
    // Names are checked by the search (ConfigError naming the bad one).
    ...(opts.configs !== undefined ? { configs: opts.configs.split(',').map((c) => c.trim()) as LayerConfigName[] } : {}),
  };
}

async function writeReportFiles(report: AutoReport, opts: AutoOptions): Promise<void> {
  if (opts.report) await writeTextFile(opts.report, `${JSON.stringify(report, null, 2)}\n`);
  if (opts.svg) await writeTextFile(opts.svg, sensitivityChartSvg(report));
}

function printReport(report: AutoReport, opts: AutoOptions, globals: GlobalOptions, io: CliIo): void {
  if (globals.json) {
    io.out(JSON.stringify({ ...report, ...(opts.report ? { reportFile: opts.report } : {}), ...(opts.svg ? { svgFile: opts.svg } : {}) }, null, 2));
    return;
  }
  io.out(formatAutoReport(report));
  const files = [opts.report && `report ${opts.report}`, opts.svg && `chart ${opts.svg}`].filter(Boolean);
  if (files.length > 0) io.out(`\nWrote ${files.join(', ')}.`);
}

/** Exactly one target; its companion options only with it. */
async function targetFrom(opts: AutoOptions): Promise<Target> {
  const given = [
    opts.l2Target !== undefined && '--l2-target',
    opts.top1Target !== undefined && '--top1-target',
    opts.numTarget !== undefined && '--num-target',
  ].filter((x): x is string => typeof x === 'string');
  if (given.length > 1) {
    throw new ConfigError(`Give one target, not ${given.join(' and ')}.`, { hint: 'Quark silently drops the L2 target when both are set; mixq asks you to choose.' });
  }
  if (given.length === 0) throw new ConfigError('A target is required: --l2-target <x>, --top1-target <x> --evaluate <module>, or --num-target <n>.', { hint: 'See `mixq auto --help` for examples.' });
  const misplaced = (names: [string, unknown][], where: string): void => {
    const found = names.filter(([, v]) => v !== undefined).map(([n]) => n);
    if (found.length > 0) throw new ConfigError(`${found.join(', ')} only appl${found.length > 1 ? 'y' : 'ies'} with ${where}.`, { hint: 'Remove it, or use the other target.' });
  };
  const top1Only: [string, unknown][] = [['--evaluate', opts.evaluate], ['--relative-to', opts.relativeTo], ['--drop', opts.drop]];
  if (opts.numTarget !== undefined) {
    misplaced([...top1Only, ['--metric', opts.metric]], 'another target');
    return { kind: 'count', layers: opts.numTarget };
  }
  if (opts.l2Target !== undefined) {
    misplaced(top1Only, '--top1-target');
    return { kind: 'metric', metric: opts.metric ?? 'l2', threshold: opts.l2Target };
  }
  misplaced([['--metric', opts.metric]], '--l2-target');
  if (opts.evaluate === undefined) {
    throw new ConfigError('--top1-target needs --evaluate <module>: the function that scores a model.', { hint: 'e.g. --evaluate examples/fashion-eval/evaluate.mjs' });
  }
  const evaluate = await loadEvaluateFunction(opts.evaluate);
  return { kind: 'top1', maxDrop: opts.top1Target!, evaluate, relativeTo: opts.relativeTo ?? 'float', mode: opts.drop ?? 'absolute' };
}
