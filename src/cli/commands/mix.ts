import { Option, type Command } from 'commander';
import { formatMixPrecisionReport, mixPrecision, type MixPrecisionConfig } from '../../api/mix-precision.js';
import { ConfigError, MixqError } from '../../errors.js';
import { saveModel } from '../../onnx/index.js';
import { loadEvaluateFunction } from '../evaluate-module.js';
import { assertWritable, writeTextFile } from '../files.js';
import type { CliIo, GlobalOptions } from '../main.js';
import { parseCount, parseNumber, parsePositive } from '../options.js';
import { withProgress, type ProgressReporter } from '../progress.js';
import { readModel } from './quantize.js';

interface MixOptions {
  output: string;
  precision: 'bf16' | 'fp16';
  form: 'emulated' | 'native';
  evaluate?: string;
  tolerableLoss?: number;
  criterion?: 'relative' | 'absolute';
  maxEvaluations?: number;
  timeout?: number;
  keepFloat?: string[];
  report?: string;
}

const EXAMPLES = `
Eligible FP32 ops become BF16/FP16 (allow list: Conv, MatMul, Gemm...; numerically unstable ops such as
Exp, Softmax and accumulating reductions stay FP32). Works on float models and on QDQ models (the ops
left float become 16-bit).

Examples:
  mixq mix examples/models/fashion-vit.onnx --precision bf16 -o vit-bf16.onnx
  # accuracy-driven: fall back the most harmful ops to FP32 until top-1 is within 1% (relative)
  mixq mix examples/models/fashion-vit.onnx --precision fp16 --evaluate examples/fashion-eval/evaluate.mjs \\
    --tolerable-loss 0.01 -o vit-fp16.onnx
  # INT8/INT16/BF16/FP32: quantize, then make what stayed float BF16
  mixq quantize examples/models/fashion-vit.onnx --calib calib-data -o vit-a8w8.onnx
  mixq mix vit-a8w8.onnx --precision bf16 -o vit-a8w8-bf16.onnx`;

export function registerMix(program: Command, io: CliIo): void {
  program
    .command('mix')
    .description('float mixed precision: convert eligible FP32 ops to BF16 or FP16 (Neural Compressor style)')
    .argument('<model>', 'ONNX model (float, or QDQ-quantized)')
    .addOption(new Option('--precision <type>', '16-bit float type').choices(['bf16', 'fp16']).default('bf16'))
    .addOption(new Option('--form <form>', 'emulated: Cast pairs around FP32 kernels (runs anywhere); native: 16-bit ops').choices(['emulated', 'native']).default('emulated'))
    .option('--evaluate <module>', '.js/.mjs module whose default export is async (model) => score; enables FP32 fallback')
    .option('--tolerable-loss <x>', 'allowed score drop (default 0.01)', parseNumber)
    .addOption(new Option('--criterion <kind>', 'tolerable loss relative (default) or absolute').choices(['relative', 'absolute']))
    .option('--max-evaluations <n>', 'evaluation budget of the fallback search', parseCount)
    .option('--timeout <seconds>', 'time budget of the fallback search', parsePositive)
    .option('--keep-float <nodes...>', 'node names to keep FP32')
    .option('--report <file>', 'write the JSON report')
    .requiredOption('-o, --output <file>', 'where to write the model')
    .addHelpText('after', EXAMPLES)
    .action(async (path: string, opts: MixOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      await withProgress(io, globals.quiet, (reporter) => runMix(path, opts, globals, io, reporter));
    });
}

async function runMix(path: string, opts: MixOptions, globals: GlobalOptions, io: CliIo, reporter: ProgressReporter): Promise<void> {
  if ((opts.tolerableLoss !== undefined || opts.criterion !== undefined) && !opts.evaluate) {
    throw new ConfigError('--tolerable-loss and --criterion need --evaluate.', { hint: 'Pass --evaluate <module.mjs> whose default export scores a model.' });
  }
  for (const out of [opts.output, opts.report]) if (out) await assertWritable(out);
  const { model } = await readModel(path);
  const evaluate = opts.evaluate ? await loadEvaluateFunction(opts.evaluate) : undefined;
  const config: MixPrecisionConfig = {
    precision: opts.precision,
    form: opts.form,
    // One evaluate contract for auto and mix: the module's function takes the candidate handle as is.
    ...(evaluate ? { evaluate } : {}),
    ...(opts.tolerableLoss !== undefined ? { tolerableLoss: opts.tolerableLoss } : {}),
    ...(opts.criterion ? { criterion: opts.criterion } : {}),
    ...(opts.maxEvaluations !== undefined ? { maxEvaluations: opts.maxEvaluations } : {}),
    ...(opts.timeout !== undefined ? { timeoutMs: opts.timeout * 1000 } : {}),
    ...(opts.keepFloat ? { forceFloat32: opts.keepFloat } : {}),
    onProgress: reporter.update,
    onWarning: (w) => io.err(`mixq: warning: ${w}`),
  };
  const { model: mixed, report } = await mixPrecision(model, config);
  reporter.stop();
  await saveModel(mixed, opts.output);
  const { search: _search, ...plain } = report;
  if (opts.report) await writeTextFile(opts.report, `${JSON.stringify({ format: 'mixq-mix-report', version: 1, model: path, output: opts.output, ...report }, null, 2)}\n`);
  io.out(globals.json ? JSON.stringify(plain, null, 2) : `${formatMixPrecisionReport(report)}\n\nWrote ${opts.output}${opts.report ? ` and ${opts.report}` : ''}.`);
  const stopped = report.search?.error;
  if (stopped) {
    // Model and report are written; the search did not finish: say why, with the error's exit code.
    throw new MixqError(stopped.code === 'EVALUATE_FAILED' ? 'EVALUATE_FAILED' : 'RUNTIME_FAILURE', `The accuracy search stopped early: ${stopped.reason}`, {
      hint: `The best model known to meet the goal was saved to ${opts.output}; fix the cause and run again.`,
    });
  }
  if (report.targetMet === false) {
    throw new MixqError('TARGET_NOT_MET', `The tolerable loss was not met: final score ${report.finalScore}, FP32 ${report.baselineScore}.`, {
      hint: `The best model found was saved to ${opts.output}; raise --tolerable-loss or the evaluation budget.`,
    });
  }
}
