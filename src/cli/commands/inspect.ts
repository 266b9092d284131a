import type { Command } from 'commander';
import { loadModel } from '../../onnx/index.js';
import { formatModelSummary } from '../../report/format-summary.js';
import { summarizeModel } from '../../report/summary.js';
import type { CliIo } from '../main.js';

export function registerInspect(program: Command, io: CliIo): void {
  program
    .command('inspect')
    .description('show inputs, outputs, opsets, op counts and parameters of a model')
    .argument('<model>', 'ONNX model file')
    .addHelpText('after', '\nExample:\n  mixq inspect examples/models/fashion-resnet.onnx')
    .action(async (path: string) => {
      const model = await loadModel(path);
      const summary = summarizeModel(model);
      io.out(program.opts()['json'] ? JSON.stringify(summary, null, 2) : formatModelSummary(path, summary));
    });
}
