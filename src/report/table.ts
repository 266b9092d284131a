import Table from 'cli-table3';

/** A plain-text table (box drawing, no colours, so it reads the same in logs and notebooks). */
export function formatTable(head: readonly string[], rows: readonly (readonly (string | number)[])[], options: { align?: readonly ('left' | 'right')[] } = {}): string {
  const table = new Table({
    head: [...head],
    style: { head: [], border: [], compact: true },
    colAligns: options.align ? [...options.align] : head.map((_, i) => (i === 0 ? 'left' : 'right')),
  });
  for (const row of rows) table.push(row.map(String));
  return table.toString();
}
