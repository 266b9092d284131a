/**
 * Running the real CLI: `node bin/mixq.js ...` in a child process (exit codes, stdout and stderr
 * exactly as a user sees them). bin/ runs the compiled dist/, so the first caller rebuilds it when
 * a source file is newer (under a lock: test files run in parallel workers).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';

export const ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'mixq.js');
export const RESNET = join(ROOT, 'examples', 'models', 'fashion-resnet.onnx');
export const CALIB = join(ROOT, 'calib-data');

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command line in a shell (for README lines), from `cwd`. */
export function runShell(line: string, cwd = ROOT, timeoutMs = 170_000): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', line], { cwd, timeout: timeoutMs, maxBuffer: 64 << 20, env: cliEnv() }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs `node bin/mixq.js ...args`. */
export function runCli(args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  ensureBuilt();
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, timeout: options.timeoutMs ?? 170_000, maxBuffer: 64 << 20, env: cliEnv() }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

// No TTY in a child with pipes, so no progress bars; offline so that `npx mixq` never asks a registry.
function cliEnv(): NodeJS.ProcessEnv {
  return { ...process.env, npm_config_offline: 'true', NO_COLOR: '1' };
}

/** Asserts the error format: `mixq: error [CODE]: ...` first, then only indented lines (hint, details), no stack. */
export function expectCliError(run: CliRun, exitCode: number, code: string): string[] {
  const lines = run.stderr.trimEnd().split('\n').filter((l) => !/^npm warn /.test(l));
  expect(run.code, run.stderr).toBe(exitCode);
  expect(lines[0]).toMatch(new RegExp(`^mixq: error \\[${code}\\]: \\S`));
  expect(lines.some((l) => /^\s+hint: \S/.test(l)), run.stderr).toBe(true);
  for (const l of lines.slice(1)) expect(l, run.stderr).toMatch(/^ {2}\S/);
  expect(run.stderr).not.toMatch(/^\s+at .+[:(]/m);
  return lines;
}

export function tempDir(prefix = 'mixq-cli-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

let built = false;

/** Builds dist/ when any file under src/ is newer than dist/cli/main.js. */
export function ensureBuilt(): void {
  if (built) return;
  const lock = join(tmpdir(), `mixq-build-lock-${ROOT.replaceAll('/', '_')}`);
  for (let tries = 0; ; tries++) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (tries > 600) throw new Error(`stale build lock ${lock}: remove it`);
      execFileSync('sleep', ['0.2']);
    }
  }
  try {
    if (isStale()) build();
    built = true;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function build(): void {
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'pipe' });
  } catch (error) {
    // tsc still emits on type errors elsewhere in the tree; the CLI tests judge what was emitted.
    if (isStale()) throw error;
  }
}

function isStale(): boolean {
  let builtAt: number;
  try {
    builtAt = statSync(join(ROOT, 'dist', 'cli', 'main.js')).mtimeMs;
  } catch {
    return true;
  }
  const newer = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some((e) => (e.isDirectory() ? newer(join(dir, e.name)) : e.name.endsWith('.ts') && statSync(join(dir, e.name)).mtimeMs > builtAt));
  return newer(join(ROOT, 'src'));
}
