/**
 * How well the one-pass proxy ranks layers compared with exact sensitivity (one full evaluation per
 * layer group), on the export fixtures: Spearman rank correlation, and the wall time of each.
 * Run: npx tsx bench/proxy-spearman.ts  →  bench/results/proxy.json
 */
import { writeFileSync } from 'node:fs';
import { autoMixedPrecision } from '../src/api/auto-mixed-precision.js';
import { planOptionsFrom } from '../src/api/quantize.js';
import { planQuantization } from '../src/qdq/plan.js';
import { findCandidateGroups } from '../src/search/candidates.js';
import { prepareForQuantization } from '../src/search/pipeline.js';
import { proxySensitivities } from './proxy-sensitivity.js';
import { spearman } from './stats.js';
import { fashionCase, fixtureCase, type BenchCase } from './cases.js';
import { detectorLike, recognizerLike, transformerEncoderLike } from '../test/fixtures/exports/index.js';

const cases: BenchCase[] = [
  fashionCase('fashion-resnet', 128),
  fixtureCase('recognizerLike', () => recognizerLike(), 16, 8),
  fixtureCase('detectorLike', () => detectorLike(), 8, 4),
  fixtureCase('transformerEncoderLike', () => transformerEncoderLike(), 16, 8),
];

const only = process.argv.slice(2);
const results = [];
for (const c of cases.filter((x) => only.length === 0 || only.includes(x.name))) {
  const model = await c.model();
  const t0 = Date.now();
  const exact = await autoMixedPrecision(model, { calibration: await c.source(), batchSize: c.batchSize, latencyRuns: 0, target: { kind: 'count', layers: 0 } });
  const exactSeconds = (Date.now() - t0) / 1000;
  const { model: prepared } = await prepareForQuantization(model, { sixteenBit: true });
  const planOptions = planOptionsFrom(prepared, { calibration: { kind: 'ranges', ranges: exact.ranges }, activationType: 'int16', weightType: 'int8' });
  const groups = findCandidateGroups(prepared, planQuantization(prepared, planOptions));
  const t1 = Date.now();
  const proxyOptions = { batchSize: c.batchSize, wide: 'int16', narrow: 'int8', symmetricActivation: planOptions.symmetricActivation } as const;
  const proxy = await proxySensitivities(prepared, groups, exact.ranges, await c.source(), proxyOptions);
  const proxySeconds = (Date.now() - t1) / 1000;
  const inputOnly = await proxySensitivities(prepared, groups, exact.ranges, await c.source(), { ...proxyOptions, form: 'input' });
  const ids = exact.layers.map((l) => l.name).filter((id) => proxy.has(id));
  const exactValues = ids.map((id) => exact.layers.find((l) => l.name === id)!.sensitivity);
  const rho = spearman(exactValues, ids.map((id) => proxy.get(id)!));
  const rhoInput = spearman(exactValues, ids.map((id) => inputOnly.get(id)!));
  const row = { model: c.name, groups: ids.length, spearman: Number(rho.toFixed(4)), spearmanInputOnly: Number(rhoInput.toFixed(4)), exactSensitivityEvaluations: exact.sensitivityEvaluations, exactSeconds, proxySeconds };
  console.log(JSON.stringify(row));
  results.push(row);
}
writeFileSync(new URL('./results/proxy.json', import.meta.url), `${JSON.stringify({ generated: new Date().toISOString(), note: 'exactSeconds includes calibration and the reference pass; proxy: one instrumented float pass', results }, null, 2)}\n`);
