/**
 * What a user sees when something is wrong: the exit code, and one `mixq: error [CODE]: ...` line
 * plus a hint on stderr, with no stack trace. Each case runs the real CLI in a child process.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/calibration/sources/npy-writer.js';
import { CALIB, RESNET, ROOT, ensureBuilt, expectCliError, runCli, tempDir } from './helpers.js';

const dir = tempDir();
const out = (name: string): string => join(dir.path, name);

beforeAll(async () => {
  ensureBuilt();
  // Three channels where the model takes one: a shape mismatch found before any model runs.
  await writeNpy(join(dir.path, 'input.npy'), { type: 'float32', dims: [4, 3, 28, 28], data: new Float32Array(4 * 3 * 28 * 28) });
  writeFileSync(out('broken.json'), '{\n  "Int16": ["a",]\n}\n');
  writeFileSync(out('list.json'), '["a"]');
  writeFileSync(out('typo.json'), JSON.stringify({ Int16: ['/stem/stem.2/Relu_output_1'] }));
  writeFileSync(out('no-default.mjs'), 'export const evaluate = () => 1;\n');
  writeFileSync(out('throws.mjs'), "export default async () => { throw new Error('labels not found'); };\n");
});

afterAll(() => dir.remove());

const quantizeArgs = (...extra: string[]): string[] => ['quantize', RESNET, '--calib', CALIB, ...extra];

describe('mixq errors: exit code 2, one line and a hint', () => {
  it('a missing model file', async () => {
    const run = await runCli(['inspect', 'no-such-model.onnx']);
    const [first] = expectCliError(run, 2, 'FILE_NOT_FOUND');
    expect(first).toContain('no-such-model.onnx');
  });

  it('a file that is not ONNX', async () => {
    expectCliError(await runCli(['inspect', join(ROOT, 'package.json')]), 2, 'NOT_ONNX');
  });

  it('calibration data of the wrong shape', async () => {
    const run = await runCli(quantizeArgs('-o', out('x.onnx')).map((a) => (a === CALIB ? dir.path : a)));
    const lines = expectCliError(run, 2, 'CALIBRATION_DATA');
    expect(lines.join('\n')).toMatch(/\[3, 28, 28\].*\[1, 28, 28\]/);
  });

  it('a precision map that is not valid JSON names the line and column', async () => {
    const [first] = expectCliError(await runCli(quantizeArgs('--mixed', out('broken.json'), '-o', out('x.onnx'))), 2, 'INVALID_CONFIG');
    expect(first).toMatch(/not valid JSON: .*line 2, column 17/);
  });

  it('a precision map that is not an object', async () => {
    const [first] = expectCliError(await runCli(quantizeArgs('--mixed', out('list.json'), '-o', out('x.onnx'))), 2, 'INVALID_CONFIG');
    expect(first).toContain('must be a JSON object');
  });

  it('an unknown tensor name in the map suggests the near match', async () => {
    const [first] = expectCliError(await runCli(quantizeArgs('--mixed', out('typo.json'), '-o', out('x.onnx'))), 2, 'UNKNOWN_NAME');
    expect(first).toContain("did you mean '/stem/stem.2/Relu_output_0'");
  });

  it('an output in a directory that does not exist, before any work is done', async () => {
    const started = Date.now();
    const [first] = expectCliError(await runCli(quantizeArgs('-o', join(dir.path, 'missing', 'x.onnx'))), 2, 'FILE_UNWRITABLE');
    expect(first).toContain('directory does not exist');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('an output path that is a directory', async () => {
    expectCliError(await runCli(quantizeArgs('-o', dir.path)), 2, 'FILE_UNWRITABLE');
  });

  it('an unwritable report path for auto', async () => {
    const run = await runCli(['auto', RESNET, '--calib', CALIB, '--l2-target', '0.2', '--report', join(dir.path, 'nope', 'r.json'), '-o', out('a.onnx')]);
    expectCliError(run, 2, 'FILE_UNWRITABLE');
  });

  it('both targets', async () => {
    const run = await runCli(['auto', RESNET, '--calib', CALIB, '--l2-target', '0.1', '--top1-target', '0.01', '-o', out('a.onnx')]);
    const [first] = expectCliError(run, 2, 'INVALID_CONFIG');
    expect(first).toContain('--l2-target and --top1-target');
  });

  it('no target, and a top-1 target without an evaluate module', async () => {
    expectCliError(await runCli(['auto', RESNET, '--calib', CALIB, '-o', out('a.onnx')]), 2, 'INVALID_CONFIG');
    const [first] = expectCliError(await runCli(['auto', RESNET, '--calib', CALIB, '--top1-target', '0.01', '-o', out('a.onnx')]), 2, 'INVALID_CONFIG');
    expect(first).toContain('--evaluate');
  });

  it('an evaluate module without a default export', async () => {
    const run = await runCli(['auto', RESNET, '--calib', CALIB, '--top1-target', '0.01', '--evaluate', out('no-default.mjs'), '-o', out('a.onnx')]);
    const [first] = expectCliError(run, 2, 'INVALID_CONFIG');
    expect(first).toContain("exports 'evaluate'");
  });

  it('usage errors: unknown command, bad choice, bad number, missing -o', async () => {
    expectCliError(await runCli(['quantise', RESNET]), 2, 'INVALID_ARGUMENT');
    const [choice] = expectCliError(await runCli(quantizeArgs('--activation', 'int4', '-o', out('x.onnx'))), 2, 'INVALID_ARGUMENT');
    expect(choice).toContain('int4');
    expectCliError(await runCli(['auto', RESNET, '--calib', CALIB, '--l2-target', 'small', '-o', out('a.onnx')]), 2, 'INVALID_ARGUMENT');
    expectCliError(await runCli(quantizeArgs()), 2, 'INVALID_ARGUMENT');
  });

  it('--verbose adds the stack', async () => {
    const run = await runCli(['inspect', 'no-such-model.onnx', '--verbose']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^\s+at /m);
  });
});

describe('mixq errors with other exit codes', () => {
  it('an evaluate function that throws: exit 5', async () => {
    const run = await runCli(['auto', RESNET, '--calib', CALIB, '--calib-limit', '32', '--top1-target', '0.01', '--evaluate', out('throws.mjs'), '-o', out('a.onnx')]);
    const [first] = expectCliError(run, 5, 'EVALUATE_FAILED');
    expect(first).toContain('labels not found');
  });
});

describe('mixq --help', () => {
  it('prints usage with examples for every command, exit 0', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    for (const command of ['inspect', 'quantize', 'auto', 'report']) {
      expect(top.stdout).toContain(command);
      const run = await runCli([command, '--help']);
      expect(run.code, command).toBe(0);
      expect(run.stdout, command).toContain('Examples:');
      expect(run.stdout, command).toContain(`mixq ${command} `);
    }
  });
});
