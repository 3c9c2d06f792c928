// Access control for every route: which key a request carries, whether its roles allow the route,
// and whether its rate limit has room. Modes:
//
//   open   no key needed (the default when bound to a loopback address and no key exists)
//   keys   every route but /healthz and the dashboard's static page needs a key with the route's role
//   auto   (default) keys as soon as one key exists or the host is not a loopback address
//
// A key comes as `Authorization: Bearer <key>`, `X-Api-Key: <key>` (the header ad servers and
// exchanges commonly send), or `?api_key=<key>` (for clients that cannot set headers).

import { EngineError } from "../../engine/core/errors.ts";
import { keysFileMtime, newKey, readKeysFile, verifyToken, writeKeysFile, type ApiKey, type Role } from "./api-keys.ts";
import { QueryParams } from "../query-params.ts";

export type AuthMode = "auto" | "open" | "keys";

export interface AccessOptions {
  readonly mode: AuthMode;
  readonly host: string;
  readonly dataDir: string;
  /** Keys from the config file (hashed); DATA/keys.json adds more. */
  readonly configKeys: readonly ApiKey[];
  /** ms between checks of DATA/keys.json for changes. */
  readonly reloadMs?: number;
}

const TOKEN_CACHE_MAX = 1024;

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

export class Access {
  private byId = new Map<string, ApiKey>();
  private fileKeys: ApiKey[] = [];
  private fileMtime = -1;
  private readonly tokens = new Map<string, ApiKey>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly timer: ReturnType<typeof setInterval>;
  readonly counters = { unauthorized: 0, forbidden: 0, rateLimited: 0 };

  constructor(private readonly opts: AccessOptions) {
    this.reload();
    this.timer = setInterval(() => { try { this.reload(); } catch (e) { console.error(`keys file: ${(e as Error).message}`); } }, opts.reloadMs ?? 1000);
    this.timer.unref?.();
  }

  get open(): boolean {
    if (this.opts.mode === "open") return true;
    if (this.opts.mode === "keys") return false;
    return this.byId.size === 0 && isLoopback(this.opts.host);
  }

  get keyCount(): number {
    return this.byId.size;
  }

  /** Re-reads DATA/keys.json when it changed. */
  reload(): void {
    const mtime = keysFileMtime(this.opts.dataDir);
    if (mtime === this.fileMtime) return;
    this.fileKeys = readKeysFile(this.opts.dataDir);
    this.fileMtime = mtime;
    this.byId = new Map([...this.opts.configKeys, ...this.fileKeys].map((k) => [k.id, k]));
    this.tokens.clear();
  }

  /** The caller's key (null in open mode) if it may use a route of `role`; else throws. */
  check(req: Request, role: Role | null): ApiKey | null {
    if (role === null || this.open) return null;
    const token = tokenOf(req);
    if (token === null) {
      this.counters.unauthorized++;
      throw new EngineError("unauthorized", "an API key is required: send Authorization: Bearer <key> (create one with `caracal keys create`)");
    }
    let key = this.tokens.get(token);
    if (key === undefined) {
      key = verifyToken(token, this.byId);
      if (key === undefined) { this.counters.unauthorized++; throw new EngineError("unauthorized", "the API key is not valid (revoked, mistyped, or for another server)"); }
      if (this.tokens.size >= TOKEN_CACHE_MAX) this.tokens.clear();
      this.tokens.set(token, key);
    }
    if (!key.roles.includes(role) && !key.roles.includes("admin")) {
      this.counters.forbidden++;
      throw new EngineError("forbidden", `key ${key.name} (${key.id}) has roles ${key.roles.join(", ")}; this route needs ${role}`);
    }
    if (key.ratePerS > 0 && !this.take(key)) {
      this.counters.rateLimited++;
      throw new EngineError("rate_limited", `key ${key.name} is over its limit of ${key.ratePerS} requests/s (burst ${key.burst}); retry after the Retry-After delay`);
    }
    return key;
  }

  /** Token bucket: refills ratePerS per second up to burst. */
  private take(key: ApiKey): boolean {
    const now = performance.now();
    let b = this.buckets.get(key.id);
    if (!b) this.buckets.set(key.id, (b = { tokens: key.burst, at: now }));
    b.tokens = Math.min(key.burst, b.tokens + ((now - b.at) / 1000) * key.ratePerS);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  list(): ApiKey[] {
    return [...this.byId.values()];
  }

  /** Creates a key in DATA/keys.json; returns its text (shown once). */
  create(name: string, roles: readonly Role[], ratePerS = 0, burst?: number): { text: string; key: ApiKey } {
    this.reload();
    const made = newKey(name, roles, ratePerS, burst);
    writeKeysFile(this.opts.dataDir, [...this.fileKeys, made.key]);
    this.fileMtime = -1;
    this.reload();
    return made;
  }

  /** Removes a key of DATA/keys.json; false when there is none with that id (config keys stay). */
  revoke(id: string): boolean {
    this.reload();
    if (!this.fileKeys.some((k) => k.id === id)) return false;
    writeKeysFile(this.opts.dataDir, this.fileKeys.filter((k) => k.id !== id));
    this.fileMtime = -1;
    this.reload();
    return true;
  }

  close(): void {
    clearInterval(this.timer);
  }
}

function tokenOf(req: Request): string | null {
  const auth = req.headers.get("authorization");
  if (auth !== null) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m ? m[1]! : null;
  }
  const x = req.headers.get("x-api-key");
  if (x !== null) return x.trim();
  if (!req.url.includes("api_key=")) return null;
  return QueryParams.of(req).get("api_key");
}
