// The page's calls to its own server. In open mode (the default on localhost) no key is needed;
// otherwise the user gives an API key with the query role once, it is kept in localStorage, and
// every fetch carries it as `Authorization: Bearer`, the WebSocket URL as `?api_key=` (browsers
// cannot set headers on a WebSocket). Every URL is relative to the page's own origin: the page
// never talks to another host. A 401/403 becomes an AuthError, which the page answers by asking for
// a key; any other error body {"error": {code, message, position?}} becomes an ApiError.

const KEY_STORAGE = "caracal.api_key";

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly position: number | null) {
    super(message);
  }
}

export class AuthError extends ApiError {}

export interface KeyStore {
  getItem(k: string): string | null;
  setItem(k: string, v: string): void;
  removeItem(k: string): void;
}

export class ApiClient {
  constructor(private readonly store: KeyStore, private readonly origin: string = location.origin) {}

  get key(): string | null {
    try { return this.store.getItem(KEY_STORAGE); } catch { return null; }
  }

  setKey(key: string | null): void {
    try {
      if (key === null || key === "") this.store.removeItem(KEY_STORAGE);
      else this.store.setItem(KEY_STORAGE, key);
    } catch { /* storage disabled: the key lives for this page only */ }
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    const k = this.key;
    return k ? { ...extra, authorization: `Bearer ${k}` } : extra;
  }

  /** A fetch on this origin; non-2xx answers throw ApiError (AuthError for 401/403). */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(new URL(path, this.origin), { ...init, headers: this.headers((init.headers ?? {}) as Record<string, string>) });
    if (res.ok) return res;
    let code = `http_${res.status}`, message = `${res.status} ${res.statusText}`, position: number | null = null;
    try {
      const body = (await res.json()) as { error?: { code?: string; message?: string; position?: number } };
      if (body.error) { code = body.error.code ?? code; message = body.error.message ?? message; position = body.error.position ?? null; }
    } catch { /* not JSON: keep the status line */ }
    throw res.status === 401 || res.status === 403 ? new AuthError(res.status, code, message, position) : new ApiError(res.status, code, message, position);
  }

  async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    return (await (await this.fetch(path, init)).json()) as T;
  }

  /** ws(s)://this-origin/path?params[&api_key=...] */
  wsUrl(path: string, params: Record<string, string>): string {
    const u = new URL(path, this.origin);
    u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    const k = this.key;
    if (k) u.searchParams.set("api_key", k);
    return u.toString();
  }
}
