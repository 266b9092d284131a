import type { ModelSummary } from './summary.js';
import { formatTable } from './table.js';

const MB = 1024 * 1024;

export function formatModelSummary(path: string, s: ModelSummary): string {
  const lines: string[] = [];
  const opsets = Object.entries(s.opsets).map(([d, v]) => `${d} ${v}`).join(', ');
  lines.push(`${path}`);
  lines.push(`  IR version ${s.irVersion}; opsets: ${opsets}${s.producer ? `; producer: ${s.producer}` : ''}`);
  lines.push(`  ${s.nodeCount} nodes${s.subgraphCount ? ` (incl. ${s.subgraphCount} subgraphs)` : ''}; ${s.parameterCount.toLocaleString('en-US')} parameters in ${s.initializerCount} initializers (${(s.parameterBytes / MB).toFixed(2)} MB)`);
  lines.push('');
  lines.push(formatTable(['input', 'type'], s.inputs.map((i) => [i.name, i.type]), { align: ['left', 'left'] }));
  lines.push(formatTable(['output', 'type'], s.outputs.map((o) => [o.name, o.type]), { align: ['left', 'left'] }));
  lines.push(formatTable(['op type', 'count'], Object.entries(s.opCounts)));
  return lines.join('\n');
}
