/**
 * A parser for the small subset of Python literal syntax that .npy headers use: dicts, tuples, lists,
 * quoted strings, integers (with an optional Python 2 'L' suffix), True, False and None.
 * Dicts become Maps, tuples and lists become arrays.
 */
export type PyValue = string | number | boolean | null | PyValue[] | Map<string, PyValue>;

export function parsePythonLiteral(text: string): PyValue {
  const p = new Parser(text);
  const value = p.value();
  p.skipSpace();
  if (!p.atEnd()) throw new SyntaxError(`unexpected '${p.peek()}' after the value at offset ${p.pos}`);
  return value;
}

class Parser {
  pos = 0;
  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string {
    return this.text[this.pos] ?? '';
  }

  skipSpace(): void {
    while (/\s/.test(this.peek()) && !this.atEnd()) this.pos++;
  }

  value(): PyValue {
    this.skipSpace();
    const c = this.peek();
    if (c === '{') return this.dict();
    if (c === '(') return this.sequence(')');
    if (c === '[') return this.sequence(']');
    if (c === "'" || c === '"') return this.string();
    if (c === '-' || /\d/.test(c)) return this.integer();
    return this.word();
  }

  private expect(c: string): void {
    this.skipSpace();
    if (this.peek() !== c) throw new SyntaxError(`expected '${c}' at offset ${this.pos}, found '${this.peek() || 'end of text'}'`);
    this.pos++;
  }

  /** Items separated by commas, a trailing comma allowed, up to the closing character. */
  private items(close: string, item: () => void): void {
    this.pos++;
    for (;;) {
      this.skipSpace();
      if (this.peek() === close) break;
      item();
      this.skipSpace();
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== close) throw new SyntaxError(`expected ',' or '${close}' at offset ${this.pos}`);
    }
    this.pos++;
  }

  private dict(): Map<string, PyValue> {
    const map = new Map<string, PyValue>();
    this.items('}', () => {
      const key = this.value();
      if (typeof key !== 'string') throw new SyntaxError(`dict keys must be strings (offset ${this.pos})`);
      this.expect(':');
      map.set(key, this.value());
    });
    return map;
  }

  private sequence(close: string): PyValue[] {
    const list: PyValue[] = [];
    this.items(close, () => list.push(this.value()));
    return list;
  }

  private string(): string {
    const quote = this.peek();
    let out = '';
    for (this.pos++; ; this.pos++) {
      if (this.atEnd()) throw new SyntaxError('unterminated string');
      const c = this.peek();
      if (c === quote) break;
      if (c === '\\') {
        this.pos++;
        out += this.peek();
      } else {
        out += c;
      }
    }
    this.pos++;
    return out;
  }

  private integer(): number {
    const m = /^-?\d+L?/.exec(this.text.slice(this.pos));
    if (!m) throw new SyntaxError(`bad number at offset ${this.pos}`);
    this.pos += m[0].length;
    const n = Number(m[0].replace('L', ''));
    if (!Number.isSafeInteger(n)) throw new SyntaxError(`integer ${m[0]} is too large`);
    return n;
  }

  private word(): boolean | null {
    const m = /^[A-Za-z_]+/.exec(this.text.slice(this.pos));
    const words: Record<string, boolean | null> = { True: true, False: false, None: null };
    if (!m || !(m[0] in words)) throw new SyntaxError(`unexpected '${m?.[0] ?? this.peek()}' at offset ${this.pos}`);
    this.pos += m[0].length;
    return words[m[0]]!;
  }
}
