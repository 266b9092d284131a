/**
 * Every `npx mixq ...` line in a ```bash block of README.md runs, exactly as written, from the
 * repository root, and exits 0. Files the commands write (-o, --report, --svg, --save-ranges) are
 * removed afterwards unless they existed before.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, ensureBuilt, runShell } from './helpers.js';

/** The `npx mixq ` lines of the bash code blocks, in order (a line continued with `\` is joined). */
export function readmeCommands(markdown: string): string[] {
  const commands: string[] = [];
  let inBash = false;
  let pending = '';
  for (const raw of markdown.split('\n')) {
    const line = raw.trimEnd();
    if (/^```/.test(line.trim())) {
      inBash = !inBash && /^```(bash|sh|shell)\b/.test(line.trim());
      continue;
    }
    if (!inBash) continue;
    const text = pending ? `${pending} ${line.trim()}` : line.trim();
    if (text.endsWith('\\')) {
      pending = text.slice(0, -1).trimEnd();
      continue;
    }
    pending = '';
    if (text.startsWith('npx mixq ')) commands.push(text);
  }
  return commands;
}

const OUTPUT_FLAGS = new Set(['-o', '--output', '--report', '--svg', '--save-ranges']);

function outputsOf(command: string): string[] {
  const words = command.split(/\s+/);
  return words.flatMap((w, i) => (OUTPUT_FLAGS.has(w) && words[i + 1] ? [words[i + 1]!] : []));
}

const readme = existsSync(join(ROOT, 'README.md')) ? readFileSync(join(ROOT, 'README.md'), 'utf8') : '';
const commands = readmeCommands(readme);
const created: string[] = [];

beforeAll(() => {
  ensureBuilt();
  for (const file of commands.flatMap(outputsOf)) {
    const path = isAbsolute(file) ? file : join(ROOT, file);
    if (!existsSync(path) && !created.includes(path)) created.push(path);
  }
});

afterAll(() => {
  for (const path of created) rmSync(path, { force: true });
});

describe('README.md CLI examples', () => {
  it('README has CLI examples to run', () => {
    expect(commands.length).toBeGreaterThan(0);
  });

  // Sequential: a later line may read what an earlier one wrote (mixq report <auto's report>).
  for (const [i, command] of commands.entries()) {
    it(`${i + 1}: ${command}`, async () => {
      const run = await runShell(command);
      expect(run.code, `${command}\n${run.stderr}`).toBe(0);
      expect(run.stderr).not.toMatch(/^mixq: (error|internal error)/m);
    });
  }
});

describe('readmeCommands', () => {
  it('takes npx mixq lines from bash blocks only, joining continued lines', () => {
    const md = ['```bash', 'npm install && npx mixq x', 'npx mixq inspect a.onnx', 'npx mixq auto a.onnx \\', '  --l2-target 0.1 -o b.onnx', '```', '```ts', 'npx mixq no', '```', 'npx mixq outside'].join('\n');
    expect(readmeCommands(md)).toEqual(['npx mixq inspect a.onnx', 'npx mixq auto a.onnx --l2-target 0.1 -o b.onnx']);
    expect(outputsOf('npx mixq auto a.onnx --report r.json --svg c.svg -o b.onnx')).toEqual(['r.json', 'c.svg', 'b.onnx']);
  });
});
