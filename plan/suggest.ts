// The nearest valid key to a misspelt one, for "did you mean" in config errors. Pure.

/**
 * Edit distance with adjacent transpositions (optimal string alignment), case-insensitive: `imapPrt`, `imapProt`
 * and `ImapPort` are all one step from `imapPort`.
 */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) =>
    Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[s.length]![t.length]!;
}

/** How far a key may be from a valid one and still be read as a typo of it: a third of its length, at least 1. */
export function typoReach(valid: string): number {
  return Math.max(1, Math.min(3, Math.floor(valid.length / 3)));
}

/**
 * The valid keys nearest to `key`, when they are close enough to be a typo (several when they tie, in the order
 * given); empty when nothing is close, so an unrelated key gets no misleading suggestion.
 */
export function nearestKeys(key: string, valid: readonly string[]): string[] {
  let best = Number.POSITIVE_INFINITY;
  let out: string[] = [];
  for (const v of valid) {
    const dist = editDistance(key, v);
    if (dist > typoReach(v)) continue;
    if (dist < best) {
      best = dist;
      out = [v];
    } else if (dist === best) out.push(v);
  }
  return out;
}
