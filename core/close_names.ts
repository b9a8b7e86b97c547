/** Names close to a mistyped one: for "did you mean" in tasks, options and commands. */

/**
 * Edits between `a` and `b`: insertions, deletions, substitutions and swaps
 * of two neighbours (optimal string alignment). Swaps count once because
 * they are the commonest typo: "wrokr" is 2 from "worker", not 3.
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
    }
  }
  return rows[a.length][b.length];
}

/**
 * The candidate nearest to `word`, if it is near enough to be what was
 * meant: at most a third of the longer word's letters off (2 for short
 * words). Ties go to the earlier candidate.
 */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    const limit = Math.max(2, Math.floor(Math.max(word.length, candidate.length) / 3));
    if (distance <= limit && distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

/** Names from `names` close to `name`, closest first. */
export function closeNames(name: string, names: Iterable<string>, max = 3): string[] {
  const scored: [number, string][] = [];
  for (const candidate of names) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    const limit = Math.max(2, Math.floor(Math.max(name.length, candidate.length) / 3));
    if (distance <= limit || candidate.includes(name) || name.includes(candidate)) scored.push([distance, candidate]);
  }
  return scored.sort((a, b) => a[0] - b[0]).slice(0, max).map(([, n]) => n);
}
