// `caracal keys create|list|revoke`: manages DATA/keys.json (auth/api-keys.ts) for a server that may
// be running: it re-reads the file within a second.
//
//   caracal keys create --name NAME --roles ingest,query [--rate N] [--burst N] [--data DIR]
//   caracal keys list [--data DIR]
//   caracal keys revoke ID [--data DIR]

import { parseArgs } from "node:util";
import { EngineError } from "../../engine/core/errors.ts";
import { newKey, parseRoles, readKeysFile, writeKeysFile } from "../auth/api-keys.ts";
import { loadConfig } from "../config.ts";

export const KEYS_USAGE = [
  "Usage: caracal keys create --name NAME --roles ROLES [--rate N] [--burst N] [--data DIR] [--config FILE]",
  "       caracal keys list [--data DIR]",
  "       caracal keys revoke ID [--data DIR]",
  "",
  "Roles: ingest, query, serve, admin (comma-separated). --rate: requests per second (0 = unlimited).",
  "The key is printed once; only its SHA-256 is stored, in DATA/keys.json.",
].join("\n");

export function keysCommand(args: string[], out: (line: string) => void): number {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, strict: true,
    options: { name: { type: "string" }, roles: { type: "string" }, rate: { type: "string" }, burst: { type: "string" }, data: { type: "string" }, config: { type: "string" } },
  });
  const config = loadConfig({ ...(values.data ? { data: values.data } : {}), ...(values.config ? { config: values.config } : {}) });
  const [verb, id] = positionals;
  const keys = readKeysFile(config.dataDir);
  if (verb === "create") {
    if (!values.name) throw new EngineError("bad_argument", "--name is required");
    if (!values.roles) throw new EngineError("bad_argument", "--roles is required (e.g. --roles ingest,query)");
    const rate = values.rate === undefined ? 0 : Number(values.rate), burst = values.burst === undefined ? undefined : Number(values.burst);
    if (!(rate >= 0)) throw new EngineError("bad_argument", `--rate must be a number >= 0, got ${values.rate}`);
    if (burst !== undefined && !(Number.isInteger(burst) && burst >= 1)) throw new EngineError("bad_argument", `--burst must be an integer >= 1, got ${values.burst}`);
    const { text, key } = newKey(values.name, parseRoles(values.roles), rate, burst);
    writeKeysFile(config.dataDir, [...keys, key]);
    out(text);
    out(`# id ${key.id}, roles ${key.roles.join(",")}${rate ? `, ${rate} requests/s` : ""}; shown once, store it now`);
    return 0;
  }
  if (verb === "list") {
    for (const k of keys) out(`${k.id}\t${k.name}\t${k.roles.join(",")}\t${k.ratePerS || "unlimited"}\t${k.createdAt}`);
    return 0;
  }
  if (verb === "revoke") {
    if (!id || !keys.some((k) => k.id === id)) throw new EngineError("not_found", `no key ${id ?? "(none given)"} in ${config.dataDir}/keys.json`);
    writeKeysFile(config.dataDir, keys.filter((k) => k.id !== id));
    out(`revoked ${id}`);
    return 0;
  }
  out(KEYS_USAGE);
  return 2;
}
