// format=parquet: the result as one Parquet file (hyparquet-writer, zstd), for download. Each SQL type
// maps to the closest Parquet type; what has no flat Parquet equivalent travels as JSON text:
//
//   BOOLEAN -> BOOLEAN          TINYINT..INTEGER, UTINYINT, USMALLINT -> INT32
//   BIGINT, and any other integer type whose values all fit in 64 bits -> INT64 (else UTF8 decimal text)
//   FLOAT, DOUBLE, DECIMAL -> DOUBLE                 TIMESTAMP[...] -> INT64 TIMESTAMP_MILLIS (UTC)
//   DATE -> INT32 DATE          VARCHAR and everything else scalar -> UTF8
//   LIST, STRUCT, MAP, INTERVAL... -> UTF8 JSON
//
// Column names are made distinct (unique-names.ts). Every column is OPTIONAL (nullable).

import { parquetWriteBuffer } from "hyparquet-writer";
import type { SchemaElement } from "hyparquet";
import type { SqlResult, SqlValue } from "../../engine/query/result.ts";
import { toJsonValue } from "./json-value.ts";
import { uniqueNames } from "./unique-names.ts";

const INT64_MIN = -(2n ** 63n), INT64_MAX = 2n ** 63n - 1n;

type Kind = "BOOLEAN" | "INT32" | "INT64" | "DOUBLE" | "TIMESTAMP" | "DATE" | "STRING" | "JSON";

function kindOf(type: string, values: readonly SqlValue[]): Kind {
  if (type === "BOOLEAN") return "BOOLEAN";
  if (/^(TINYINT|SMALLINT|INTEGER|UTINYINT|USMALLINT)$/.test(type)) return "INT32";
  if (/^(BIGINT|UBIGINT|HUGEINT|UHUGEINT|UINTEGER|BIGNUM|VARINT)$/.test(type)) {
    const fits = values.every((v) => v === null || (typeof v === "bigint" ? v >= INT64_MIN && v <= INT64_MAX : typeof v === "number"));
    return fits ? "INT64" : "STRING";
  }
  if (/^(FLOAT|DOUBLE|REAL)$/.test(type) || type.startsWith("DECIMAL")) return "DOUBLE";
  if (type.startsWith("TIMESTAMP")) return "TIMESTAMP";
  if (type === "DATE") return "DATE";
  if (/[[\]()]/.test(type) || type === "INTERVAL" || type.startsWith("STRUCT") || type.startsWith("MAP")) return "JSON";
  return "STRING";
}

const ELEMENT: Record<Kind, Omit<SchemaElement, "name">> = {
  BOOLEAN: { type: "BOOLEAN" }, INT32: { type: "INT32" }, INT64: { type: "INT64" }, DOUBLE: { type: "DOUBLE" },
  TIMESTAMP: { type: "INT64", converted_type: "TIMESTAMP_MILLIS" }, DATE: { type: "INT32", converted_type: "DATE" },
  STRING: { type: "BYTE_ARRAY", converted_type: "UTF8" }, JSON: { type: "BYTE_ARRAY", converted_type: "JSON" },
};

function cell(v: SqlValue, kind: Kind): unknown {
  if (v === null) return null;
  switch (kind) {
    case "INT64": return typeof v === "bigint" ? v : BigInt(v as number);
    case "TIMESTAMP": case "DATE": return v instanceof Date ? v : null;  // DuckDB's 'infinity' has no Parquet form
    case "STRING": return typeof v === "string" ? v : String(toJsonValue(v));
    case "JSON": return toJsonValue(v);
    default: return v;
  }
}

export function encodeParquet(r: SqlResult): Uint8Array {
  const names = uniqueNames(r.columns.map((c) => c.name));
  const columnData = r.columns.map((c, i) => {
    const values = r.rows.map((row) => row[i]!);
    const kind = kindOf(c.type, values);
    return { name: names[i]!, kind, data: values.map((v) => cell(v, kind)) };
  });
  const schema: SchemaElement[] = [
    { name: "root", num_children: columnData.length },
    ...columnData.map((c) => ({ name: c.name, repetition_type: "OPTIONAL" as const, ...ELEMENT[c.kind] })),
  ];
  return new Uint8Array(parquetWriteBuffer({
    schema,
    columnData: columnData.map((c) => ({ name: c.name, data: c.data })),
    codec: "ZSTD",
    compressors: { ZSTD: (b: Uint8Array) => Bun.zstdCompressSync(b, { level: 3 }) },
    createdBy: "caracal",
  }));
}
