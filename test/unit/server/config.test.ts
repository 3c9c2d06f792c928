import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, parseFsync } from "../../../server/config.ts";

const dir = mkdtempSync(join(tmpdir(), "caracal-config-"));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe("config", () => {
  test("defaults need nothing", () => {
    const c = loadConfig({}, {});
    expect({ host: c.host, port: c.port, dataDir: c.dataDir, fsync: c.fsync, tables: c.tables.map((t) => t.name) })
      .toEqual({ host: "127.0.0.1", port: 8080, dataDir: "./data", fsync: { kind: "batch" }, tables: ["events"] });
  });

  test("the /v1/metrics answer cache: 16 MiB by default, rollups.answer_cache_bytes sets it, 0 turns it off, negative is refused", () => {
    expect(loadConfig({}, {}).metricsCacheBytes).toBe(16 * 1024 * 1024);
    expect(loadConfig({ config: file("cache0.json", JSON.stringify({ rollups: { answer_cache_bytes: 0 } })) }, {}).metricsCacheBytes).toBe(0);
    expect(() => loadConfig({ config: file("cacheneg.json", JSON.stringify({ rollups: { answer_cache_bytes: -1 } })) }, {})).toThrow(/answer_cache_bytes/);
  });

  test("flags beat environment, which beats the file", () => {
    const path = file("layers.json", JSON.stringify({ port: 1111, host: "0.0.0.0", fsync: "off", limits: { body_bytes_max: 5000 } }));
    const c = loadConfig({ config: path, port: "3333" }, { CARACAL_PORT: "2222", CARACAL_FSYNC: "interval:50", CARACAL_LIMITS_BODY_BYTES_MAX: "7000" });
    expect([c.port, c.host, c.fsync, c.bodyBytesMax]).toEqual([3333, "0.0.0.0", { kind: "interval", ms: 50 }, 7000]);
  });

  test("TOML files declare streams and extra event columns", () => {
    const path = file("t.toml", `[tables.events.columns]\nloyalty_tier = "string"\n[tables.sensors.columns]\ntemperature = "float"\n`);
    const c = loadConfig({ config: path }, {});
    const events = c.tables.find((t) => t.name === "events")!;
    const sensors = c.tables.find((t) => t.name === "sensors")!;
    expect([events.columns.at(-1)!.name, sensors.columns.map((x) => x.name)])
      .toEqual(["loyalty_tier", ["event_id", "ts", "received_at", "props", "temperature"]]);
  });

  test("bad settings are clear errors", () => {
    const cases: [Record<string, string>, Record<string, string>, RegExp][] = [
      [{ port: "99999" }, {}, /--port must be an integer from 0 to 65535/],
      [{ fsync: "sometimes" }, {}, /fsync policy "sometimes"/],
      [{ config: file("bad.json", "{") }, {}, /not valid JSON/],
      [{ config: file("unknown.json", JSON.stringify({ prot: 1 })) }, {}, /prot/],
      [{ config: file("type.json", JSON.stringify({ tables: { s: { columns: { a: "blob" } } } })) }, {}, /unknown type "blob"/],
      [{ config: file("sys.json", JSON.stringify({ tables: { s: { columns: { ts: "string" } } } })) }, {}, /ts is a system column/],
      [{ config: join(dir, "missing.json") }, {}, /cannot read config file/],
      [{}, { CARACAL_DEDUP_MAX_IDS: "many" }, /CARACAL_DEDUP_MAX_IDS must be an integer/],
    ];
    for (const [flags, env, message] of cases) expect(() => loadConfig(flags, env)).toThrow(message);
  });

  test("fsync policies", () => {
    expect([parseFsync("batch"), parseFsync("off"), parseFsync("interval:250")])
      .toEqual([{ kind: "batch" }, { kind: "off" }, { kind: "interval", ms: 250 }]);
    expect(() => parseFsync("interval:0")).toThrow(/interval/);
  });
});
