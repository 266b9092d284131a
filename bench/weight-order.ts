/**
 * Issue 12: which order widens weights to 16 bits best on the detector-like export? For each order
 * (most harmful first), the smallest k such that the first k groups at W16 meet a relative-L2
 * target, and the error curve. Orders: static int8 weight error (relative, per channel), the A8W8
 * sensitivity reversed (what the search uses), and each group's error with only its weights at W16.
 *   npx tsx bench/weight-order.ts 0.006   → bench/results/weight-order.json
 */
import { writeFileSync } from 'node:fs';
import { quantize } from '../src/api/quantize.js';
import { ModelSession } from '../src/runtime/index.js';
import { detectorLike } from '../test/fixtures/exports/index.js';
import { prepareForQuantization } from '../src/search/pipeline.js';
import { planQuantization } from '../src/qdq/plan.js';
import { planOptionsFrom } from '../src/api/quantize.js';
import { findCandidateGroups } from '../src/search/candidates.js';
import { weightQuantizationError } from '../src/search/levels.js';
const fx = detectorLike();
const feeds = fx.feeds(4, 0);
async function out(m: any) { const s = await ModelSession.create(m, { optimization: 'disabled' }); const o = await s.run(feeds); await s.close(); return o[fx.outputNames[0]!]!.data as Float32Array; }
const ref = await out(fx.build());
const { model: prepared } = await prepareForQuantization(fx.build(), { sixteenBit: true });
const po = planOptionsFrom(prepared, { calibration: { kind: 'ranges', ranges: new Map() }, activationType: 'int16', weightType: 'int8' } as any);
const plan = planQuantization(prepared, po);
const groups = findCandidateGroups(prepared, plan);
const rel = async (map: any) => { const r = await quantize(fx.build(), { activationType: 'int16', weightType: 'int8', calibration: { kind: 'data', source: fx.source(4) }, latencyRuns: 0, mixedPrecisionTensor: map } as any); const y = await out(r.model); let n=0,d=0; for (let i=0;i<ref.length;i++){n+=(ref[i]!-y[i]!)**2; d+=ref[i]!**2;} return Math.sqrt(n/d); };
const werr = new Map(groups.map((g) => [g.id, weightQuantizationError(prepared, plan, g)]));
const sens = new Map<string, number>();
for (const g of groups) sens.set(g.id, await rel({ Int8: [...g.activations, ...g.weights] }));
const gain = new Map<string, number>();
for (const g of groups) gain.set(g.id, await rel({ Int16: g.weights }));
const orders: Record<string, typeof groups> = {
  weightError: [...groups].sort((a, b) => werr.get(b.id)! - werr.get(a.id)!),
  w16AloneGain: [...groups].sort((a, b) => gain.get(a.id)! - gain.get(b.id)!),
  sensitivityReversed: [...groups].sort((a, b) => sens.get(b.id)! - sens.get(a.id)!),
};
const out2: any = { groups: groups.length, target: Number(process.argv[2] ?? 0.006) };
for (const [name, order] of Object.entries(orders)) {
  const curve: number[] = [];
  let k: number | undefined;
  for (let i = 0; i <= order.length; i++) { const e = await rel({ Int16: order.slice(0, i).flatMap((g) => g.weights) }); curve.push(+e.toFixed(5)); if (k === undefined && e <= out2.target) { k = i; } if (k !== undefined && i > k + 2) break; }
  out2[name] = { k, curve };
}
console.log(JSON.stringify(out2));
writeFileSync(new URL('./results/weight-order.json', import.meta.url), JSON.stringify(out2, null, 2));
