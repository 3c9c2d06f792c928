// Aggregation reads (read-codes.ts, read-dense.ts) and in-place code filters (code-filter.ts) against
// the slow path: a lazy scan answers codesInto / markCodes / dense / refine from packed codes and
// maps, an eager scan of the same table from decoded vectors. Seeded realistic events (bench/data.ts:
// sessions fix country and users, so MAPPED chunks occur), small segments so block starts and a raw
// tail occur too; selections: every 400th, every row, every third, every 50th, none. Also asserts
// the fast paths did less work: no vector was loaded.

import { describe, expect, test } from "bun:test";
import { ColumnType } from "../../../../engine/core/types.ts";
import { decodeBatch } from "../../../../engine/core/batch-codec.ts";
import { EVENTS_SCHEMA } from "../../../../engine/core/event-schema.ts";
import { DROP, KEEP, newViewMarks, Table, UNKNOWN, type CodePredicate, type ScanBatch } from "../../../../engine/store/table.ts";
import { eventStream, type GeneratedEvent } from "../../../../bench/data.ts";
import { eventsBatch } from "../../../../bench/events-batch.ts";

const SEED = Number(process.env.SEED ?? 31);
console.log(`read-codes tests: SEED=${SEED}`);

const DICT = ["type", "country", "device", "channel", "campaign", "anonymous_id", "user_id", "session_id"];
const NUM = ["revenue", "price", "cost", "ts"];

const ROWS = 40_000;

function tableOf(sealed: boolean): Table {
  // 9000 rows per segment: two full batches and a short one; the last segment stays raw unless sealed.
  const table = new Table(EVENTS_SCHEMA, { segmentRows: 9000 });
  let pending: GeneratedEvent[] = [];
  for (const e of eventStream(SEED, ROWS)) {
    pending.push(e);
    if (pending.length === 1000) { table.appendBatch(decodeBatch(eventsBatch(pending)), null); pending = []; }
  }
  if (sealed) table.seal();
  return table;
}

function selections(n: number): (Int32Array | null)[] {
  const pick = (step: number) => Int32Array.from({ length: Math.ceil(n / step) }, (_, k) => k * step);
  // The sparsest first: a MAPPED column then reads its map in place (before a fuller one unpacks it).
  return [pick(400), null, pick(3), pick(50), new Int32Array(0)];
}

/** Runs f on the lazy and the eager scan's batches in lockstep. */
function lockstep(table: Table, columns: string[], f: (lazy: ScanBatch, eager: ScanBatch) => void): void {
  const eager = table.scan({ columns })[Symbol.iterator]();
  for (const lazy of table.scan({ columns, lazy: true })) f(lazy, eager.next().value as ScanBatch);
}

/** Rows and values of a dense view, per selected valid row. */
function viewRows(b: ScanBatch, j: number, sel: Int32Array | null, m: number): string[] {
  const v = b.dense(j, sel, m), out: string[] = [];
  let d = 0;
  for (let i = 0; i < b.rowCount; i++) {
    const valid = v.validity === null || ((v.validity[i >> 3]! >> (i & 7)) & 1) === 1;
    if (!valid) continue;
    const x = v.perRow ? v.values[i]! : v.values[d];
    d++;
    const chosen = sel === null || sel.subarray(0, m).includes(i);
    if (chosen) out.push(`${i}:${x}`);
  }
  return out;
}

describe("aggregation reads on codes in place", () => {
  for (const sealed of [true, false]) {
    test(`codesInto, markCodes and dense equal the decoded vectors (${sealed ? "sealed" : "raw tail"})`, () => {
      const table = tableOf(sealed), cols = [...DICT, ...NUM], bad: string[] = [];
      let batches = 0;
      lockstep(table, cols, (lazy, eager) => {
        batches++;
        for (const sel of selections(lazy.rowCount)) {
          const m = sel === null ? lazy.rowCount : sel.length;
          for (let j = 0; j < DICT.length; j++) {
            const size = lazy.vectors[j]!.dict!.size, k = (j + 1) % DICT.length, sizeK = lazy.vectors[k]!.dict!.size;
            const a = new Int32Array(m), b = new Int32Array(m);
            lazy.codesInto(j, sel, m, a, 0, size); lazy.codesInto(k, sel, m, a, sizeK + 1, sizeK);
            eager.codesInto(j, sel, m, b, 0, size); eager.codesInto(k, sel, m, b, sizeK + 1, sizeK);
            if (a.join() !== b.join()) bad.push(`codesInto ${DICT[j]},${DICT[k]} batch ${batches}`);
            const sa = new Uint8Array(size), sb = new Uint8Array(size);
            const na = lazy.markCodes(j, sel, m, sa) + lazy.markCodes(j, sel, m, sa), nb = eager.markCodes(j, sel, m, sb);
            if (na !== nb || sa.join() !== sb.join()) bad.push(`markCodes ${DICT[j]} batch ${batches}`);
          }
          for (let j = DICT.length; j < cols.length; j++) {
            if (viewRows(lazy, j, sel, m).join() !== viewRows(eager, j, sel, m).join()) bad.push(`dense ${cols[j]} batch ${batches}`);
          }
        }
      });
      expect({ bad, batches }).toEqual({ bad: [], batches: 13 });
    }, 60_000);
  }

  test("a MAPPED column over a packed key is grouped and counted without loading its vector", () => {
    // country is a function of session_id (MAPPED in every segment), whose codes are FOR without nulls.
    const table = tableOf(true), enc = table.columnMemory().find((c) => c.name === "country")!.encodings;
    const cols = ["country"];
    let untouched = 0, batches = 0;
    for (const b of table.scan({ columns: cols, lazy: true })) {
      batches++;
      const out = new Int32Array(b.rowCount);
      cols.forEach((_, j) => {
        b.codesInto(j, null, b.rowCount, out, 0, b.vectors[j]!.dict!.size);
        b.markCodes(j, null, b.rowCount, new Uint8Array(b.vectors[j]!.dict!.size));
      });
      if (b.vectors.every((v) => v.codes === null)) untouched++;
    }
    expect({ enc, untouched }).toEqual({ enc: { mapped: 5 }, untouched: batches });
  }, 60_000);

  test("refine through a MAPPED column whose key has nulls equals the decoded test", () => {
    const table = tableOf(true), bad: string[] = [];
    const dict = table.dictionary("channel")!;
    // With and without the kept list: a single kept code finds its map entries by a packed compare.
    const preds: CodePredicate[] = ["paid_search", "email", "organic", "nowhere"].flatMap((v) => {
      const state = new Uint8Array(dict.size + 1).fill(DROP);
      const c = dict.find(v);
      if (c >= 0) state[c] = KEEP;
      const kept = c >= 0 ? Uint32Array.of(c) : new Uint32Array(0);
      return [{ state, kept: null, resolve: () => DROP }, { state, kept, resolve: () => DROP }];
    });
    // NULL kept too: rows whose campaign is null.
    const withNull = new Uint8Array(dict.size + 1).fill(UNKNOWN);
    preds.push({ state: withNull, kept: null, resolve: (c) => (withNull[c] = c === dict.size || c === dict.find("email") ? KEEP : DROP) });
    let kept = 0;
    lockstep(table, ["channel"], (lazy, eager) => {
      for (const p of preds) {
        const a = Int32Array.from({ length: lazy.rowCount }, (_, i) => i), b = a.slice();
        const na = lazy.refine(0, p, a, lazy.rowCount), nb = eager.refine(0, p, b, eager.rowCount);
        kept += na;
        if (na !== nb || a.subarray(0, na).join() !== b.subarray(0, nb).join()) bad.push(`batch at ${lazy.firstRow}`);
      }
    });
    expect({ bad, any: kept > 0 }).toEqual({ bad: [], any: true });
  }, 60_000);
});

describe("filtered count(DISTINCT) marks (read-marks.ts)", () => {
  for (const every of [1, 3]) {
    test(`markBy equals marking each row's code by its views (${every === 1 ? "every row" : "every third row"})`, () => {
      const table = tableOf(true), types = table.dictionary("type")!;
      const mask = new Uint8Array(types.size + 1);
      // view 0: page_view; view 1: page_view or purchase; view 2: purchase.
      mask[types.find("page_view")] = 0b011;
      mask[types.find("purchase")] = 0b110;
      const size = table.dictionary("anonymous_id")!.size;
      const vm = newViewMarks(3, size), want = [new Set<number>(), new Set<number>(), new Set<number>()];
      let untouched = 0;
      lockstep(table, ["anonymous_id", "type"], (lazy, eager) => {
        const sel = every === 1 ? null : Int32Array.from({ length: Math.ceil(lazy.rowCount / every) }, (_, k) => k * every);
        const m = sel === null ? lazy.rowCount : sel.length;
        lazy.markBy(0, 1, sel, m, mask, vm);
        if (lazy.vectors[0]!.codes === null) untouched++;
        const x = eager.vectors[0]!, y = eager.vectors[1]!;
        for (let k = 0; k < m; k++) {
          const i = sel === null ? k : sel[k]!;
          if (x.validity !== null && ((x.validity[i >> 3]! >> (i & 7)) & 1) === 0) continue;
          const bits = mask[y.codes![i]!]!;
          for (let f = 0; f < 3; f++) if ((bits >> f) & 1) want[f]!.add(x.codes![i]!);
        }
      });
      let last: ScanBatch | null = null;
      for (const b of table.scan({ columns: ["anonymous_id", "type"], lazy: true })) last = b;
      last!.flushMarks(0, vm);
      const seen = vm.seens.map((s) => s.reduce((n, b) => n + b, 0));
      expect({ added: Array.from(vm.added), seen, fast: untouched > 0 }).toEqual({ added: want.map((w) => w.size), seen: want.map((w) => w.size), fast: every === 1 });
    }, 60_000);
  }
});

test("event schema columns used here have the expected kinds", () => {
  const kinds = [...DICT, ...NUM].map((n) => EVENTS_SCHEMA.columns.find((c) => c.name === n)!.type);
  expect(kinds.slice(DICT.length).every((t) => t === ColumnType.FLOAT64 || t === ColumnType.TIMESTAMP)).toEqual(true);
});
