import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { MixqError } from '../errors.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { registerAuto } from './commands/auto.js';
import { registerCompare } from './commands/compare.js';
import { registerInspect } from './commands/inspect.js';
import { registerMix } from './commands/mix.js';
import { registerQuantize } from './commands/quantize.js';
import { registerUpgrade } from './commands/upgrade.js';
import { registerReport } from './commands/report.js';
import type { ProgressStream } from './progress.js';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Where progress bars go; bars are drawn only when it is a TTY (and not with --quiet). */
  progress?: ProgressStream;
}

const defaultIo: CliIo = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  progress: process.stderr,
};

/** The options every command reads (they may be given before or after the command name). */
export interface GlobalOptions {
  readonly verbose?: boolean;
  readonly quiet?: boolean;
  readonly json?: boolean;
}

function packageVersion(): string {
  try {
    // Same relative path from src/cli and dist/cli.
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Commander's "error: unknown command 'x'\n(Did you mean y?)" as one line. */
function oneLine(message: string): string {
  return message
    .replace(/^error: /, '')
    .replace(/\s*\n\(Did you mean ([^)]*)\)/, ' (did you mean $1)')
    .trimEnd();
}

export function buildProgram(io: CliIo): Command {
  const program = new Command('mixq')
    .description('Mixed-precision quantization of ONNX models (INT8 / INT16 / BF16 / FP32, QDQ).')
    .version(packageVersion(), '-V, --version')
    .option('--verbose', 'print stack traces on errors')
    .option('--quiet', 'no progress bars')
    .option('--json', 'machine-readable results on stdout (tables are not printed)')
    .showHelpAfterError('  hint: run `mixq <command> --help` for usage and examples')
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      // Usage errors read like every other error: one line with a code, then the hint.
      outputError: (s, write) => write(`mixq: error [INVALID_ARGUMENT]: ${oneLine(s)}`),
    })
    .exitOverride()
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  mixq inspect examples/models/fashion-resnet.onnx',
        '  mixq quantize examples/models/fashion-resnet.onnx --calib calib-data/ -o resnet-a8w8.onnx',
        '  mixq auto examples/models/fashion-resnet.onnx --calib calib-data/ --l2-target 0.14 -o resnet-auto.onnx',
        '  mixq report resnet-auto.json',
        '  mixq compare examples/models/fashion-resnet.onnx resnet-a8w8.onnx --calib calib-data/',
        '',
        'Exit codes: 0 ok, 1 internal error, 2 bad input, 3 target not met (best model saved),',
        '            4 onnxruntime failure, 5 evaluate function failed.',
      ].join('\n'),
    );
  registerInspect(program, io);
  registerQuantize(program, io);
  registerAuto(program, io);
  registerReport(program, io);
  registerMix(program, io);
  registerUpgrade(program, io);
  registerCompare(program, io);
  return program;
}

/** Runs the CLI and returns the exit code (never calls process.exit, so tests can drive it). */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help / --version exit with code 0 through commander's override.
      return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    const verbose = argv.includes('--verbose');
    if (error instanceof MixqError) {
      const [first, ...rest] = error.message.split('\n');
      io.err(`mixq: error [${error.code}]: ${first}`);
      for (const line of rest) io.err(line);
    } else {
      const first = (error instanceof Error ? error.message : String(error)).split('\n')[0];
      io.err(`mixq: internal error: ${first} (please report this; rerun with --verbose for details)`);
    }
    if (verbose && error instanceof Error && error.stack) io.err(error.stack);
    return exitCodeFor(error);
  }
}
