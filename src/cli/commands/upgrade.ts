import type { Command } from 'commander';
import { MixqError } from '../../errors.js';
import { loadModel, saveModel } from '../../onnx/index.js';
import { formatUpgradeBlocks, formatUpgradeLine, MAX_TARGET_OPSET, upgradeOpset, type UpgradeReport } from '../../qdq/upgrade/index.js';
import { assertLoadsWithDefaults } from '../../runtime/index.js';
import { assertWritable } from '../files.js';
import type { CliIo, GlobalOptions } from '../main.js';
import { parseWhole } from '../options.js';

interface UpgradeOptions {
  opset: number;
  output: string;
}

const EXAMPLES = `
Examples:
  mixq upgrade old-model.onnx --opset 13 -o model-13.onnx
  mixq upgrade old-model.onnx --opset 21 -o model-21.onnx --json

Every node moves with its meaning kept (Clip/Slice/Pad/TopK/Split/Squeeze attributes become inputs,
Upsample becomes Resize with the coordinate rules it had, Softmax keeps its 2-D coercion, ...). When a
node cannot be moved exactly, nothing is written, the node is named and the exit code is 2.`;

export function registerUpgrade(program: Command, io: CliIo): void {
  program
    .command('upgrade')
    .description(`raise a model's ai.onnx opset (7..20 → up to ${MAX_TARGET_OPSET}), op by op, keeping what every node computes`)
    .argument('<model>', 'ONNX model file')
    .option('--opset <n>', `target ai.onnx opset (8..${MAX_TARGET_OPSET})`, parseWhole, 13)
    .requiredOption('-o, --output <file>', 'where to write the upgraded model')
    .addHelpText('after', EXAMPLES)
    .action(async (path: string, opts: UpgradeOptions, cmd: Command) => {
      await runUpgrade(path, opts, cmd.optsWithGlobals<GlobalOptions>(), io);
    });
}

async function runUpgrade(path: string, opts: UpgradeOptions, globals: GlobalOptions, io: CliIo): Promise<void> {
  await assertWritable(opts.output);
  const model = await loadModel(path);
  const report = upgradeOpset(model, { target: opts.opset });
  if (report.blocked) {
    const lines = formatUpgradeBlocks(report);
    throw new MixqError('UNSUPPORTED_OPSET', `Cannot upgrade ${path} from ai.onnx opset ${report.from} to ${opts.opset}; ${lines.length} node(s) cannot be moved exactly:\n${lines.map((l) => `  ${l}`).join('\n')}`, {
      hint: 'Nothing was written. Re-export the model at a newer opset, or replace the listed node(s); a lower --opset may avoid them.',
    });
  }
  // The validity gate: what mixq writes loads with onnxruntime's default options.
  await assertLoadsWithDefaults(model, 'The upgraded model');
  await saveModel(model, opts.output);
  io.out(globals.json ? JSON.stringify({ model: path, output: opts.output, ...report }, null, 2) : formatReport(report, opts.output));
}

function formatReport(report: UpgradeReport, output: string): string {
  const head = report.upgraded ? formatUpgradeLine(report) : `ai.onnx opset ${report.from} is already at or above ${report.target}: model written unchanged`;
  return `${head}\nWrote ${output}.`;
}
