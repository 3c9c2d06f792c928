// The default marketing event schema: one table, `events`, that covers clickstream, ads (impression,
// click, bid, win), commerce (add_to_cart, purchase, refund), CRM, social posts and IoT readings.
// Fields an event carries that the schema does not know are kept in `props` (JSON), never dropped.

import { LIMITS } from "./limits.ts";
import { ColumnType, type ColumnDef, type TableSchema } from "./types.ts";

const S = ColumnType.STRING;
const F = ColumnType.FLOAT64;

export const DEFAULT_TABLE = "events";
export const DEAD_LETTER_TABLE = "_dead_letters";

export const EVENT_COLUMNS: readonly ColumnDef[] = [
  { name: "event_id", type: S, required: true, maxLength: LIMITS.EVENT_ID_LENGTH_MAX, unique: true },
  { name: "ts", type: ColumnType.TIMESTAMP, required: true },
  { name: "received_at", type: ColumnType.TIMESTAMP, required: true },
  { name: "type", type: S, required: true, maxLength: 64 },
  { name: "user_id", type: S },
  { name: "anonymous_id", type: S },
  { name: "session_id", type: S },
  { name: "campaign", type: S },
  { name: "channel", type: S },
  { name: "source", type: S },
  { name: "medium", type: S },
  { name: "ad_id", type: S },
  { name: "creative_id", type: S },
  { name: "item_id", type: S },
  { name: "category", type: S },
  { name: "quantity", type: F },
  { name: "price", type: F },
  { name: "revenue", type: F },
  { name: "cost", type: F },
  { name: "currency", type: S, maxLength: 3 },
  { name: "country", type: S },
  { name: "region", type: S },
  { name: "city", type: S },
  { name: "device", type: S },
  { name: "os", type: S },
  { name: "browser", type: S },
  { name: "url", type: S },
  { name: "referrer", type: S },
  { name: "platform", type: S },
  { name: "text", type: S, maxLength: LIMITS.LONG_TEXT_LENGTH_MAX },
  { name: "props", type: ColumnType.JSON, maxLength: LIMITS.LONG_TEXT_LENGTH_MAX },
];

export const EVENTS_SCHEMA: TableSchema = { name: DEFAULT_TABLE, columns: EVENT_COLUMNS, timeColumn: "ts" };

/** Columns every table has, whatever its config declares: ingest fills them. */
export const SYSTEM_COLUMNS = ["event_id", "ts", "received_at", "props"] as const;

/** Rejected events, readable by SQL like any table. Written through the WAL with the batch they came in. */
export const DEAD_LETTER_SCHEMA: TableSchema = {
  name: DEAD_LETTER_TABLE,
  timeColumn: "received_at",
  columns: [
    { name: "received_at", type: ColumnType.TIMESTAMP, required: true },
    { name: "table_name", type: S, required: true },
    { name: "source", type: S, required: true },
    { name: "position", type: ColumnType.INT32, required: true },
    { name: "code", type: S, required: true },
    { name: "message", type: S, required: true },
    { name: "raw", type: S, maxLength: LIMITS.EVENT_BYTES_MAX },
  ],
};

/** Fired and resolved alerts, written through the WAL by the alert service: queryable like any table. */
export const ALERTS_TABLE = "_alerts";
export const ALERTS_SCHEMA: TableSchema = {
  name: ALERTS_TABLE,
  timeColumn: "ts",
  columns: [
    ...EVENT_COLUMNS.filter((c) => (SYSTEM_COLUMNS as readonly string[]).includes(c.name)),
    { name: "rule", type: S, required: true },
    { name: "state", type: S, required: true },
    { name: "severity", type: S },
    { name: "kind", type: S },
    { name: "metric", type: S },
    { name: "filter", type: ColumnType.JSON },
    { name: "value", type: F },
    { name: "threshold", type: F },
    { name: "baseline_mean", type: F },
    { name: "episode", type: S },
    { name: "text", type: S, maxLength: LIMITS.LONG_TEXT_LENGTH_MAX },
  ],
};

/**
 * A stream with its own schema, declared in config: the system columns come first, then the
 * declared ones. Declaring a system column again is a config error reported by the caller.
 */
export function streamSchema(name: string, extra: readonly ColumnDef[]): TableSchema {
  const system = EVENT_COLUMNS.filter((c) => (SYSTEM_COLUMNS as readonly string[]).includes(c.name));
  return { name, timeColumn: "ts", columns: [...system, ...extra] };
}
