// A seeded generator of random SELECTs from the subset the native engine runs, for the differential
// test: random filters (AND/OR/NOT trees of comparisons, IN, BETWEEN, LIKE and IS [NOT] NULL on
// string, double and timestamp columns, with values drawn from the data so they select something,
// and now and then ILIKE, contains, strpos, regexp_matches, length, coalesce, date_trunc, epoch_ms),
// 0-3 group keys (mostly columns or date_trunc of ts; also time_bucket, extract, lower/upper,
// substring, a CASE band), 1-4 aggregates (count, sum, min, max, avg, count DISTINCT) each with an
// optional FILTER, an optional HAVING, ORDER BY every group key (so the order is determined: group
// keys are unique per row), sometimes after count(*), and an optional LIMIT/OFFSET.
//
// The same seed and pool give the same queries on every machine (test/sim/rng.ts); the caller prints
// the seed. Nothing here knows the engines: it only writes SQL text.

import { Rng } from "../sim/rng.ts";

const STRING_COLUMNS = ["type", "country", "device", "os", "browser", "platform", "channel", "source", "medium", "campaign",
  "currency", "category", "region", "city", "user_id", "session_id", "item_id", "creative_id", "url"] as const;
/** String columns with few enough values to group by without a LIMIT. */
const GROUP_COLUMNS = ["type", "country", "device", "os", "browser", "platform", "channel", "source", "medium", "campaign",
  "currency", "region", "city", "category"] as const;
const DOUBLE_COLUMNS = ["price", "quantity", "revenue", "cost"] as const;
const TRUNC_UNITS = ["second", "minute", "minute", "hour", "day"] as const;

/** Values seen in the data, per column, for filter literals. */
export interface ValuePool {
  readonly strings: Readonly<Record<string, readonly string[]>>;
  readonly doubles: Readonly<Record<string, readonly number[]>>;
  /** Event times, epoch milliseconds. */
  readonly times: readonly number[];
}

/**
 * Samples up to `perColumn` distinct values of every column from random events: frequent values
 * are found first, rare ones (selecting a few rows) fill the rest.
 */
export function valuePool(events: readonly Record<string, unknown>[], rng: Rng, perColumn = 200): ValuePool {
  const strings: Record<string, string[]> = {};
  const doubles: Record<string, number[]> = {};
  const times: number[] = [];
  for (const c of STRING_COLUMNS) strings[c] = [];
  for (const c of DOUBLE_COLUMNS) doubles[c] = [];
  for (let i = 0; i < perColumn * 20 && events.length > 0; i++) {
    const e = events[rng.int(0, events.length - 1)]!;
    for (const c of STRING_COLUMNS) add(strings[c]!, e[c], "string");
    for (const c of DOUBLE_COLUMNS) add(doubles[c]!, e[c], "number");
    const t = typeof e.ts === "number" ? e.ts : Date.parse(String(e.ts));
    if (Number.isFinite(t) && times.length < perColumn) times.push(t);
  }
  return { strings, doubles, times };

  function add<T>(list: T[], v: unknown, kind: "string" | "number"): void {
    if (typeof v === kind && list.length < perColumn && !list.includes(v as T)) list.push(v as T);
  }
}

export interface RandomQuery {
  readonly sql: string;
  /** Always true: ORDER BY names every group key. */
  readonly ordered: true;
}

export function randomQuery(rng: Rng, pool: ValuePool): RandomQuery {
  const keys = groupKeys(rng, pool);
  const aggs = Array.from({ length: rng.int(1, 4) }, () => aggregate(rng, pool));
  const select = [...keys.map((k, i) => `${k} AS k${i}`), ...aggs.map((a, i) => `${a} AS a${i}`)];
  let sql = `SELECT ${select.join(", ")} FROM events`;
  if (rng.bool(0.8)) sql += ` WHERE ${predicate(rng, pool, rng.int(0, 2))}`;
  if (keys.length > 0) {
    const how = rng.int(0, 2);  // by expression, by alias, by ordinal
    sql += ` GROUP BY ${keys.map((k, i) => (how === 0 ? k : how === 1 ? `k${i}` : String(i + 1))).join(", ")}`;
    if (rng.bool(0.15)) sql += ` HAVING count(*) > ${rng.pick([0, 1, 2, 5, 20])}`;
    const order = keys.map((_, i) => `${rng.bool() ? `k${i}` : String(i + 1)}${rng.pick(["", " ASC", " DESC"])}${rng.pick(["", "", " NULLS FIRST", " NULLS LAST"])}`);
    // An exact count may lead: ties are still broken by the keys. (A double aggregate may not: two
    // engines may round equal sums apart and order them differently.)
    if (rng.bool(0.2)) order.unshift(`count(*)${rng.pick(["", " DESC"])}`);
    sql += ` ORDER BY ${order.join(", ")}`;
    if (rng.bool(0.4)) sql += ` LIMIT ${rng.int(1, 50)}${rng.bool(0.3) ? ` OFFSET ${rng.int(1, 20)}` : ""}`;
  }
  return { sql, ordered: true };
}

function groupKeys(rng: Rng, pool: ValuePool): string[] {
  const n = rng.pick([0, 1, 1, 2, 2, 3]);
  const keys: string[] = [];
  while (keys.length < n) {
    const k = groupKey(rng, pool);
    if (!keys.includes(k)) keys.push(k);
  }
  return keys;
}

function groupKey(rng: Rng, pool: ValuePool): string {
  const x = rng.float();
  if (x < 0.55) return rng.pick(GROUP_COLUMNS);
  if (x < 0.75) return `date_trunc('${rng.pick(TRUNC_UNITS)}', ts)`;
  if (x < 0.8) return `time_bucket(INTERVAL '${rng.pick([1, 5, 10, 15])} minutes', ts)`;
  if (x < 0.85) return `extract(${rng.pick(["minute", "second", "hour"])} FROM ts)`;
  if (x < 0.9) return `${rng.pick(["lower", "upper"])}(${rng.pick(GROUP_COLUMNS)})`;
  if (x < 0.95) return `substring(${rng.pick(GROUP_COLUMNS)}, 1, ${rng.int(1, 4)})`;
  const c = rng.pick(DOUBLE_COLUMNS);
  const v = num(pickValue(rng, pool.doubles[c]!, () => 1));
  return `CASE WHEN ${c} < ${v} THEN 'low' WHEN ${c} >= ${v} THEN 'high' END`;
}

function aggregate(rng: Rng, pool: ValuePool): string {
  const kind = rng.int(0, 11);
  const dbl = rng.pick(DOUBLE_COLUMNS);
  const agg = kind === 0 ? "count(*)"
    : kind === 1 ? `count(${rng.pick(STRING_COLUMNS)})`
    : kind === 2 ? `sum(${dbl})`
    : kind === 3 ? `avg(${dbl})`
    : kind === 4 ? `min(${rng.pick([dbl, rng.pick(STRING_COLUMNS), "ts"])})`
    : kind === 5 ? `max(${rng.pick([dbl, rng.pick(STRING_COLUMNS), "ts"])})`
    : kind === 6 ? `${rng.pick(["sum", "avg"])}(price * quantity)`
    : kind === 7 ? `${rng.pick(["min", "max"])}(length(${rng.pick(STRING_COLUMNS)}))`
    : kind === 8 ? `count(DISTINCT ${dbl})`
    : kind === 9 ? `${rng.pick(["min", "max"])}(date_trunc('minute', ts))`
    : `count(DISTINCT ${rng.pick(STRING_COLUMNS)})`;
  return rng.bool(0.3) ? `${agg} FILTER (WHERE ${predicate(rng, pool, rng.int(0, 1))})` : agg;
}

/** A predicate tree: `depth` levels of AND/OR (and sometimes NOT) over comparisons. */
function predicate(rng: Rng, pool: ValuePool, depth: number): string {
  if (depth === 0 || rng.bool(0.3)) return comparison(rng, pool);
  const parts = Array.from({ length: rng.int(2, 3) }, () => predicate(rng, pool, depth - 1));
  const joined = `(${parts.join(rng.bool(0.6) ? " AND " : " OR ")})`;
  return rng.bool(0.15) ? `NOT ${joined}` : joined;
}

function comparison(rng: Rng, pool: ValuePool): string {
  const kind = rng.int(0, 11);
  if (kind <= 4) return stringComparison(rng, pool);
  if (kind <= 7) return doubleComparison(rng, pool);
  if (kind <= 9) return timeComparison(rng, pool);
  return functionComparison(rng, pool);
}

/** Scalar functions of the native subset inside a predicate. */
function functionComparison(rng: Rng, pool: ValuePool): string {
  const c = rng.pick(STRING_COLUMNS);
  const s = pickValue(rng, pool.strings[c]!, () => "x");
  const from = rng.int(0, Math.max(0, s.length - 2));
  const part = s.slice(from, from + rng.int(1, 4));
  switch (rng.int(0, 9)) {
    case 0: return `${c} ILIKE ${str(`%${rng.bool() ? part.toUpperCase() : part}%`)}`;
    case 1: return `${c} NOT LIKE ${str(`${s.slice(0, rng.int(1, 3))}%`)}`;
    case 2: return `contains(${c}, ${str(part)})`;
    case 3: return `strpos(${c}, ${str(part)}) ${rng.pick(["> 0", "= 0", "= 1", "> 3"])}`;
    case 4: return `regexp_matches(${c}, ${str(`^${s.slice(0, rng.int(1, 5)).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`)})`;
    case 5: return `length(${c}) ${rng.pick(["<", ">", "="])} ${rng.int(2, 12)}`;
    case 6: {
      const [a, b] = [s, pickValue(rng, pool.strings[c]!, () => "y")].sort();
      return `${c} BETWEEN ${str(a!)} AND ${str(b!)}`;
    }
    case 7: return `coalesce(${c}, 'none') ${rng.pick(["=", "<>"])} ${str(rng.bool(0.2) ? "none" : s)}`;
    case 8: {
      const t = pickValue(rng, pool.times, () => Date.UTC(2025, 2, 1));
      return `date_trunc('minute', ts) ${rng.pick(["=", "<", ">="])} ${timestamp(Math.floor(t / 60_000) * 60_000)}`;
    }
    default: return `epoch_ms(ts) ${rng.pick(["<", ">="])} ${pickValue(rng, pool.times, () => Date.UTC(2025, 2, 1))}`;
  }
}

function stringComparison(rng: Rng, pool: ValuePool): string {
  const c = rng.pick(STRING_COLUMNS);
  const v = () => str(pickValue(rng, pool.strings[c]!, () => "none"));
  switch (rng.int(0, 8)) {
    case 0: case 1: return `${c} = ${v()}`;
    case 2: return `${c} <> ${v()}`;
    case 3: return `${c} IN (${Array.from({ length: rng.int(1, 4) }, v).join(", ")})`;
    case 4: return `${c} NOT IN (${Array.from({ length: rng.int(1, 3) }, v).join(", ")})`;
    case 5: {
      const s = pickValue(rng, pool.strings[c]!, () => "x");
      return `${c} LIKE ${str(`${s.slice(0, rng.int(1, Math.max(1, s.length - 1)))}%`)}`;
    }
    case 6: return `${c} ${rng.pick(["<", "<=", ">", ">="])} ${v()}`;
    case 7: return `${c} IS NULL`;
    default: return `${c} IS NOT NULL`;
  }
}

function doubleComparison(rng: Rng, pool: ValuePool): string {
  const c = rng.pick(DOUBLE_COLUMNS);
  const v = () => num(pickValue(rng, pool.doubles[c]!, () => 1));
  switch (rng.int(0, 5)) {
    case 0: return `${c} = ${v()}`;
    case 1: case 2: return `${c} ${rng.pick(["<", "<=", ">", ">=", "<>"])} ${v()}`;
    case 3: {
      const [a, b] = [Number(v()), Number(v())].sort((x, y) => x - y);
      return `${c} ${rng.bool(0.2) ? "NOT " : ""}BETWEEN ${num(a!)} AND ${num(b!)}`;
    }
    case 4: return `${c} IS ${rng.bool() ? "" : "NOT "}NULL`;
    default: return `${c} * ${rng.pick([2, 0.5, -1])} > ${v()}`;
  }
}

function timeComparison(rng: Rng, pool: ValuePool): string {
  const t = () => pickValue(rng, pool.times, () => Date.UTC(2025, 2, 1));
  if (rng.bool(0.4)) {
    const [a, b] = [t(), t()].sort((x, y) => x - y);
    return `ts BETWEEN ${timestamp(a!)} AND ${timestamp(b!)}`;
  }
  return `ts ${rng.pick(["<", "<=", ">", ">="])} ${timestamp(t())}`;
}

/** A value seen in the data; now and then (or when none was seen) one that is not there. */
function pickValue<T>(rng: Rng, seen: readonly T[], absent: () => T): T {
  return seen.length === 0 || rng.bool(0.05) ? absent() : rng.pick(seen);
}

const str = (s: string) => `'${s.replaceAll("'", "''")}'`;
const num = (x: number) => String(x);
const timestamp = (ms: number) => `TIMESTAMP '${new Date(ms).toISOString().replace("T", " ").replace("Z", "")}'`;
