import type { Command } from 'commander';
import { compareModels } from '../../api/compare.js';
import { ConfigError } from '../../errors.js';
import { loadModel } from '../../onnx/index.js';
import { comparisonToJson, formatComparison } from '../../report/format-compare.js';
import type { CliIo, GlobalOptions } from '../main.js';
import { addCalibrationOptions, openCalibration, parseCount, parsePositive, type CalibrationOptions } from '../options.js';
import { withProgress } from '../progress.js';

interface CompareCliOptions extends CalibrationOptions {
  tensorsPerPass?: number;
  jumpFactor?: number;
  minError?: number;
}

const EXAMPLES = `
Examples:
  # where does the A8W8 model depart from the float one?
  mixq compare examples/models/fashion-resnet.onnx resnet-a8w8.onnx --calib calib-data/
  # the rows as JSON (SQNR null = identical), on 64 samples
  mixq compare model.onnx model-a16w16.onnx --calib calib/ --calib-limit 64 --json

A tensor "jumps" when its relative L2 exceeds --jump-factor times the largest relative L2 among the
tensors its op reads (at least --min-error): that is where a Q/DQ or a bias went wrong.`;

export function registerCompare(program: Command, io: CliIo): void {
  const cmd = program
    .command('compare')
    .description('per-tensor error (relative L2, SQNR) of a quantized model against its float model on the same data, the tensors where it jumps, and clipped int32 biases')
    .argument('<float>', 'the float ONNX model')
    .argument('<quantized>', 'the QDQ model made from it');
  addCalibrationOptions(cmd)
    .option('--tensors-per-pass <n>', 'compare at most this many tensors per pass over the data (default 64)', parseCount)
    .option('--jump-factor <x>', 'a tensor jumps when its error exceeds x times its inputs\' (default 4)', parsePositive)
    .option('--min-error <x>', 'error floor of the jump rule (default 0.01)', parsePositive)
    .addHelpText('after', EXAMPLES)
    .action(async (floatPath: string, quantizedPath: string, opts: CompareCliOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      if (opts.calibMethod !== undefined) throw new ConfigError('--calib-method does not apply to compare (it calibrates nothing).', { hint: 'Drop --calib-method.' });
      const float = await loadModel(floatPath);
      const quantized = await loadModel(quantizedPath);
      const source = await openCalibration(opts);
      const comparison = await withProgress(io, globals.quiet, (reporter) =>
        compareModels(float, quantized, source, {
          ...(opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {}),
          ...(opts.tensorsPerPass !== undefined ? { tensorsPerPass: opts.tensorsPerPass } : {}),
          // The shared --memory-budget bounds what one comparison pass holds (float + QDQ copies).
          ...(opts.memoryBudget !== undefined ? { maxBytesPerPass: opts.memoryBudget } : {}),
          ...(opts.jumpFactor !== undefined ? { jumpFactor: opts.jumpFactor } : {}),
          ...(opts.minError !== undefined ? { minRelativeL2: opts.minError } : {}),
          onProgress: (done, total) => reporter.update({ phase: 'calibration', done, total, detail: 'comparing' }),
        }),
      );
      if (globals.json) io.out(JSON.stringify({ float: floatPath, quantized: quantizedPath, ...(comparisonToJson(comparison) as object) }, null, 2));
      else io.out(formatComparison(comparison, { float: floatPath, quantized: quantizedPath }));
    });
}
