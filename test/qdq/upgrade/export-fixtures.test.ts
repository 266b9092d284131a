/** Every export-like fixture below 21 upgrades to 13 and 21 with the same outputs, and loads with default options. */
import { describe, expect, it } from 'vitest';
import { upgradeOpset } from '../../../src/qdq/upgrade/index.js';
import { EXPORT_FIXTURES } from '../../fixtures/exports/index.js';
import { run } from './helpers.js';

describe('opset upgrade on export-like fixtures', () => {
  for (const fx of EXPORT_FIXTURES) {
    for (const target of [13, 21].filter((t) => t > fx.opset)) {
      it(`${fx.name}: ${fx.opset} → ${target} keeps the outputs`, async () => {
        const model = fx.build();
        const feeds = fx.feeds(2, 3);
        const before = await run(model, feeds, 'disabled');
        const report = upgradeOpset(model, { target });
        expect(report.blocked, JSON.stringify(report.blocked)).toBeUndefined();
        expect(model.opset).toBe(target);
        expect([...model.graph.allNodes()].some((n) => n.opType === 'Upsample' || n.attributes.has('axes') && n.opType.startsWith('Reduce') && target >= 18)).toBe(false);
        const after = await run(model, feeds, 'disabled');
        // And it loads and runs with onnxruntime's default options.
        expect(Object.keys(await run(model, feeds, 'all')).sort()).toEqual([...fx.outputNames].sort());
        for (const name of fx.outputNames) {
          const a = after[name]!.data as Float32Array;
          const b = before[name]!.data as Float32Array;
          expect(a.length).toBe(b.length);
          let worst = 0;
          let scale = 0;
          for (let i = 0; i < b.length; i++) {
            worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
            scale = Math.max(scale, Math.abs(b[i]!));
          }
          expect(worst, `${name}: largest difference vs max |y| ${scale}`).toBeLessThanOrEqual(1e-6 * Math.max(1, scale));
        }
      });
    }
  }
});
