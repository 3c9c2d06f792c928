// API keys: who may call what. A key is `ck_<id>_<secret>`; only its SHA-256 is stored (in the
// config file's auth.keys, or in DATA/keys.json, written by `caracal keys create` or POST /v1/keys),
// so a leaked key file grants nothing. Each key has roles and a rate limit.
//
//   ingest  POST /v1/events, the ingest WebSocket
//   query   SQL, tables, metrics, audiences, funnels, alerts (read), the dashboard's data
//   serve   profiles, tags, bids, recommendations
//   admin   everything, plus definitions, uploads, keys, stats, models, /metrics
//
// DATA/keys.json is replaced atomically and re-read when it changes, so a key created by the CLI
// works against a running server within a second, and a revoked one stops working as fast.

import { replaceFileSync } from "../../storage/fs/replace-file.ts";
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import { EngineError } from "../../engine/core/errors.ts";

export const ROLES = ["ingest", "query", "serve", "admin"] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKey {
  readonly id: string;
  readonly name: string;
  readonly roles: readonly Role[];
  /** Hex SHA-256 of the whole key text. */
  readonly sha256: string;
  /** Requests per second (token bucket refill); 0 = unlimited. */
  readonly ratePerS: number;
  /** Bucket size: requests allowed in a burst. */
  readonly burst: number;
  readonly createdAt: string;
}

export const keySpec = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{8,32}$/, "8 to 32 hex digits"),
  name: z.string().min(1).max(128),
  roles: z.array(z.enum(ROLES)).min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "64 hex digits"),
  rate_per_s: z.number().min(0).optional(),
  burst: z.number().int().min(1).optional(),
  created_at: z.string().optional(),
});
export type KeySpec = z.infer<typeof keySpec>;

const KEY_RE = /^ck_([0-9a-f]{8,32})_([A-Za-z0-9]{16,128})$/;
export const KEYS_FILE = "keys.json";

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function fromSpec(s: KeySpec): ApiKey {
  const ratePerS = s.rate_per_s ?? 0;
  return { id: s.id, name: s.name, roles: s.roles, sha256: s.sha256, ratePerS, burst: s.burst ?? Math.max(1, Math.ceil(ratePerS)), createdAt: s.created_at ?? "" };
}

export function toSpec(k: ApiKey): KeySpec {
  return { id: k.id, name: k.name, roles: [...k.roles], sha256: k.sha256, rate_per_s: k.ratePerS, burst: k.burst, created_at: k.createdAt };
}

/** A new key: the text to hand out once, and what is stored. */
export function newKey(name: string, roles: readonly Role[], ratePerS = 0, burst?: number): { text: string; key: ApiKey } {
  const id = randomBytes(6).toString("hex");
  const secret = randomBytes(24).toString("base64").replace(/[^A-Za-z0-9]/g, "").slice(0, 32).padEnd(32, "0");
  const text = `ck_${id}_${secret}`;
  return { text, key: { id, name, roles: [...roles], sha256: sha256Hex(text), ratePerS, burst: burst ?? Math.max(1, Math.ceil(ratePerS)), createdAt: new Date().toISOString() } };
}

export function parseRoles(text: string): Role[] {
  const roles = text.split(",").map((r) => r.trim()).filter((r) => r !== "");
  for (const r of roles) if (!(ROLES as readonly string[]).includes(r)) throw new EngineError("bad_argument", `unknown role ${r}: use ${ROLES.join(", ")}`);
  if (roles.length === 0) throw new EngineError("bad_argument", `at least one role: ${ROLES.join(", ")}`);
  return roles as Role[];
}

/** The keys of DATA/keys.json (empty when there is no file). */
export function readKeysFile(dataDir: string): ApiKey[] {
  const path = join(dataDir, KEYS_FILE);
  if (!existsSync(path)) return [];
  let raw: unknown;
  try { raw = JSON.parse(readFileSync(path, "utf8")); } catch (e) {
    throw new EngineError("bad_config", `${path} is not valid JSON (${(e as Error).message})`);
  }
  const parsed = z.strictObject({ keys: z.array(keySpec) }).safeParse(raw);
  if (!parsed.success) throw new EngineError("bad_config", `${path}:\n${z.prettifyError(parsed.error)}`);
  return parsed.data.keys.map(fromSpec);
}

/** Replaces DATA/keys.json atomically and durably (storage/fs/replace-file.ts); readable by the owner only. */
export function writeKeysFile(dataDir: string, keys: readonly ApiKey[]): void {
  const path = join(dataDir, KEYS_FILE);
  mkdirSync(dirname(path), { recursive: true });
  replaceFileSync(path, JSON.stringify({ keys: keys.map(toSpec) }, null, 1), 0o600);
}

export function keysFileMtime(dataDir: string): number {
  try { return statSync(join(dataDir, KEYS_FILE)).mtimeMs; } catch { return 0; }
}

/** The key a token names, if its hash matches; constant time in the secret. */
export function verifyToken(token: string, byId: ReadonlyMap<string, ApiKey>): ApiKey | undefined {
  const m = KEY_RE.exec(token);
  if (!m) return undefined;
  const key = byId.get(m[1]!);
  if (!key) return undefined;
  const a = Buffer.from(sha256Hex(token), "hex"), b = Buffer.from(key.sha256, "hex");
  return a.length === b.length && timingSafeEqual(a, b) ? key : undefined;
}
