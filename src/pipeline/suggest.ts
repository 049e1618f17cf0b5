/**
 * "Did you mean": the known name closest to a misspelt one, as git and npm suggest a
 * command. Used for options, parameters, stage and built-in names.
 */

/** The candidate nearest to `word` when it is close enough to be a likely typo, else undefined. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  const w = word.toLowerCase();
  for (const c of candidates) {
    const score = c.toLowerCase() === w ? 0 : editDistance(w, c.toLowerCase());
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  // A third of the word may be wrong (at least one letter, at most three): "gallaxy" -> "galaxy", not "k" -> "out".
  return best !== undefined && bestScore <= Math.min(3, Math.max(1, Math.floor(word.length / 3))) ? best : undefined;
}

/** ` (did you mean X?)` or nothing: to append to a message. */
export function suggestion(word: string, candidates: Iterable<string>, show: (name: string) => string = (n) => n): string {
  const best = didYouMean(word, candidates);
  return best === undefined ? '' : ` (did you mean ${show(best)}?)`;
}

/** Levenshtein distance, with a transposition counting as one edit ("seeed", "gaalxy"). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
