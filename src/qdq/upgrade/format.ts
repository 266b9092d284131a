import type { UpgradeReport } from './types.js';

/** "ai.onnx opset raised from 9 to 13: Clip ×3 (min/max → inputs), …; 57 nodes: version number only". */
export function formatUpgradeLine(report: UpgradeReport): string {
  if (!report.upgraded) return `ai.onnx opset kept at ${report.from}`;
  const rewrites = report.changes.map((c) => `${c.opType} ×${c.count} (${c.what})`);
  const bumps = report.versionBumps ? [`${report.versionBumps} node(s): version number only`] : [];
  const detail = [rewrites.join(', '), ...bumps].filter((s) => s.length > 0).join('; ');
  return `ai.onnx opset raised from ${report.from} to ${report.to}${detail ? `: ${detail}` : ''}`;
}

/** One line per blocking node: "Upsample 'up1': Resize-10 → 11: …". */
export function formatUpgradeBlocks(report: UpgradeReport): string[] {
  return (report.blocked ?? []).map((b) => (b.node || b.opType ? `${b.opType || 'node'} '${b.node}': ${b.reason}` : b.reason));
}
