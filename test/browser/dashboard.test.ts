// The dashboard page end to end, in headless Chromium against the real server fed with seeded
// events: every panel shows what SQL says, a newly ingested event reaches the live traffic panel
// within 2 s, the campaign and range filters change what is shown, the SQL console runs queries
// (keyboard included), shows errors at their position and downloads CSV/Parquet, the funnel and
// social panels render when the snapshot carries them, a key-protected server asks for a key once,
// and nothing is loaded from outside the server's origin. Screenshots go to test-artifacts/.
// Every wait is bounded; the browser and the servers are closed in afterAll even after a failure.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { ndjson, postEvents, startCaracalProcess, tempDataDir, type CaracalProcess } from "../helpers/caracal-process.ts";
import { launchChromium, type Chromium } from "./chromium.ts";
import { expectedBoard, shownBoard, type Range } from "./expected-board.ts";
import { REJECTED_LINES, seedEvents } from "./seed-events.ts";

const SEED = Number(process.env.DASHBOARD_SEED ?? 20_260_604);
const EVENTS = 1500;
const ROOT = join(import.meta.dir, "..", "..");
const ARTIFACTS = join(ROOT, "test-artifacts");
const MAIN = join(ROOT, "server", "main.ts");
const READ_BOARD = readFileSync(join(import.meta.dir, "read-board.js"), "utf8");
const WAIT_MS = 10_000;

let srv: CaracalProcess | null = null;
let chrome: Chromium | null = null;
let page: Page;
/** Every URL the browser asked for (pages, assets, fetches, WebSockets), and the servers' hosts. */
const requested: string[] = [];
const serverHosts = new Set<string>();
const cleanups: (() => PromiseLike<unknown>)[] = [];

/** Closes what beforeAll opened, newest first; one failing close does not keep the others open. */
async function cleanup(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch((e) => console.error(`cleanup: ${(e as Error).message}`));
}

async function sql(q: string): Promise<unknown[][]> {
  const res = await fetch(`${srv!.url}/v1/sql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sql: q }) });
  const body = (await res.json()) as { rows: unknown[][] };
  if (!res.ok) throw new Error(`${q}\n-> ${JSON.stringify(body)}`);
  return body.rows;
}

/** What the board shows once it is consistent for `want` (read-board.js), within WAIT_MS. */
async function readBoard(p: Page, want: { minutes: number; campaign: string | null } | null = null): Promise<any> {
  const h = await p.waitForFunction(`(${READ_BOARD.trim()})(${JSON.stringify(want)})`, undefined, { timeout: WAIT_MS, polling: 100 });
  return h.jsonValue();
}

/** Two animation frames: the charts have drawn what the last resize or update asked for. */
const frames = (p: Page) => p.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))");

beforeAll(async () => {
  console.log(`dashboard browser test: seed ${SEED} (set DASHBOARD_SEED to replay)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  try {
    srv = await startCaracalProcess();
    serverHosts.add(new URL(srv.url).host);
    cleanups.push(() => srv![Symbol.asyncDispose]());
    const seeded = await postEvents(srv.url, ndjson(seedEvents(SEED, EVENTS, Date.now())));
    expect(seeded.body.accepted).toBe(EVENTS);
    expect((await postEvents(srv.url, REJECTED_LINES.join("\n") + "\n")).body.rejected).toBe(REJECTED_LINES.length);
    for (const rule of [
      { name: "pv-spike", kind: "threshold", metric: "pv", op: ">", value: 1e9, severity: "critical" },
      { name: "late-events", kind: "threshold", metric: "dq_late", op: ">", value: 1e9, severity: "info" },
    ]) expect((await fetch(`${srv.url}/v1/alerts`, { method: "POST", body: JSON.stringify(rule), headers: { "content-type": "application/json" } })).status).toBe(201);
    chrome = await launchChromium({ width: 1920, height: 1080 });
    cleanups.push(() => chrome![Symbol.asyncDispose]());
    chrome.context.setDefaultTimeout(WAIT_MS);
    chrome.context.on("request", (r) => requested.push(r.url()));
    page = await chrome.context.newPage();
    page.on("websocket", (ws) => requested.push(ws.url()));
    page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
    await page.goto(`${srv.url}/`, { timeout: 30_000 });
  } catch (e) {
    await cleanup();
    throw e;
  }
}, 90_000);

afterAll(cleanup);

test("every panel shows what SQL says over the same range", async () => {
  // Derived state follows ingest shortly after it is acknowledged: wait (bounded) until the board has
  // every seeded event and every rejection reason, then compare the whole board with SQL.
  const [[stored]] = (await sql("SELECT count(*) FROM events")) as [[number]];
  const [[reasons]] = (await sql("SELECT count(DISTINCT code) FROM _dead_letters")) as [[number]];
  await page.waitForFunction(`Number(document.querySelector('[data-panel="throughput"] [data-figure="events_total"]')?.dataset.value) === ${stored}
    && document.querySelectorAll('[data-panel="quality"] tbody tr').length === ${reasons}`, undefined, { timeout: WAIT_MS, polling: 100 });
  const shown = await readBoard(page, { minutes: 60, campaign: null });
  const range: Range = shown.range;
  expect({
    states: shown.states,
    board: shownBoard(shown),
    alerts: shown.alerts.map((a: any) => ({ rule: a.rule, severity: a.severity, metric: a.metric, known: ["inactive", "pending", "firing"].includes(a.state) })),
    notConfigured: [shown.social.text.includes("Social listening not configured")],
    // The default purchase funnel: its steps in order, each with no more entrants than the one before.
    funnel: { names: shown.funnel.steps.map((r: any) => r.name), narrowing: shown.funnel.steps.every((r: any, i: number, all: any[]) => i === 0 || r.users <= all[i - 1].users) },
  }).toEqual({
    states: { kpis: "ready", traffic: "ready", conversions: "ready", throughput: "ready", campaigns: "ready", funnel: "ready", countries: "ready", devices: "ready", "top-items": "ready", alerts: "ready", quality: "ready", social: "not-configured" },
    board: await expectedBoard(sql, range),
    alerts: [{ rule: "late-events", severity: "info", metric: "dq_late", known: true }, { rule: "pv-spike", severity: "critical", metric: "pv", known: true }],
    notConfigured: [true],
    funnel: { names: ["view", "cart", "purchase"], narrowing: true },
  });
}, 30_000);

test("an event ingested after load changes the live traffic panel within 2 s", async () => {
  const figure = page.locator('[data-panel="traffic"] [data-figure="pv_total"]');
  const before = Number(await figure.getAttribute("data-value"));
  const t0 = performance.now();
  const res = await postEvents(srv!.url, ndjson([{ event_id: "live-1", type: "page_view", user_id: "live-user", ts: Date.now(), campaign: "retarget", country: "US", device: "mobile" }]));
  expect(res.body.accepted).toBe(1);
  await page.waitForFunction(`Number(document.querySelector('[data-panel="traffic"] [data-figure="pv_total"]').dataset.value) === ${before + 1}`,
    undefined, { timeout: Math.max(1, 2000 - (performance.now() - t0)), polling: 20 });
  const elapsedMs = performance.now() - t0;
  console.log(`live traffic panel changed ${elapsedMs.toFixed(0)} ms after the POST began`);
  expect({ after: Number(await figure.getAttribute("data-value")), within2s: elapsedMs < 2000 }).toEqual({ after: before + 1, within2s: true });
});

test("the campaign filter and the time range change what every panel shows, over the same WebSocket", async () => {
  const sockets = () => requested.filter((u) => u.startsWith("ws")).length;
  const socketsBefore = sockets();
  await page.selectOption("#campaign", "retarget");
  const byCampaign = await readBoard(page, { minutes: 60, campaign: "retarget" });
  const campaignBoard = shownBoard(byCampaign);
  await page.selectOption("#range", "15");
  const both = await readBoard(page, { minutes: 15, campaign: "retarget" });
  const url = new URL(page.url());
  await page.selectOption("#campaign", "");
  await page.selectOption("#range", "60");
  await readBoard(page, { minutes: 60, campaign: null });
  expect({
    newSockets: sockets() - socketsBefore, campaignBoard, campaigns: byCampaign.campaigns.map((c: any) => c.campaign),
    both: shownBoard(both), minutes: both.traffic.points.length, url: [url.searchParams.get("minutes"), url.searchParams.get("campaign")],
  }).toEqual({
    newSockets: 0, campaignBoard: await expectedBoard(sql, byCampaign.range), campaigns: ["retarget"],
    both: await expectedBoard(sql, both.range), minutes: 15, url: ["15", "retarget"],
  });
}, 45_000);

test("the SQL console runs a query with the keyboard, shows its rows, marks an error's position and downloads CSV and Parquet", async () => {
  await page.click("#tab-sql");
  const q = "SELECT country, count(*) AS events FROM events GROUP BY 1 ORDER BY 2 DESC, 1";
  await page.fill("#sql-text", q);
  await page.focus("#sql-text");
  await page.keyboard.press("Control+Enter");
  await page.locator('[data-testid="sql-result"] table').waitFor({ timeout: WAIT_MS });
  const trs = await page.locator('[data-testid="sql-result"] tbody tr').all();
  const rows = await Promise.all(trs.map((tr) => tr.locator("td").allTextContents()));
  const expected = (await sql(q)).map((r) => r.map((v) => (v === null ? "NULL" : String(v))));
  const chartShown = await page.locator("#sql-chart").isVisible();
  await page.screenshot({ path: join(ARTIFACTS, "sql-console-1920x1080.png") });

  const [csv] = await Promise.all([page.waitForEvent("download", { timeout: WAIT_MS }), page.click("#sql-csv")]);
  const csvText = readFileSync(await csv.path(), "utf8");
  const [parquet] = await Promise.all([page.waitForEvent("download", { timeout: WAIT_MS }), page.click("#sql-parquet")]);
  const parquetBytes = readFileSync(await parquet.path());
  const serverCsv = await (await fetch(`${srv!.url}/v1/sql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sql: q, format: "csv" }) })).text();

  const bad = "SELECT country,\n  count(*)\nFROM events\nWHERE tipe = 'x'";
  await page.fill("#sql-text", bad);
  await page.click("#sql-run");
  const mark = page.locator('[data-testid="sql-error"] mark');
  await mark.waitFor({ timeout: WAIT_MS });
  const error = { code: await page.locator('[data-testid="sql-error"] strong').textContent(), marked: await mark.textContent(), position: await mark.getAttribute("data-position") };
  await page.screenshot({ path: join(ARTIFACTS, "sql-console-error-1920x1080.png") });
  await page.click("#tab-live");
  expect({
    rows, chartShown, csv: [csv.suggestedFilename(), csvText], parquet: [parquet.suggestedFilename(), parquetBytes.subarray(0, 4).toString(), parquetBytes.subarray(-4).toString()], error,
  }).toEqual({
    rows: expected, chartShown: true, csv: ["caracal-result.csv", serverCsv], parquet: ["caracal-result.parquet", "PAR1", "PAR1"],
    error: { code: "sql_error", marked: "tipe", position: String(bad.indexOf("tipe")) },
  });
}, 30_000);

test("the keyboard reaches the tabs, filters and SQL console, with a visible focus", async () => {
  await page.goto(`${srv!.url}/`, { timeout: 30_000 });
  await readBoard(page, { minutes: 60, campaign: null });
  const focused = () => page.evaluate("(() => { const e = document.activeElement; return e ? (e.id || e.dataset.testid || e.tagName) : null; })()");
  const order: unknown[] = [];
  for (let i = 0; i < 5; i++) { await page.keyboard.press("Tab"); order.push(await focused()); }
  const outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle");
  // On the range selector (Shift+Tab back from the campaign filter): arrow keys choose, the view follows.
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("ArrowUp");
  const changed = await readBoard(page, { minutes: 15, campaign: null });
  await page.keyboard.press("ArrowDown");
  await readBoard(page, { minutes: 60, campaign: null });
  // Back to the SQL tab, Enter opens the console; Tab reaches the editor; Ctrl+Enter runs.
  for (let i = 0; i < 3 && (await focused()) !== "tab-sql"; i++) await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Enter");
  const selected = await page.getAttribute("#tab-sql", "aria-selected");
  for (let i = 0; i < 10 && (await focused()) !== "sql-text"; i++) await page.keyboard.press("Tab");
  const editor = await focused();
  await page.keyboard.press("Control+A");
  await page.keyboard.type("SELECT 41 + 1 AS answer");
  await page.keyboard.press("Control+Enter");
  await page.locator('[data-testid="sql-result"] td').first().waitFor({ timeout: WAIT_MS });
  const answer = await page.locator('[data-testid="sql-result"] tbody td').first().textContent();
  await page.click("#tab-live");
  expect({ order, outline: outline !== "none", minutes: changed.range.minutes, selected, editor, answer })
    .toEqual({ order: ["skip-to-sql", "tab-live", "tab-sql", "range", "campaign"], outline: true, minutes: 15, selected: "true", editor: "sql-text", answer: "42" });
}, 45_000);

test("funnel and social panels render the snapshot's funnel and social data when present", async () => {
  const funnel = {
    name: "checkout", time_to_convert_ms: { p50: 90_000, p90: 600_000, p99: 3_600_000 },
    steps: [
      { name: "view_item", users: 120, conversion_from_previous: null, conversion_from_first: 1 },
      { name: "add_to_cart", users: 48, conversion_from_previous: 0.4, conversion_from_first: 0.4 },
      { name: "purchase", users: 12, conversion_from_previous: 0.25, conversion_from_first: 0.1 },
    ],
  };
  const social = {
    unit: "mentions in the range",
    brands: [{ brand: "Acme", mentions: 30, share_of_voice: 0.6, sentiment_avg: 0.2, negative: 3 }, { brand: "Globex", mentions: 20, share_of_voice: 0.4, sentiment_avg: -0.1, negative: 7 }],
    trending: [{ term: "sale", count: 12 }, { term: "shipping", count: 5 }],
  };
  const p = await chrome!.context.newPage();
  try {
    // The server's own frames, with the two keys other work will add: the page must draw them.
    await p.routeWebSocket(/\/v1\/dashboard\/ws/, (ws) => {
      const server = ws.connectToServer();
      server.onMessage((m) => {
        const frame = JSON.parse(String(m));
        ws.send(JSON.stringify(frame.range ? { ...frame, funnel, social } : frame));
      });
    });
    await p.goto(`${srv!.url}/`, { timeout: 30_000 });
    const shown = await readBoard(p, { minutes: 60, campaign: null });
    await frames(p);
    await p.screenshot({ path: join(ARTIFACTS, "dashboard-funnel-social-1920x1080.png") });
    expect({ states: [shown.states.funnel, shown.states.social], steps: shown.funnel.steps, ttc: shown.funnel.figures, brands: shown.social.brands, trending: shown.social.trending }).toEqual({
      states: ["ready", "ready"],
      steps: funnel.steps.map((s) => ({ name: s.name, users: s.users, conversion_from_previous: s.conversion_from_previous, conversion_from_first: s.conversion_from_first })),
      ttc: { ttc_p50: 90_000, ttc_p90: 600_000, ttc_p99: 3_600_000 },
      brands: social.brands, trending: social.trending,
    });
  } finally {
    await p.close();
  }
}, 30_000);

test("fits a 1920x1080 wall screen without scrolling and reflows to two columns on laptops; screenshots", async () => {
  const layout = async (width: number, height: number, file: string) => {
    await page.setViewportSize({ width, height });
    await readBoard(page, { minutes: 60, campaign: null });
    await frames(page);
    await page.screenshot({ path: join(ARTIFACTS, file), fullPage: true });
    return page.evaluate(`(() => ({
      vScroll: document.documentElement.scrollHeight > innerHeight, hScroll: document.documentElement.scrollWidth > innerWidth,
      columns: getComputedStyle(document.getElementById("view-live")).gridTemplateColumns.split(" ").length,
    }))()`);
  };
  const wall = await layout(1920, 1080, "dashboard-1920x1080.png");
  const laptop = await layout(1366, 768, "dashboard-1366x768.png");
  const laptop2 = await layout(1440, 900, "dashboard-1440x900.png");
  await page.setViewportSize({ width: 1920, height: 1080 });
  expect({ wall, laptop, laptop2 }).toEqual({
    wall: { vScroll: false, hScroll: false, columns: 5 },
    laptop: { vScroll: true, hScroll: false, columns: 2 },
    laptop2: { vScroll: true, hScroll: false, columns: 2 },
  });
}, 45_000);

test("a server that requires keys gets one from the user once, and the page uses it for fetches and the WebSocket", async () => {
  const dataDir = tempDataDir();
  const made = Bun.spawnSync([process.execPath, MAIN, "keys", "create", "--name", "wall", "--roles", "query", "--data", dataDir]);
  expect(made.exitCode).toBe(0);
  const key = made.stdout.toString().split("\n")[0]!;
  const keyed = await startCaracalProcess({ dataDir });
  serverHosts.add(new URL(keyed.url).host);
  const p = await chrome!.context.newPage();
  const sockets: string[] = [];
  p.on("websocket", (ws) => sockets.push(ws.url()));
  try {
    await p.goto(`${keyed.url}/`, { timeout: 30_000 });
    const dialog = p.locator('[data-testid="key-dialog"]');
    await dialog.waitFor({ state: "visible", timeout: WAIT_MS });
    const asked = await p.getAttribute("#conn", "data-state");
    await p.fill("#key-input", `${key}x`);
    await p.keyboard.press("Enter");
    // A wrong key: the dialog comes back with the server's reason.
    await p.locator("#key-message", { hasText: "not valid" }).waitFor({ timeout: WAIT_MS });
    await p.fill("#key-input", key);
    await p.keyboard.press("Enter");
    await p.locator('#conn[data-state="live"]').waitFor({ timeout: WAIT_MS });
    await readBoard(p, { minutes: 60, campaign: null });
    await p.reload({ timeout: 30_000 });
    await p.locator('#conn[data-state="live"]').waitFor({ timeout: WAIT_MS });
    expect({
      asked, stored: await p.evaluate("localStorage.getItem('caracal.api_key')"), dialogAfterReload: await dialog.isVisible(),
      lastSocketHasKey: new URL(sockets[sockets.length - 1]!).searchParams.get("api_key"),
    }).toEqual({ asked: "key-needed", stored: key, dialogAfterReload: false, lastSocketHasKey: key });
  } finally {
    await p.close();
    await keyed[Symbol.asyncDispose]();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 60_000);

test("nothing is loaded from outside the server's origin, the snapshot is never polled, and the served page names no other host", async () => {
  const outside = requested.filter((u) => {
    const x = new URL(u);
    return !(x.protocol === "data:" || x.protocol === "blob:" || serverHosts.has(x.host));
  });
  const html = await (await fetch(`${srv!.url}/`)).text();
  const assets = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!);
  const texts = [html, ...(await Promise.all(assets.map(async (a) => (await fetch(`${srv!.url}${a}`)).text())))];
  const absolute = [...new Set(texts.flatMap((t) => [...t.matchAll(/\b(?:https?|wss?):\/\/[^\s"'`)<>\\]+/g)].map((m) => m[0])))];
  // The one absolute URL in the bundle is zrender's license link inside a comment, never fetched.
  const polled = requested.filter((u) => /^https?:\/\/[^/]+\/v1\/dashboard/.test(u));
  expect({ outside, polled, absolute, assetKinds: assets.map((a) => a.split(".").pop()).sort(), requestedSome: requested.length > 2 })
    .toEqual({ outside: [], polled: [], absolute: ["https://github.com/ecomfe/zrender/blob/master/LICENSE"], assetKinds: ["css", "js"], requestedSome: true });
});
