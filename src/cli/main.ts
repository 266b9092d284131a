import { Command, CommanderError } from 'commander';
import { MixqError } from '../errors.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { registerInspect } from './commands/inspect.js';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIo: CliIo = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
};

export function buildProgram(io: CliIo): Command {
  const program = new Command('mixq')
    .description('Mixed-precision quantization of ONNX models (INT8 / INT16 / BF16 / FP32, QDQ).')
    .option('--verbose', 'print stack traces on errors')
    .option('--quiet', 'no progress bars')
    .option('--json', 'machine-readable output on stdout')
    .showHelpAfterError('(run `mixq --help` for usage)')
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride();
  registerInspect(program, io);
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
      io.err(`mixq: internal error: ${error instanceof Error ? error.message : String(error)} (please report this; rerun with --verbose for details)`);
    }
    if (verbose && error instanceof Error && error.stack) io.err(error.stack);
    return exitCodeFor(error);
  }
}
