/** Text, rounding and tick steps shared by the SVG charts (written as text: no browser, no canvas). */

export interface TextStyle {
  readonly anchor?: 'start' | 'middle' | 'end';
  readonly size?: number;
  readonly weight?: string;
  readonly fill?: string;
  readonly mono?: boolean;
}

export function text(x: number, y: number, content: string, s: TextStyle): string {
  const attrs = [
    `x="${r(x)}"`,
    `y="${r(y)}"`,
    s.anchor && s.anchor !== 'start' ? `text-anchor="${s.anchor}"` : '',
    s.size ? `font-size="${s.size}"` : '',
    s.weight ? `font-weight="${s.weight}"` : '',
    s.fill ? `fill="${s.fill}"` : '',
    s.mono ? 'font-family="DejaVu Sans Mono, Menlo, Consolas, monospace"' : '',
  ].filter(Boolean);
  return `<text ${attrs.join(' ')}>${esc(content)}</text>`;
}

export const r = (x: number): number => Math.round(x * 10) / 10;

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A "nice" tick step near `raw`: 1, 2 or 5 × 10^k. */
export function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
}
