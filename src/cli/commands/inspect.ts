import type { Command } from 'commander';
import { loadModel } from '../../onnx/index.js';
import { formatStatistics, hasReducedPrecision } from '../../report/format-statistics.js';
import { formatModelSummary } from '../../report/format-summary.js';
import { statisticsFromGraph } from '../../report/statistics.js';
import { summarizeModel } from '../../report/summary.js';
import type { CliIo, GlobalOptions } from '../main.js';

export function registerInspect(program: Command, io: CliIo): void {
  program
    .command('inspect')
    .description('show inputs, outputs, opsets, op counts and parameters of a model; for a QDQ model also the precision of each op type')
    .argument('<model>', 'ONNX model file')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  mixq inspect examples/models/fashion-resnet.onnx',
        '  mixq inspect resnet-a8w8.onnx            # a quantized model: adds "Mixed Precision Statistics"',
        '  mixq inspect model.onnx --json | jq .opCounts',
      ].join('\n'),
    )
    .action(async (path: string, _opts: unknown, cmd: Command) => {
      const model = await loadModel(path);
      const summary = summarizeModel(model);
      const stats = statisticsFromGraph(model);
      // A float model would show a column of FP32 counts that only repeats the op counts.
      const quantized = hasReducedPrecision(stats);
      if (cmd.optsWithGlobals<GlobalOptions>().json) {
        io.out(JSON.stringify(quantized ? { ...summary, statistics: stats } : summary, null, 2));
        return;
      }
      io.out(formatModelSummary(path, summary));
      if (quantized) io.out(`\n${formatStatistics(stats)}`);
    });
}
