// /v1/keys (admin): list, create and revoke API keys of DATA/keys.json (auth/access.ts). A created
// key's text is in the answer once and never again: only its hash is stored.

import { z } from "zod";
import { EngineError } from "../../engine/core/errors.ts";
import { ROLES, type ApiKey } from "../auth/api-keys.ts";
import type { Access } from "../auth/access.ts";
import { errorResponse, jsonResponse } from "../errors.ts";

const createBody = z.strictObject({
  name: z.string().min(1).max(128),
  roles: z.array(z.enum(ROLES)).min(1),
  rate_per_s: z.number().min(0).optional(),
  burst: z.number().int().min(1).optional(),
});

const view = (k: ApiKey) => ({ id: k.id, name: k.name, roles: k.roles, rate_per_s: k.ratePerS, burst: k.burst, created_at: k.createdAt });

export function listKeys(access: Access): Response {
  return jsonResponse({ mode: access.open ? "open" : "keys", keys: access.list().map(view) });
}

export async function createKey(req: Request, access: Access): Promise<Response> {
  try {
    let raw: unknown;
    try { raw = await req.json(); } catch { throw new EngineError("malformed_body", "body must be JSON: {\"name\", \"roles\": [...], \"rate_per_s\"?, \"burst\"?}"); }
    const parsed = createBody.safeParse(raw);
    if (!parsed.success) throw new EngineError("bad_argument", z.prettifyError(parsed.error));
    const { text, key } = access.create(parsed.data.name, parsed.data.roles, parsed.data.rate_per_s, parsed.data.burst);
    return jsonResponse({ key: text, ...view(key) }, 201);
  } catch (e) {
    return errorResponse(e);
  }
}

export function revokeKey(id: string, access: Access): Response {
  if (!access.revoke(id)) return errorResponse(new EngineError("not_found", `no key ${id} in the keys file (keys from the config file are removed there)`));
  return jsonResponse({ revoked: id });
}
