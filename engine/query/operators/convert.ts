// Our values -> result.ts values of the declared (DuckDB) output type: BIGINT and HUGEINT as bigint,
// times as Date, the rest as they are. A value that cannot be represented exactly declines.

import { decline } from "../decline.ts";
import type { Val } from "../functions/value.ts";
import type { SqlValue } from "../result.ts";
import { TSTZ } from "../sql-types.ts";

export type Convert = (v: Val) => SqlValue;

export function converter(type: string): Convert {
  switch (type) {
    case "BIGINT": case "HUGEINT":
      return (v) => (v === null ? null : Number.isSafeInteger(v) ? BigInt(v as number) : decline(`${type} value ${v} beyond 2^53`));
    case "INTEGER":
      return (v) => (v === null ? null : (v as number) + 0);
    case "DOUBLE":
      return (v) => (v === null ? null : Number.isFinite(v) ? (v as number) : decline(`non-finite DOUBLE ${v}`));
    case "TIMESTAMP": case TSTZ: case "DATE":
      return (v) => (v === null ? null : new Date(v as number));
    case "BOOLEAN": case "VARCHAR": case "JSON":
      return (v) => v as SqlValue;
    default:
      return decline(`output type ${type}`);
  }
}
