// Validates one decoded event against a table schema and writes it as a row of a BatchBuilder.
// Compiled once per schema: the per-column rule is chosen up front and kept in flat arrays, so the
// per-event work is one pass over the event's own keys and one over the columns it filled.
//
// Rules (README.md lists them for users):
// - An event is a plain object (`not_an_object`). Required columns must be present and non-null
//   (`missing_field`); a column named `type` must be a non-empty string.
// - `event_id`: a string or an integer (kept as its decimal text), at most the column's length. When
//   absent or null one is generated (UUIDv7) and the row is never treated as a duplicate.
// - `ts` (the time column): see convert-value.ts toEventTime; absent or null -> the receive time.
// - `received_at` is always the receive time; a client's own `received_at` is kept in props.
// - Column values follow the rules of their type in convert-value.ts.
// - Top-level fields the schema has no column for are merged into `props`. A key props already has
//   keeps props' value; the top-level value then goes under the key prefixed with "_" (repeated
//   until the name is free), so both survive. An empty props ({} or []) is stored as null. props
//   sent as an array while unknown fields need a home is `invalid_type`. A table without a props
//   column rejects unknown fields (`unknown_field`). Nothing an event carries is dropped silently.
//
// Invariant: a rejected event writes nothing. Values are converted into scratch arrays first and
// the row is added to the builder only once every check has passed, so a rejected event leaves no
// row and no dictionary entry behind (dropLastRow is never needed).

import type { BatchBuilder } from "../../engine/core/batch-codec.ts";
import type { RejectCode } from "../../engine/core/errors.ts";
import { LIMITS } from "../../engine/core/limits.ts";
import { ColumnType, isStringType, type TableSchema } from "../../engine/core/types.ts";
import {
  BAD, failure, toBool, toCurrency, toEventId, toEventTime, toEventType, toFloat, toInt32, toJson, toText,
  toTimestamp, type Converted,
} from "./convert-value.ts";
import { mergeProps } from "./merge-props.ts";

export interface Rejection { code: RejectCode; message: string; field?: string }

// Per-column rules. Server-set columns (received_at) have no rule: their key is an unknown field.
const R_TEXT = 0, R_FLOAT = 1, R_INT = 2, R_BOOL = 3, R_TIME = 4, R_JSON = 5, R_EVENT_ID = 6;
const R_EVENT_TIME = 7, R_PROPS = 8, R_CURRENCY = 9, R_TYPE = 10;

function ruleOf(name: string, type: ColumnType, schema: TableSchema): number {
  if (name === "event_id") return R_EVENT_ID;
  if (name === "props" && type === ColumnType.JSON) return R_PROPS;
  if (name === "type" && type === ColumnType.STRING) return R_TYPE;
  if (name === "currency" && type === ColumnType.STRING) return R_CURRENCY;
  switch (type) {
    case ColumnType.STRING: return R_TEXT;
    case ColumnType.FLOAT64: return R_FLOAT;
    case ColumnType.INT32: return R_INT;
    case ColumnType.BOOL: return R_BOOL;
    case ColumnType.TIMESTAMP: return name === schema.timeColumn ? R_EVENT_TIME : R_TIME;
    case ColumnType.JSON: return R_JSON;
  }
}

export class EventValidator {
  readonly schema: TableSchema;
  /** After an accepted event: Bun.hash of its client-given event_id as a u64, or 0n when generated. */
  lastIdHash = 0n;

  // A null-prototype object, not a Map: keyed loads of atom strings are ~2x faster than Map.get here.
  private readonly colOf: Record<string, number> = Object.create(null);
  private readonly rules: Uint8Array;
  private readonly isText: Uint8Array;
  private readonly maxLength: Float64Array;
  private readonly required: number[];
  private readonly idCol: number;
  private readonly timeCol: number;
  private readonly receivedCol: number;
  private readonly propsCol: number;
  // Scratch for the event being checked: column c has the value vals[c] when seen[c] === epoch;
  // written[0, writtenCount) lists those columns, so writing the row skips the absent ones.
  private readonly vals: Converted[];
  private readonly seen: Uint32Array;
  private readonly written: Int32Array;
  private writtenCount = 0;
  private epoch = 0;
  private readonly unknownKeys: string[] = [];
  private readonly keyCache: string[] = [];
  private readonly colCache: (number | undefined)[] = [];

  constructor(schema: TableSchema) {
    this.schema = schema;
    const n = schema.columns.length;
    this.rules = new Uint8Array(n);
    this.isText = new Uint8Array(n);
    this.maxLength = new Float64Array(n);
    this.required = [];
    this.vals = new Array<Converted>(n).fill(null);
    this.seen = new Uint32Array(n);
    this.written = new Int32Array(n);
    const find = (name: string) => schema.columns.findIndex((c) => c.name === name);
    this.idCol = find("event_id");
    this.receivedCol = schema.columns[find("received_at")]?.type === ColumnType.TIMESTAMP ? find("received_at") : -1;
    this.timeCol = find("ts");
    this.propsCol = schema.columns[find("props")]?.type === ColumnType.JSON ? find("props") : -1;
    schema.columns.forEach((c, i) => {
      this.isText[i] = isStringType(c.type) ? 1 : 0;
      this.maxLength[i] = c.maxLength ?? (c.type === ColumnType.JSON ? LIMITS.LONG_TEXT_LENGTH_MAX : LIMITS.STRING_LENGTH_MAX);
      if (i === this.receivedCol) return;
      this.rules[i] = ruleOf(c.name, c.type, schema);
      this.colOf[c.name] = i;
      // Columns the server fills when absent are not "required" of the client.
      if (c.required && i !== this.idCol && i !== this.timeCol) this.required.push(i);
    });
  }

  /** Checks `obj` and appends it as a row of `builder` (built for this schema); null when accepted. */
  writeEvent(obj: unknown, builder: BatchBuilder, receivedAt: number): Rejection | null {
    if (typeof obj !== "object" || obj === null || Object.getPrototypeOf(obj) !== Object.prototype) {
      return { code: "not_an_object", message: `an event must be a JSON object, got ${kindOf(obj)}` };
    }
    const event = obj as Record<string, unknown>;
    const epoch = this.nextEpoch();
    const { colOf, rules, vals, seen, maxLength, unknownKeys } = this;
    const { keyCache, colCache, written } = this;
    let unknownCount = 0, k = 0, count = 0;
    for (const key in event) {
      // Events of one sender list their keys in the same order: compare with the last event's
      // key at this index (atom strings, so usually a pointer compare) before the dictionary lookup.
      let c: number | undefined;
      if (keyCache[k] === key) c = colCache[k];
      else {
        c = colOf[key];
        keyCache[k] = key;
        colCache[k] = c;
      }
      k++;
      if (c === undefined) {
        unknownKeys[unknownCount++] = key;
        continue;
      }
      const v = event[key];
      let x: Converted;
      switch (rules[c]) {
        case R_TEXT: x = toText(v, maxLength[c]!); break;
        case R_FLOAT: x = toFloat(v); break;
        case R_INT: x = toInt32(v); break;
        case R_BOOL: x = toBool(v); break;
        case R_TIME: x = toTimestamp(v); break;
        case R_EVENT_TIME: x = toEventTime(v, receivedAt); break;
        case R_EVENT_ID: x = toEventId(v, maxLength[c]!); break;
        case R_TYPE: x = toEventType(v, maxLength[c]!); break;
        case R_CURRENCY: x = toCurrency(v); break;
        case R_JSON: x = toJson(v, maxLength[c]!); break;
        default: x = null; break; // R_PROPS: merged below, once unknown fields are known.
      }
      if (x === BAD) return this.rejectColumn(c);
      if (x === null) continue;
      vals[c] = x;
      seen[c] = epoch;
      written[count++] = c;
    }
    this.writtenCount = count;
    return this.finishRow(event, unknownCount, builder, receivedAt, epoch);
  }

  private finishRow(event: Record<string, unknown>, unknownCount: number, builder: BatchBuilder, receivedAt: number, epoch: number): Rejection | null {
    const { vals, seen } = this;
    if (this.propsCol >= 0) {
      const p = this.propsCol;
      const props = mergeProps(event, event.props, this.unknownKeys, unknownCount, this.maxLength[p]!);
      if (props === BAD) return this.rejectColumn(p);
      if (props !== null) this.set(p, props, epoch);
    } else if (unknownCount > 0) {
      const names = this.unknownKeys.slice(0, Math.min(unknownCount, 5)).join(", ");
      return { code: "unknown_field", message: `table ${this.schema.name} has no column for ${names}${unknownCount > 5 ? ", ..." : ""} and no props column to keep them in`, field: this.unknownKeys[0] };
    }
    for (const c of this.required) {
      if (seen[c] !== epoch) {
        const name = this.schema.columns[c]!.name;
        return { code: "missing_field", message: `${name} is required`, field: name };
      }
    }
    if (this.timeCol >= 0 && seen[this.timeCol] !== epoch) this.set(this.timeCol, receivedAt, epoch);
    if (this.receivedCol >= 0) this.set(this.receivedCol, receivedAt, epoch);
    const id = this.idCol;
    if (id >= 0 && seen[id] === epoch) {
      const h = Bun.hash(vals[id] as string) as bigint; // wyhash: a u64 as a bigint
      this.lastIdHash = h === 0n ? 1n : h; // 0 is reserved for "generated, never a duplicate"
    } else {
      this.lastIdHash = 0n;
      if (id >= 0) this.set(id, Bun.randomUUIDv7(), epoch);
    }
    const row = builder.addRow();
    const { isText, written } = this;
    for (let i = 0; i < this.writtenCount; i++) {
      const c = written[i]!;
      if (isText[c] === 1) builder.setString(c, row, vals[c] as string);
      else builder.setNumber(c, row, vals[c] as number);
    }
    return null;
  }

  /** A value the server fills in (defaults, props): recorded like one the event carried. */
  private set(c: number, v: string | number, epoch: number): void {
    this.vals[c] = v;
    this.seen[c] = epoch;
    this.written[this.writtenCount++] = c;
  }

  private nextEpoch(): number {
    if (this.epoch === 0xffffffff) {
      this.seen.fill(0);
      this.epoch = 0;
    }
    return ++this.epoch;
  }

  private rejectColumn(c: number): Rejection {
    const name = this.schema.columns[c]!.name;
    return { code: failure.code, message: `${name}: ${failure.why}`, field: name };
  }
}

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return "an array";
  if (v === null) return "null";
  if (typeof v === "object") return v instanceof Date ? "a date" : "a non-plain object";
  return `a ${typeof v}`;
}

const compiled = new WeakMap<TableSchema, EventValidator>();

/** The validator for `schema`, compiled on first use. */
export function validatorFor(schema: TableSchema): EventValidator {
  let v = compiled.get(schema);
  if (!v) compiled.set(schema, (v = new EventValidator(schema)));
  return v;
}
