/**
 * "did you mean": the known word closest to a mistyped one. Generic (shell
 * commands, probe names, filter keys): the caller says what the candidates are
 * and words the message.
 */

/** Levenshtein distance between `a` and `b`, giving up (returning `limit + 1`) once it must exceed `limit`. */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      best = Math.min(best, row[j]!);
    }
    // Every later row only grows from this one's minimum.
    if (best > limit) return limit + 1;
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The candidate `word` most likely meant (case-insensitive): the nearest within
 * two edits (fewer than the word's length, so a short word is not "corrected"
 * into anything), else the first one it abbreviates or that it extends; ties go
 * to the earlier candidate. Undefined when none is close, or the word is one.
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  if (w.length === 0) return undefined;
  const limit = Math.min(2, w.length - 1);
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const lc = c.toLowerCase();
    if (lc === w) return undefined;
    const d = editDistance(w, lc, limit);
    // A prefix ranks after every real near-miss.
    const score = d <= limit ? d : isPrefixEither(w, lc) ? limit + 1 : Infinity;
    if (score < bestScore) [best, bestScore] = [c, score];
  }
  return best;
}

/** One is the start of the other, and the shorter has at least two characters (one letter abbreviates too much). */
function isPrefixEither(a: string, b: string): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  return short.length >= 2 && long.startsWith(short);
}
