// Settings, from four layers (later wins): built-in defaults, a config file (JSON or TOML),
// CARACAL_* environment variables, command-line flags. Validated once here with zod; everything
// downstream receives a frozen, typed Config and never re-checks it.

import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { availableParallelism } from "node:os";
import { z } from "zod";
import { EngineError } from "../engine/core/errors.ts";
import { EVENTS_SCHEMA, SYSTEM_COLUMNS, streamSchema, DEFAULT_TABLE } from "../engine/core/event-schema.ts";
import { LIMITS } from "../engine/core/limits.ts";
import { columnTypeFromName, isStringType, type ColumnDef, type TableSchema } from "../engine/core/types.ts";
import { rollupConfigFrom, rollupFileSchema, type RollupConfig } from "../engine/aggregate/rollup-config.ts";
import { fromSpec, keySpec, type ApiKey } from "./auth/api-keys.ts";
import { bidConfigFrom, bidFileSchema, type BidFileConfig } from "../engine/serving/bid-config.ts";
import { parseKafkaSourceUrl } from "./kafka/source-url.ts";
import { socialConfigFrom, socialFileSchema, type SocialFile } from "../engine/aggregate/social-config.ts";
import type { AuthMode } from "./auth/access.ts";

export type FsyncPolicy = { kind: "batch" } | { kind: "interval"; ms: number } | { kind: "off" };

const identifier = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "lower-case letters, digits and _, starting with a letter or _");
const columnsSpec = z.record(identifier, z.string());

const fileSchema = z.strictObject({
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  data_dir: z.string().min(1).optional(),
  fsync: z.string().optional(),
  workers: z.number().int().min(1).max(64).optional(),
  wal: z.strictObject({
    segment_bytes: z.number().int().min(64 * 1024).optional(),
    skip_corrupt: z.boolean().optional(),
  }).optional(),
  dedup: z.strictObject({
    window_ms: z.number().int().min(0).optional(),
    max_ids: z.number().int().min(0).optional(),
  }).optional(),
  storage: z.strictObject({
    hot_window_ms: z.number().int().min(0).optional(),
    hot_memory_bytes_max: z.number().int().min(0).optional(),
    compaction_interval_ms: z.number().int().min(100).optional(),
    compaction_min_rows: z.number().int().min(1).optional(),
    segment_rows: z.number().int().min(8).max(LIMITS.SEGMENT_ROWS_MAX).optional(),
    /** Where compaction writes Parquet (default DATA/parquet): give each instance its own folder of a shared lake. */
    parquet_dir: z.string().min(1).optional(),
  }).optional(),
  limits: z.strictObject({
    body_bytes_max: z.number().int().min(1024).optional(),
    ingest_inflight_bytes_max: z.number().int().min(1024).optional(),
    ws_inflight_bytes_max: z.number().int().min(1024).optional(),
    disk_free_min_bytes: z.number().int().min(0).optional(),
  }).optional(),
  sql: z.strictObject({
    timeout_ms: z.number().int().min(1).optional(),
    max_rows: z.number().int().min(1).optional(),
    text_bytes_max: z.number().int().min(64).optional(),
    memory_limit: z.string().regex(/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, "a size such as 2GB or 512MiB").optional(),
    threads: z.number().int().min(1).max(256).optional(),
    upload_bytes_max: z.number().int().min(1).optional(),
  }).optional(),
  rollups: rollupFileSchema.optional(),
  bidding: bidFileSchema.optional(),
  social: socialFileSchema.optional(),
  /** Funnel and journey definitions ({"kind": "funnel" | "journey", ...}); default: a purchase funnel and cart abandonment. */
  funnels: z.array(z.unknown()).max(256).optional(),
  /** Derived state kept as events arrive; each part can be switched off (it then stays empty). */
  derived: z.strictObject({
    rollups: z.boolean().optional(), profiles: z.boolean().optional(), recommendations: z.boolean().optional(),
    social: z.boolean().optional(), funnels: z.boolean().optional(), audiences: z.boolean().optional(),
  }).optional(),
  /** kafka:// URLs to consume (server/kafka/source-url.ts). */
  sources: z.array(z.string()).max(64).optional(),
  auth: z.strictObject({
    mode: z.enum(["auto", "open", "keys"]).optional(),
    keys: z.array(keySpec).optional(),
  }).optional(),
  /** `events` may gain columns; any other name declares a stream with its own schema. */
  tables: z.record(identifier, z.strictObject({ columns: columnsSpec })).optional(),
});
type FileConfig = z.infer<typeof fileSchema>;

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly fsync: FsyncPolicy;
  readonly workers: number;
  readonly walSegmentBytes: number;
  readonly walSkipCorrupt: boolean;
  readonly dedupWindowMs: number;
  readonly dedupMaxIds: number;
  readonly bodyBytesMax: number;
  readonly ingestInflightBytesMax: number;
  readonly wsInflightBytesMax: number;
  /** Free bytes the data directory keeps: below, ingest answers 507. */
  readonly diskFreeMinBytes: number;
  /** Compacted rows stay in memory while newer than this... */
  readonly hotWindowMs: number;
  /** ...and while the store's memory is under this. */
  readonly hotMemoryBytesMax: number;
  readonly compactionIntervalMs: number;
  readonly compactionMinRows: number;
  /** Rows per in-memory segment: the unit of sealing, compaction and eviction. */
  readonly segmentRows: number;
  /** Absolute directory of the Parquet history (its manifest and part files). */
  readonly parquetDir: string;
  /** SQL: a query's time limit (requests may lower it), rows per answer, bytes of SQL text. */
  readonly sqlTimeoutMs: number;
  readonly sqlMaxRows: number;
  readonly sqlTextBytesMax: number;
  /** DuckDB's memory_limit ("2GB") and worker threads. */
  readonly duckdbMemoryLimit: string;
  readonly duckdbThreads: number;
  /** Largest dimension-table upload. */
  readonly tableUploadBytesMax: number;
  readonly tables: readonly TableSchema[];
  readonly rollups: RollupConfig;
  /** Bytes of GET /v1/metrics answers kept while the rollups are unchanged (0: none). */
  readonly metricsCacheBytes: number;
  readonly authMode: AuthMode;
  readonly authKeys: readonly ApiKey[];
  /** The `bidding` section (null: a demo setup, see server/serving/bid-service.ts). */
  readonly bidding: BidFileConfig | null;
  /** The `social` section (brands to watch); validated by engine/aggregate/social-config.ts. */
  readonly social: SocialFile | null;
  /** Which derived parts are fed (all by default). */
  readonly derived: { readonly rollups: boolean; readonly profiles: boolean; readonly recommendations: boolean; readonly social: boolean; readonly funnels: boolean; readonly audiences: boolean };
  /** Funnel and journey definitions from the config file (null: the defaults). */
  readonly funnels: readonly unknown[] | null;
  /** Kafka sources (kafka:// URLs), validated. */
  readonly sources: readonly string[];
}

/** Flags and their environment variables: the single list `--help` prints. */
export const OPTIONS = [
  { flag: "--port", env: "CARACAL_PORT", arg: "N", help: "TCP port; 0 picks a free one (printed on the first output line). Default 8080." },
  { flag: "--host", env: "CARACAL_HOST", arg: "H", help: "Address to bind. Default 127.0.0.1." },
  { flag: "--data", env: "CARACAL_DATA", arg: "DIR", help: "Data directory (WAL, Parquet, state). Default ./data." },
  { flag: "--config", env: "CARACAL_CONFIG", arg: "FILE", help: "Config file, JSON or TOML (see README)." },
  { flag: "--fsync", env: "CARACAL_FSYNC", arg: "POLICY", help: "batch (acknowledged = fsynced; default), interval:<ms>, or off." },
  { flag: "--workers", env: "CARACAL_WORKERS", arg: "N", help: "Ingest parser threads. Default: cores - 1, at least 1." },
  { flag: "--wal-skip-corrupt", env: "CARACAL_WAL_SKIP_CORRUPT", arg: "", help: "On a corrupt WAL record, quarantine it and start anyway." },
  { flag: "--source", env: "CARACAL_SOURCES", arg: "URL", help: "kafka://HOST:PORT[,HOST:PORT]/TOPIC?group=G[&format=ndjson|json|msgpack][&table=T]; repeatable (env: URLs separated by spaces)." },
] as const;

export function parseFsync(text: string): FsyncPolicy {
  if (text === "batch" || text === "off") return { kind: text };
  const m = /^interval:(\d+)$/.exec(text);
  if (m && Number(m[1]) >= 1) return { kind: "interval", ms: Number(m[1]) };
  throw new EngineError("bad_config", `fsync policy "${text}" is not one of batch, interval:<ms> (ms >= 1), off`);
}

/**
 * Nested file settings can also come from the environment: `limits.body_bytes_max` is
 * CARACAL_LIMITS_BODY_BYTES_MAX, and so on for every key of `wal`, `dedup`, `storage`, `limits` and `sql`.
 */
const NESTED_NUMERIC = {
  wal: ["segment_bytes"], dedup: ["window_ms", "max_ids"],
  storage: ["hot_window_ms", "hot_memory_bytes_max", "compaction_interval_ms", "compaction_min_rows", "segment_rows"],
  limits: ["body_bytes_max", "ingest_inflight_bytes_max", "ws_inflight_bytes_max", "disk_free_min_bytes"],
  sql: ["timeout_ms", "max_rows", "text_bytes_max", "threads", "upload_bytes_max"],
} as const;
/** Nested settings whose values are text, taken from the environment as they are. */
const NESTED_TEXT = { sql: ["memory_limit"] } as const;

const envName = (group: string, key: string) => `CARACAL_${group}_${key}`.toUpperCase();
export const NESTED_ENV = [
  ...Object.entries(NESTED_NUMERIC).flatMap(([group, keys]) => keys.map((k) => ({ path: `${group}.${k}`, env: envName(group, k), text: false }))),
  ...Object.entries(NESTED_TEXT).flatMap(([group, keys]) => keys.map((k) => ({ path: `${group}.${k}`, env: envName(group, k), text: true }))),
];

function withEnv(file: FileConfig, env: Record<string, string | undefined>): FileConfig {
  const out: Record<string, Record<string, unknown> | unknown> = { ...file };
  for (const { path, env: name, text } of NESTED_ENV) {
    const v = env[name];
    if (v === undefined) continue;
    const n = Number(v);
    if (!text && !Number.isInteger(n)) throw new EngineError("bad_config", `${name} must be an integer, got "${v}"`);
    const [group, key] = path.split(".") as [string, string];
    out[group] = { ...(out[group] as Record<string, unknown> | undefined), [key]: text ? v : n };
  }
  const parsed = fileSchema.safeParse(out);
  if (!parsed.success) throw new EngineError("bad_config", `environment settings:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

function readConfigFile(path: string): FileConfig {
  let text: string;
  try { text = readFileSync(path, "utf8"); } catch (e) {
    throw new EngineError("bad_config", `cannot read config file ${path}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try { raw = path.endsWith(".toml") ? Bun.TOML.parse(text) : JSON.parse(text); } catch (e) {
    throw new EngineError("bad_config", `config file ${path} is not valid ${path.endsWith(".toml") ? "TOML" : "JSON"}: ${(e as Error).message}`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) throw new EngineError("bad_config", `config file ${path}:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

function columnDefs(table: string, spec: Record<string, string>): ColumnDef[] {
  return Object.entries(spec).map(([name, typeName]) => {
    const type = columnTypeFromName(typeName);
    if (type === undefined) throw new EngineError("bad_config", `table ${table}: column ${name} has unknown type "${typeName}" (use string, float, int, bool, timestamp, json)`);
    return { name, type };
  });
}

function buildTables(spec: FileConfig["tables"]): TableSchema[] {
  let events = EVENTS_SCHEMA;
  const streams: TableSchema[] = [];
  for (const [name, t] of Object.entries(spec ?? {})) {
    const extra = columnDefs(name, t.columns);
    const base = name === DEFAULT_TABLE ? EVENTS_SCHEMA.columns : streamSchema(name, []).columns;
    for (const c of extra) {
      if (base.some((b) => b.name === c.name)) {
        const why = (SYSTEM_COLUMNS as readonly string[]).includes(c.name) ? "a system column" : "already in the default schema";
        throw new EngineError("bad_config", `table ${name}: column ${c.name} is ${why}`);
      }
    }
    if (name.startsWith("_")) throw new EngineError("bad_config", `table ${name}: names starting with _ are reserved`);
    if (name === DEFAULT_TABLE) events = { ...EVENTS_SCHEMA, columns: [...EVENTS_SCHEMA.columns, ...extra] };
    else streams.push(streamSchema(name, extra));
  }
  return [events, ...streams];
}

function sourceFlags(v: string | boolean | string[] | undefined): string[] {
  if (v === undefined || typeof v === "boolean") return [];
  return Array.isArray(v) ? v : v.split(/\s+/).filter((x) => x !== "");
}

function checkSources(urls: string[], tables: readonly TableSchema[]): string[] {
  for (const u of urls) {
    const parsed = parseKafkaSourceUrl(u);
    if (!tables.some((t) => t.name === parsed.table)) throw new EngineError("bad_config", `kafka source "${u}": table ${parsed.table} is not declared (declare it under "tables" in the config file)`);
  }
  return urls;
}

/** Resolves the layers. `flags` holds command-line values already split by the CLI. */
export function loadConfig(flags: Record<string, string | boolean | string[]>, env: Record<string, string | undefined> = process.env): Config {
  const pick = (flag: string): string | boolean | undefined => {
    if (flags[flag] !== undefined) return flags[flag] as string | boolean;
    const opt = OPTIONS.find((o) => o.flag === `--${flag}`);
    return opt ? env[opt.env] : undefined;
  };
  const configPath = pick("config");
  const file = withEnv(typeof configPath === "string" ? readConfigFile(configPath) : {}, env);
  const num = (flag: string, v: string | boolean | undefined, min: number, max: number): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (typeof v !== "string" || !Number.isInteger(n) || n < min || n > max) {
      throw new EngineError("bad_config", `--${flag} must be an integer from ${min} to ${max}, got "${v}"`);
    }
    return n;
  };
  const skip = pick("wal-skip-corrupt");
  const tables = buildTables(file.tables);
  return Object.freeze({
    host: (pick("host") as string | undefined) ?? file.host ?? "127.0.0.1",
    port: num("port", pick("port"), 0, 65535) ?? file.port ?? 8080,
    dataDir: (pick("data") as string | undefined) ?? file.data_dir ?? "./data",
    fsync: parseFsync((pick("fsync") as string | undefined) ?? file.fsync ?? "batch"),
    workers: num("workers", pick("workers"), 1, 64) ?? file.workers ?? Math.max(1, availableParallelism() - 1),
    walSegmentBytes: file.wal?.segment_bytes ?? LIMITS.WAL_SEGMENT_BYTES,
    walSkipCorrupt: skip === true || skip === "1" || skip === "true" || (file.wal?.skip_corrupt ?? false),
    dedupWindowMs: file.dedup?.window_ms ?? LIMITS.DEDUP_WINDOW_MS,
    dedupMaxIds: file.dedup?.max_ids ?? LIMITS.DEDUP_WINDOW_IDS_MAX,
    bodyBytesMax: file.limits?.body_bytes_max ?? LIMITS.BODY_BYTES_MAX,
    ingestInflightBytesMax: file.limits?.ingest_inflight_bytes_max ?? LIMITS.INGEST_INFLIGHT_BYTES_MAX,
    wsInflightBytesMax: file.limits?.ws_inflight_bytes_max ?? LIMITS.WS_INFLIGHT_BYTES_MAX,
    diskFreeMinBytes: file.limits?.disk_free_min_bytes ?? LIMITS.DISK_FREE_MIN_BYTES,
    hotWindowMs: file.storage?.hot_window_ms ?? LIMITS.HOT_WINDOW_MS,
    hotMemoryBytesMax: file.storage?.hot_memory_bytes_max ?? LIMITS.HOT_MEMORY_BYTES_MAX,
    compactionIntervalMs: file.storage?.compaction_interval_ms ?? LIMITS.COMPACTION_INTERVAL_MS,
    compactionMinRows: file.storage?.compaction_min_rows ?? LIMITS.SEGMENT_ROWS,
    segmentRows: file.storage?.segment_rows ?? LIMITS.SEGMENT_ROWS,
    parquetDir: resolve(file.storage?.parquet_dir ?? join((pick("data") as string | undefined) ?? file.data_dir ?? "./data", "parquet")),
    sqlTimeoutMs: file.sql?.timeout_ms ?? LIMITS.SQL_TIMEOUT_MS,
    sqlMaxRows: file.sql?.max_rows ?? LIMITS.SQL_RESULT_ROWS_MAX,
    sqlTextBytesMax: file.sql?.text_bytes_max ?? LIMITS.SQL_TEXT_BYTES_MAX,
    duckdbMemoryLimit: file.sql?.memory_limit ?? LIMITS.SQL_DUCKDB_MEMORY_LIMIT,
    duckdbThreads: file.sql?.threads ?? LIMITS.SQL_DUCKDB_THREADS,
    tableUploadBytesMax: file.sql?.upload_bytes_max ?? LIMITS.TABLE_UPLOAD_BYTES_MAX,
    tables,
    metricsCacheBytes: file.rollups?.answer_cache_bytes ?? LIMITS.METRICS_ANSWER_CACHE_BYTES,
    rollups: rollupConfigFrom(file.rollups, new Set(tables[0]!.columns.filter((c) => isStringType(c.type)).map((c) => c.name))),
    authMode: file.auth?.mode ?? "auto",
    authKeys: (file.auth?.keys ?? []).map(fromSpec),
    bidding: file.bidding ? (bidConfigFrom(file.bidding), file.bidding) : null,
    social: file.social ? (socialConfigFrom(file.social), file.social) : null,
    funnels: file.funnels ?? null,
    derived: {
      rollups: file.derived?.rollups ?? true, profiles: file.derived?.profiles ?? true, recommendations: file.derived?.recommendations ?? true,
      social: file.derived?.social ?? true, funnels: file.derived?.funnels ?? true, audiences: file.derived?.audiences ?? true,
    },
    sources: checkSources([...sourceFlags(flags.source ?? env.CARACAL_SOURCES), ...(file.sources ?? [])], tables),
  });
}
