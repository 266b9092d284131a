import type { Command } from 'commander';
import { parseAutoReport } from '../../report/auto-report.js';
import { formatAutoReport } from '../../report/format-auto-report.js';
import { sensitivityChartSvg } from '../../report/svg-chart.js';
import { assertWritable, readJsonFile, writeTextFile } from '../files.js';
import type { CliIo, GlobalOptions } from '../main.js';

export function registerReport(program: Command, io: CliIo): void {
  program
    .command('report')
    .description('print the tables of a report written by `mixq auto --report` (and redraw its chart)')
    .argument('<report>', 'report JSON file')
    .option('--svg <file>', 'write the sensitivity bar chart')
    .addHelpText('after', ['', 'Examples:', '  mixq report resnet-auto.json', '  mixq report resnet-auto.json --svg resnet-auto.svg'].join('\n'))
    .action(async (path: string, opts: { svg?: string }, command: Command) => {
      const data = await readJsonFile(path, 'Report', 'Pass a file written by `mixq auto --report <file>`.');
      const report = parseAutoReport(data, path);
      if (opts.svg) {
        await assertWritable(opts.svg);
        await writeTextFile(opts.svg, sensitivityChartSvg(report));
      }
      io.out(command.optsWithGlobals<GlobalOptions>().json ? JSON.stringify(report, null, 2) : formatAutoReport(report));
    });
}
