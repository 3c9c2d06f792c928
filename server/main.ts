#!/usr/bin/env bun
// The command line and the only place with process-wide side effects (signals, exit codes, stdout).
//   caracal serve [--port N] [--host H] [--data DIR] [--config FILE] [--fsync P] [--workers N] [--wal-skip-corrupt]

// First: DuckDB's native library must be loaded before anything imports the DuckDB binding.
import "../storage/duckdb-native-lib.ts";
import { parseArgs } from "node:util";
import { EngineError } from "../engine/core/errors.ts";
import { loadConfig, NESTED_ENV, OPTIONS } from "./config.ts";
import { startCaracal } from "./caracal.ts";
import { keysCommand } from "./cli/keys-command.ts";
import { trainCommand } from "./cli/train-command.ts";
import { lakeQueryCommand } from "./cli/lake-query-command.ts";
import { warningPrinter } from "./process-warnings.ts";

process.removeAllListeners("warning");
process.on("warning", warningPrinter((line) => console.error(line)));

function usage(): string {
  const lines = [
    "Usage: caracal serve [options]",
    "       caracal keys create|list|revoke ...   (API keys; see caracal keys --help)",
    "       caracal train [--data DIR] [--days N] [--server URL] [--key KEY] [--no-push]   (fit the CTR/CVR models)",
    '       caracal lake-query "<sql>" --lake DIR   (DuckDB over every instance\'s Parquet in a shared lake)',
    "",
    "Runs the Caracal engine: event ingest over HTTP and WebSocket into a write-ahead log and a columnar store.",
    "Every option can also come from its environment variable or from the config file.",
    "",
    "Options:",
    ...OPTIONS.map((o) => `  ${`${o.flag} ${o.arg}`.padEnd(24)} ${o.help}\n  ${"".padEnd(24)} env ${o.env}`),
    `  ${"--help".padEnd(24)} Show this text.`,
    "",
    "Config-file settings also read from the environment:",
    ...NESTED_ENV.map((n) => `  ${n.env.padEnd(40)} ${n.path}`),
  ];
  return lines.join("\n");
}

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: Object.fromEntries([
      ...OPTIONS.map((o) => [o.flag.slice(2), { type: o.arg ? "string" : "boolean", ...(o.flag === "--source" ? { multiple: true } : {}) }] as const),
      ["help", { type: "boolean", short: "h" }],
    ]),
    strict: true,
  });
  if ((values as { help?: boolean }).help) { console.log(usage()); return; }
  const config = loadConfig(values as Record<string, string | boolean | string[]>);
  const running = await startCaracal(config);
  // The first line of output is the address: scripts started with --port 0 read it.
  console.log(`listening on ${running.url}`);
  const r = running.recovery;
  console.error(`recovered ${r.rowsStored} rows from ${r.records} WAL records in ${r.elapsedMs} ms` +
    (r.tornTail ? `; truncated a torn tail of ${r.tornTail.bytesDropped} bytes in ${r.tornTail.file}` : "") +
    (r.quarantined.length ? `; quarantined ${r.quarantined.length} corrupt records` : "") +
    (r.codesDistrusted.length ? `; replayed ${r.codesDistrusted.join(", ")} by string look-up after the quarantine` : ""));
  let exiting = false;
  const shutdown = (signal: string) => {
    if (exiting) return;
    exiting = true;
    console.error(`${signal}: draining in-flight batches`);
    running.stop().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === "serve") { await serve(rest); return -1; }
    if (command === "keys") return keysCommand(rest, (line) => console.log(line));
    if (command === "train") return await trainCommand(rest, (line) => console.log(line));
    if (command === "lake-query") return await lakeQueryCommand(rest, (line) => console.log(line));
    if (command === undefined || command === "--help" || command === "-h" || command === "help") {
      console.log(usage());
      return command === undefined ? 2 : 0;
    }
    console.error(`caracal: unknown command "${command}"\n\n${usage()}`);
    return 2;
  } catch (e) {
    const message = e instanceof EngineError || (e as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION"
      ? (e as Error).message : (e as Error).stack ?? String(e);
    console.error(`caracal: ${message}`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
if (code >= 0) process.exit(code);
