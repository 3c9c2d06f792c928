// The dashboard page from the single binary: `npm run build`'s command makes a binary that, copied
// alone into an empty directory, serves the page and its bundled assets (HTML imports are bundled at
// build time and embedded) with no URL of another host; Chromium loads it and goes live. Then the
// binary is stopped: the page shows "reconnecting" and, once a binary listens on the same port
// again, goes live by itself (backoff, no reload). Bounded waits; everything closed in finally.

import { expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startCaracalProcess, type CaracalProcess } from "../helpers/caracal-process.ts";
import { launchChromium, type Chromium } from "./chromium.ts";

const ROOT = join(import.meta.dir, "..", "..");
const WAIT_MS = 20_000;

async function buildBinary(out: string): Promise<string> {
  const script = ((await Bun.file(join(ROOT, "package.json")).json()) as { scripts: { build: string } }).scripts.build;
  const args = script.replace(/^bun build/, "build").replace("dist/caracal", join(out, "build", "caracal")).split(/\s+/);
  const build = Bun.spawnSync([process.execPath, ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.toString()}`);
  const alone = join(out, "alone");
  mkdirSync(alone, { recursive: true });
  copyFileSync(join(out, "build", "caracal"), join(alone, "caracal"));
  Bun.spawnSync(["chmod", "+x", join(alone, "caracal")]);
  return alone;
}

function startBinary(alone: string, run: string, port = 0): Promise<CaracalProcess> {
  return startCaracalProcess({
    command: [join(alone, "caracal")], cwd: alone, dataDir: join(alone, run), args: port ? ["--port", String(port)] : [],
    env: { CARACAL_CACHE_DIR: join(alone, "cache"), PATH: "/usr/bin:/bin", NODE_PATH: "" },
  });
}

test("the compiled binary serves the page with embedded assets and no other host; the page reconnects after a restart", async () => {
  const out = mkdtempSync(join(tmpdir(), "caracal-page-bin-"));
  let first: CaracalProcess | null = null, second: CaracalProcess | null = null, chrome: Chromium | null = null;
  try {
    const alone = await buildBinary(out);
    first = await startBinary(alone, "data-1");
    const html = await (await fetch(`${first.url}/`)).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!);
    const served = await Promise.all(assets.map(async (a) => {
      const res = await fetch(`${first!.url}${a}`);
      return { kind: a.split(".").pop(), status: res.status, type: (res.headers.get("content-type") ?? "").split(";")[0], text: await res.text() };
    }));
    const absolute = [...new Set([html, ...served.map((s) => s.text)].flatMap((t) => [...t.matchAll(/\b(?:https?|wss?):\/\/[^\s"'`)<>\\]+/g)].map((m) => m[0])))];
    const sizes = Object.fromEntries(served.map((s) => [s.kind, s.text.length]));
    console.log(`binary page assets: ${JSON.stringify(sizes)} bytes`);

    chrome = await launchChromium({ width: 1366, height: 768 });
    const page = await chrome.context.newPage();
    const states: string[] = [];
    await page.exposeFunction("recordConn", (s: string) => void states.push(s));
    // Every state the indicator passes through, in order (a MutationObserver in the page).
    await page.addInitScript(`addEventListener("DOMContentLoaded", () => {
      const el = document.getElementById("conn");
      new MutationObserver(() => window.recordConn(el.dataset.state)).observe(el, { attributes: true, attributeFilter: ["data-state"] });
    })`);
    await page.goto(`${first.url}/`, { timeout: 30_000 });
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: WAIT_MS });
    await page.locator('[data-panel="traffic"][data-state="ready"]').waitFor({ timeout: WAIT_MS });
    const port = Number(new URL(first.url).port);
    expect(await first.terminate()).toBe(0);
    await page.locator('#conn[data-state="reconnecting"]').waitFor({ timeout: WAIT_MS });
    const shownWhileDown = await page.locator("#conn").textContent();
    second = await startBinary(alone, "data-2", port);
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: WAIT_MS });
    expect({
      assets: served.map((s) => [s.kind, s.status, s.type]).sort(), absolute,
      reconnecting: /reconnecting in .+ \(attempt \d+\)/.test(shownWhileDown ?? ""),
      states: [states[0], states.includes("reconnecting"), states[states.length - 1]],
    }).toEqual({
      assets: [["css", 200, "text/css"], ["js", 200, "text/javascript"]],
      absolute: ["https://github.com/ecomfe/zrender/blob/master/LICENSE"],
      reconnecting: true,
      states: ["connecting", true, "live"],
    });
  } finally {
    await chrome?.[Symbol.asyncDispose]();
    await first?.[Symbol.asyncDispose]();
    await second?.[Symbol.asyncDispose]();
    rmSync(out, { recursive: true, force: true });
  }
}, 120_000);
