/**
 * CI's lookup, answered without scanning: the newest model.zip among all directories whose name starts
 * with a plain string.
 *
 * Sorted by name (UTF-16 code units, the order of `<` and of `startsWith`), the directories under any
 * string prefix form one contiguous run of the sorted list, found by a binary search for its start and a
 * galloping search for its end. Every model also gets a rank in CI's "newest" order (LastModified, then
 * the greater directory name on a tie, then the first listed), and a segment tree over the ranks in name
 * order gives the run's maximum. Building is O(n log n) (two sorts), a lookup O(log n); the result is
 * always the one model the scan would pick. LastModified must be a valid date (S3 always sends one): with
 * NaN times the scan's result depends on listing order and is not reproduced.
 *
 * Pure data: arrays only, built once per bucket listing with the Catalog.
 */

export interface Dated {
  readonly directory: string;
  readonly lastModified: Date;
}

export interface PrefixIndex<T extends Dated> {
  /** Directory names in code-unit order (one entry per model, so a name may repeat). */
  readonly directories: readonly string[];
  /** The models from oldest to newest in CI's order: `byRank[r]` has rank r. */
  readonly byRank: readonly T[];
  /**
   * Segment tree of maximum ranks over `directories`: leaves at [n, 2n) hold the rank of each sorted
   * directory's model, node i holds the larger of nodes 2i and 2i+1.
   */
  readonly tree: Int32Array;
}

/** CI's tie-breaks, as the scan applies them: newer wins, then the greater name, then the first listed. */
function newerFirstListed(models: readonly Dated[], times: Float64Array, a: number, b: number): number {
  const byTime = (times[a] as number) - (times[b] as number);
  if (byTime !== 0) return byTime;
  const x = (models[a] as Dated).directory;
  const y = (models[b] as Dated).directory;
  if (x !== y) return x < y ? -1 : 1;
  return b - a;
}

/** Builds the index in steps: a caller on an event loop may yield between the two sorts and the tree. */
export function* prefixIndexSteps<T extends Dated>(models: readonly T[]): Generator<void, PrefixIndex<T>> {
  const n = models.length;
  const times = Float64Array.from(models, (m) => m.lastModified.getTime());
  const positions = Array.from({ length: n }, (_, i) => i);

  const byName = [...positions].sort((a, b) => {
    const x = (models[a] as T).directory;
    const y = (models[b] as T).directory;
    return x < y ? -1 : x > y ? 1 : a - b;
  });
  yield;
  const oldestFirst = positions.sort((a, b) => newerFirstListed(models, times, a, b));
  yield;
  const rankOf = new Int32Array(n);
  for (const [rank, model] of oldestFirst.entries()) rankOf[model] = rank;

  const tree = new Int32Array(2 * n).fill(-1);
  for (const [at, model] of byName.entries()) tree[n + at] = rankOf[model] as number;
  for (let node = n - 1; node > 0; node--) {
    tree[node] = Math.max(tree[2 * node] as number, tree[2 * node + 1] as number);
  }
  return {
    directories: byName.map((model) => (models[model] as T).directory),
    byRank: oldestFirst.map((model) => models[model] as T),
    tree,
  };
}

/** Runs a stepwise computation to its end at once. */
export function runSteps<R>(steps: Generator<void, R>): R {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** The newest model whose directory starts with `prefix`, exactly as a scan of all models finds it. */
export function newestUnderPrefix<T extends Dated>(index: PrefixIndex<T>, prefix: string): T | undefined {
  const names = index.directories;
  const n = names.length;
  // The run starts at the first name not below the prefix (binary search)...
  let [low, high] = [0, n];
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((names[mid] as string) < prefix) low = mid + 1;
    else high = mid;
  }
  const first = low;
  // ...and ends at the first name after it that does not start with the prefix. Runs are short (one
  // version's iterations), so gallop from the start, then binary search the last step.
  let step = 1;
  while (first + step <= n && (names[first + step - 1] as string).startsWith(prefix)) step *= 2;
  [low, high] = [first + (step >> 1), Math.min(first + step - 1, n)];
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((names[mid] as string).startsWith(prefix)) low = mid + 1;
    else high = mid;
  }
  const end = low;
  // Maximum rank over leaves [first, end), bottom-up.
  let best = -1;
  for (let from = first + n, to = end + n; from < to; from >>= 1, to >>= 1) {
    if (from & 1) best = Math.max(best, index.tree[from++] as number);
    if (to & 1) best = Math.max(best, index.tree[--to] as number);
  }
  return best < 0 ? undefined : index.byRank[best];
}
