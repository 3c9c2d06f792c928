// Makes DuckDB's native library loadable inside the single binary (`bun build --compile`). The addon
// duckdb.node is linked against libduckdb.so by name with an $ORIGIN runpath; Bun embeds the addon and
// extracts it to a temporary file at load, where no libduckdb.so lies beside it. So the binary also
// embeds libduckdb.so, copies it once to a cache directory, and loads it with RTLD_GLOBAL before the
// addon: the dynamic linker then satisfies the addon's dependency by soname from the loaded library.
// Imported first by server/main.ts; does nothing outside a compiled binary.

import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { constants } from "node:os";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import embeddedLib from "../node_modules/@duckdb/node-bindings-linux-x64/libduckdb.so" with { type: "file" };

const compiled = import.meta.url.includes("/$bunfs/") || import.meta.url.includes("/~BUN/");

function cacheDir(): string {
  const base = process.env.CARACAL_CACHE_DIR ?? process.env.XDG_CACHE_HOME ?? (homedir() ? join(homedir(), ".cache") : tmpdir());
  return join(base, "caracal");
}

if (compiled && process.platform === "linux" && process.arch === "x64") {
  const bytes = new Uint8Array(await Bun.file(embeddedLib).arrayBuffer());
  const dir = cacheDir();
  const path = join(dir, `libduckdb-${Bun.hash(bytes).toString(16)}.so`);
  if (!existsSync(path) || statSync(path).size !== bytes.byteLength) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);  // another process extracting at the same time writes the same bytes
  }
  try {
    process.dlopen({ exports: {} }, path, constants.dlopen.RTLD_NOW | constants.dlopen.RTLD_GLOBAL);
  } catch (e) {
    // Not an addon, so "did not self-register" is expected: the library is loaded all the same.
    if (!/self-register|napi_register|Module did not/i.test((e as Error).message)) throw e;
  }
}
