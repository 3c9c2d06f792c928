// Social listening against the real server: posts scored as they arrive, brand mentions and share of
// voice per minute equal counts over the raw posts, trending terms, a negative-mention alert rule.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ndjson, postEvents, startCaracalProcess, tempDataDir, type CaracalProcess } from "../helpers/caracal-process.ts";

let srv: CaracalProcess;
const now = Date.now();
const posts = [
  ["I love my new Apple watch, it is amazing", "en"], ["苹果的新手机太棒了", "zh"], ["Apple support was terrible and slow", "en"],
  ["三星电视质量很差，非常失望", "zh"], ["Samsung Galaxy camera is great", "en"], ["pineapple pizza is fine", "en"],
  ["Apple and Samsung reported quarterly numbers", "en"],
];
beforeAll(async () => {
  const conf = join(tempDataDir("caracal-conf-"), "social.json");
  writeFileSync(conf, JSON.stringify({ social: { brands: [{ name: "apple", aliases: ["Apple", "苹果", "iPhone"] }, { name: "samsung", aliases: ["Samsung", "三星", "Galaxy"], competitor: true }] } }));
  srv = await startCaracalProcess({ args: ["--config", conf] });
  const events = posts.map(([text, language], i) => ({ type: "social_post", text, platform: "x", props: { language, author: `a${i}` }, ts: now - i * 1000 }));
  expect((await postEvents(srv.url, ndjson(events))).body.accepted).toBe(posts.length);
});
afterAll(async () => { await srv[Symbol.asyncDispose](); });

test("mentions, share of voice and sentiment per brand match the posts", async () => {
  const s = (await (await fetch(`${srv.url}/v1/social/summary`)).json()) as any;
  const by = Object.fromEntries(s.brands.map((b: any) => [b.brand, b]));
  expect({
    apple: by.apple.mentions, samsung: by.samsung.mentions, sov: Math.round(by.apple.share_of_voice * 1000) / 1000,
    appleNegative: by.apple.negative, samsungNegative: by.samsung.negative, samsungPositive: by.samsung.positive,
  }).toEqual({ apple: 4, samsung: 3, sov: Math.round((4 / 7) * 1000) / 1000, appleNegative: 1, samsungNegative: 1, samsungPositive: 1 });
  const series = (await (await fetch(`${srv.url}/v1/social?metric=mentions&brand=apple&step=60m`)).json()) as any;
  expect(series.points.reduce((n: number, p: number[]) => n + (p[1] ?? 0), 0)).toBe(4);
  const trending = (await (await fetch(`${srv.url}/v1/social/trending?k=50&window=60m`)).json()) as any;
  expect(trending.terms.map((t: any) => t.term)).toContain("apple");
});

test("a negative-mention rule is accepted on social metrics; unknown ones are refused", async () => {
  const ok = await fetch(`${srv.url}/v1/alerts`, { method: "POST", body: JSON.stringify({ name: "apple_neg", metric: "social.negative", filter: { brand: "apple" }, kind: "threshold", op: ">", value: 10 }) });
  const bad = await fetch(`${srv.url}/v1/alerts`, { method: "POST", body: JSON.stringify({ name: "x", metric: "social.nope", kind: "threshold", op: ">", value: 1 }) });
  expect([ok.status, bad.status]).toEqual([201, 400]);
});
