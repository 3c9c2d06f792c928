// DuckDB values <-> the SQL value model of engine/query/result.ts (read that header for the table).
// Reading: one converter per DuckDB type id, recursing through LIST, ARRAY, STRUCT, MAP and UNION.
// Writing: the JSON values a client may bind as parameters, each with an explicit DuckDB type, so a
// parameter's type never depends on how the node bindings guess it (they bind bigints as HUGEINT).
//
// Timestamps keep millisecond precision (Date), floored towards the past for times before 1970.
// Values a JS Date cannot hold (DuckDB's infinity, years past 275760) become the strings DuckDB
// prints for them, as do TIME, BLOB, BIT and other types without a JS equivalent.

import {
  BIGINT, BOOLEAN, createDuckDBValueConverter, DOUBLE, DuckDBDateValue, DuckDBDecimalValue, DuckDBIntervalValue,
  DuckDBListValue, DuckDBMapType, DuckDBMapValue, DuckDBStructType, DuckDBStructValue, DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue, DuckDBTimestampSecondsValue, DuckDBTimestampTZValue, DuckDBTimestampValue,
  DuckDBTypeId, DuckDBUnionType, DuckDBUnionValue, DuckDBArrayValue, DuckDBListType, DuckDBArrayType, VARCHAR,
  type DuckDBPreparedStatement, type DuckDBType, type DuckDBValue, type DuckDBValueConverter,
} from "@duckdb/node-api";
import { EngineError } from "../engine/core/errors.ts";
import type { SqlValue } from "../engine/query/result.ts";

/** JS Dates hold +-8.64e15 ms. */
const DATE_MS_MAX = 8.64e15;

function dateFromMicros(micros: bigint, value: DuckDBValue): SqlValue {
  // Floor division: -1 µs is 1969-12-31T23:59:59.999, not 1970-01-01T00:00:00.000.
  const ms = micros >= 0n ? micros / 1000n : -((-micros + 999n) / 1000n);
  const n = Number(ms);
  return Math.abs(n) <= DATE_MS_MAX ? new Date(n) : String(value);
}

/**
 * A FLOAT as the shortest decimal that reads back as the same float32 (0.1, not 0.10000000149011612),
 * which is how DuckDB prints it.
 */
function shortestFloat32(x: number): number {
  if (!Number.isFinite(x)) return x;
  for (let p = 1; p < 9; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === x) return y;
  }
  return x;
}

type Converter = DuckDBValueConverter<Exclude<SqlValue, null>>;

const text: Converter = (v) => String(v);
const asNumber: Converter = (v) => Number(v);
const asBigint: Converter = (v) => (typeof v === "bigint" ? v : BigInt(v as number));

const BY_TYPE_ID: Partial<Record<DuckDBTypeId, (v: DuckDBValue, t: DuckDBType, c: Converter) => SqlValue>> = {
  [DuckDBTypeId.BOOLEAN]: (v) => v as boolean,
  [DuckDBTypeId.TINYINT]: asNumber, [DuckDBTypeId.SMALLINT]: asNumber, [DuckDBTypeId.INTEGER]: asNumber,
  [DuckDBTypeId.UTINYINT]: asNumber, [DuckDBTypeId.USMALLINT]: asNumber, [DuckDBTypeId.UINTEGER]: asNumber,
  [DuckDBTypeId.FLOAT]: (v) => shortestFloat32(v as number), [DuckDBTypeId.DOUBLE]: asNumber,
  [DuckDBTypeId.BIGINT]: asBigint, [DuckDBTypeId.UBIGINT]: asBigint, [DuckDBTypeId.HUGEINT]: asBigint,
  [DuckDBTypeId.UHUGEINT]: asBigint, [DuckDBTypeId.BIGNUM]: asBigint,
  [DuckDBTypeId.DECIMAL]: (v) => (v as DuckDBDecimalValue).toDouble(),
  [DuckDBTypeId.VARCHAR]: text, [DuckDBTypeId.ENUM]: text, [DuckDBTypeId.UUID]: text,
  [DuckDBTypeId.TIME]: text, [DuckDBTypeId.TIME_TZ]: text, [DuckDBTypeId.TIME_NS]: text,
  [DuckDBTypeId.BLOB]: text, [DuckDBTypeId.BIT]: text, [DuckDBTypeId.GEOMETRY]: text, [DuckDBTypeId.VARIANT]: text,
  [DuckDBTypeId.TIMESTAMP]: (v) => dateFromMicros((v as DuckDBTimestampValue).micros, v),
  [DuckDBTypeId.TIMESTAMP_TZ]: (v) => dateFromMicros((v as DuckDBTimestampTZValue).micros, v),
  [DuckDBTypeId.TIMESTAMP_S]: (v) => dateFromMicros((v as DuckDBTimestampSecondsValue).seconds * 1_000_000n, v),
  [DuckDBTypeId.TIMESTAMP_MS]: (v) => dateFromMicros((v as DuckDBTimestampMillisecondsValue).millis * 1000n, v),
  [DuckDBTypeId.TIMESTAMP_NS]: (v) => dateFromMicros((v as DuckDBTimestampNanosecondsValue).nanos / 1000n, v),
  [DuckDBTypeId.DATE]: (v) => {
    const days = (v as DuckDBDateValue).days;
    return Math.abs(days * 86_400_000) <= DATE_MS_MAX ? new Date(days * 86_400_000) : String(v);
  },
  [DuckDBTypeId.INTERVAL]: (v) => {
    const i = v as DuckDBIntervalValue;
    return { months: i.months, days: i.days, micros: i.micros };
  },
  [DuckDBTypeId.LIST]: (v, t, c) => (v as DuckDBListValue).items.map((x) => c(x, (t as DuckDBListType).valueType, c)),
  [DuckDBTypeId.ARRAY]: (v, t, c) => (v as DuckDBArrayValue).items.map((x) => c(x, (t as DuckDBArrayType).valueType, c)),
  [DuckDBTypeId.STRUCT]: (v, t, c) => {
    const out: { [k: string]: SqlValue } = {};
    const entries = (v as DuckDBStructValue).entries;
    for (const k in entries) out[k] = c(entries[k]!, (t as DuckDBStructType).typeForEntry(k), c);
    return out;
  },
  // A MAP becomes an object keyed by the keys' text (a JSON object), as result.ts promises.
  [DuckDBTypeId.MAP]: (v, t, c) => {
    const out: { [k: string]: SqlValue } = {};
    const mt = t as DuckDBMapType;
    for (const e of (v as DuckDBMapValue).entries) out[String(e.key)] = c(e.value, mt.valueType, c);
    return out;
  },
  [DuckDBTypeId.UNION]: (v, t, c) => {
    const u = v as DuckDBUnionValue;
    return c(u.value, (t as DuckDBUnionType).memberTypeForTag(u.tag), c);
  },
  [DuckDBTypeId.SQLNULL]: () => null,
};

const base = createDuckDBValueConverter<Exclude<SqlValue, null>>(
  BY_TYPE_ID as Parameters<typeof createDuckDBValueConverter<Exclude<SqlValue, null>>>[0],
);

/** Converts one DuckDB value; types without a converter of their own come out as DuckDB's text for them. */
export const toSqlValue: Converter = (value, type, converter) => {
  if (value === null || value === undefined) return null;
  return BY_TYPE_ID[type.typeId] ? base(value, type, converter) : String(value);
};

/** The value a JSON request parameter binds as (see the README: integral numbers are BIGINT). */
export function bindParams(stmt: DuckDBPreparedStatement, params: readonly unknown[]): void {
  stmt.clearBindings();
  params.forEach((p, i) => {
    const at = i + 1;
    if (p === null) stmt.bindNull(at);
    else if (typeof p === "boolean") stmt.bindValue(at, p, BOOLEAN);
    else if (typeof p === "string") stmt.bindValue(at, p, VARCHAR);
    else if (typeof p === "bigint") stmt.bindValue(at, p, BIGINT);
    else if (typeof p === "number" && Number.isSafeInteger(p)) stmt.bindValue(at, BigInt(p), BIGINT);
    else if (typeof p === "number" && Number.isFinite(p)) stmt.bindValue(at, p, DOUBLE);
    else throw new EngineError("bad_argument", `parameter $${at} must be a number, string, boolean or null`);
  });
}
