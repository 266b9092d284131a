/**
 * Disjoint sets over keys, for grouping things that must move together: layers sharing a quantized
 * tensor (the INT8/INT16 search) and converted nodes exchanging 16-bit values (the float-mix
 * fallback). Groups come out in the order their first member was added, members in added order.
 */
export class UnionFind<K> {
  private readonly parent = new Map<K, K>();

  add(key: K): void {
    if (!this.parent.has(key)) this.parent.set(key, key);
  }

  has(key: K): boolean {
    return this.parent.has(key);
  }

  find(key: K): K {
    let root = key;
    for (let up = this.parent.get(root); up !== undefined && up !== root; up = this.parent.get(root)) root = up;
    // Path compression: point every key on the way straight at the root.
    for (let k = key; k !== root; ) {
      const next = this.parent.get(k)!;
      this.parent.set(k, root);
      k = next;
    }
    return root;
  }

  /** Merges the sets of `a` and `b` (adding either if new). */
  union(a: K, b: K): void {
    this.add(a);
    this.add(b);
    const [ra, rb] = [this.find(a), this.find(b)];
    if (ra !== rb) this.parent.set(rb, ra);
  }

  groups(): K[][] {
    const byRoot = new Map<K, K[]>();
    for (const key of this.parent.keys()) {
      const root = this.find(key);
      const list = byRoot.get(root);
      if (list) list.push(key);
      else byRoot.set(root, [key]);
    }
    return [...byRoot.values()];
  }
}
