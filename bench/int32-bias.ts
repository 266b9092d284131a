/**
 * int32 bias overflow: output relative L2 of the bias fixtures (the small bias-trap net, the
 * export-like bias-overflow net and the DBNet-like detector, all opset 11) at A8W8 / A16W8 / A16W16,
 * three ways from the same plan and ranges: weight scales raised so the bias fits (what mixq does),
 * biases clipped (before), and biases left float32.
 * Run: npx tsx bench/int32-bias.ts  → bench/results/int32-bias.json
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { quantize } from '../src/api/quantize.js';
import { cloneModel, type HostTensor, type Model } from '../src/ir/index.js';
import { materialize } from '../src/qdq/materialize.js';
import { prepareModel } from '../src/search/pipeline.js';
import { ModelSession } from '../src/runtime/index.js';
import type { CalibrationSource } from '../src/calibration/sources/types.js';
import { biasOverflowFixture, detectorLike } from '../test/fixtures/exports/index.js';
import { biasTrapData, biasTrapModel } from '../test/quantize/bias-fixture.js';
import { tensorSource } from '../test/quantize/helpers.js';
import { relativeL2 } from '../test/fixtures/error-metrics.js';

interface Case {
  readonly name: string;
  readonly build: () => Model;
  readonly source: () => CalibrationSource;
  readonly x: HostTensor;
  readonly output: string;
}

async function output(model: Model, c: Case): Promise<Float32Array> {
  const s = await ModelSession.create(model, { optimization: 'disabled' });
  try {
    return (await s.run({ x: c.x }))[c.output]!.data as Float32Array;
  } finally {
    await s.close();
  }
}


const trapData = biasTrapData(64);
const cases: Case[] = [{ name: 'bias-trap (test/quantize/bias-fixture.ts)', build: biasTrapModel, source: () => tensorSource({ x: trapData }), x: trapData, output: 'y' }];
for (const f of [biasOverflowFixture(), detectorLike()]) {
  cases.push({ name: f.name, build: () => f.build(), source: () => f.source(32), x: f.feeds(16, 7)[f.inputName]!, output: f.outputNames[0]! });
}
const rows: Record<string, unknown>[] = [];
for (const c of cases) {
  const float = await output(c.build(), c);
  for (const [label, activationType, weightType] of [['A8W8', 'int8', 'int8'], ['A16W8', 'int16', 'int8'], ['A16W16', 'int16', 'int16']] as const) {
    const r = await quantize(c.build(), { calibration: { kind: 'data', source: c.source() }, activationType, weightType });
    const prepared = await prepareModel(c.build());
    const clipped = cloneModel(prepared);
    const clippedResult = materialize(clipped, r.plan, { ranges: r.ranges, fitInt32Bias: false });
    const floatBias = cloneModel(prepared);
    materialize(floatBias, { ...r.plan, tensors: r.plan.tensors.filter((t) => t.role !== 'bias') }, { ranges: r.ranges });
    const row = {
      model: c.name,
      config: label,
      relativeL2: { raisedWeightScale: relativeL2(await output(r.model, c), float), clippedBias: relativeL2(await output(clipped, c), float), floatBias: relativeL2(await output(floatBias, c), float) },
      adjustedBiases: r.biasAdjustments.length,
      adjustedChannels: r.biasAdjustments.reduce((n, a) => n + a.channels, 0),
      saturatedBiasesBefore: clippedResult.saturatedBiases.length,
      saturatedBiasesAfter: r.saturatedBiases.length,
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
}
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/int32-bias.json', import.meta.url), `${JSON.stringify({ note: 'relative L2 of the output vs float on 16 held-out samples; calibration 32 samples (64 for bias-trap)', rows }, null, 2)}\n`);
