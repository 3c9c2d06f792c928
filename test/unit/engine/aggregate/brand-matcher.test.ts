import { describe, expect, test } from "bun:test";
import { BrandMatcher, type BrandDef } from "../../../../engine/aggregate/brand-matcher.ts";
import { Rng } from "../../../sim/rng.ts";
import { referenceMatches, TEST_BRANDS } from "./social-fixtures.ts";

const SEED = Number(process.env.SEED ?? 9001);
console.log(`brand matcher tests: SEED=${SEED}`);


function matched(m: BrandMatcher, text: string): number[] {
  const buf = new Int32Array(m.brandCount);
  return Array.from(buf.subarray(0, m.match(text, buf))).sort((a, b) => a - b);
}

const LOOKALIKES = ["pineapple", "applesauce", "Snapple", "apples", "iPhones", "Samsungs", "galaxies", "xiaomi2", "MiBand", "Googled", "pixels", "ATT", "AT&Tx", "Pixelbook", "小米粥", "苹果汁", "三星堆"];
const FILLER = ["new", "phone", "love", "hate", "the", "camera", "今天", "买了", "手机", "真的", "好用", "价格", "🙂", "2024", "band", "mi", "at", "&", "t"];
const SEPARATORS = [" ", " ", " ", ", ", "#", "@", "!", "，", "。", "", "'s ", "-", "\n"];

function caseVariant(r: Rng, s: string): string {
  switch (r.int(0, 4)) {
    case 0: return s.toLowerCase();
    case 1: return s.toUpperCase();
    case 2: return s;
    case 3: return [...s].map((c) => (r.bool() ? c.toUpperCase() : c.toLowerCase())).join("");
    default: // full-width Latin (ＡＰＰＬＥ), which NFKC folds
      return [...s].map((c) => (/[A-Za-z0-9]/.test(c) ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join("");
  }
}

function post(r: Rng): string {
  const parts: string[] = [];
  for (let k = r.int(1, 12); k > 0; k--) {
    const roll = r.float();
    if (roll < 0.15) { const b = r.pick(TEST_BRANDS); parts.push(caseVariant(r, r.pick([b.name, ...b.aliases]))); }
    else if (roll < 0.4) parts.push(caseVariant(r, r.pick(LOOKALIKES)));
    else parts.push(r.pick(FILLER));
    parts.push(r.pick(SEPARATORS));
  }
  return parts.join("");
}

describe("BrandMatcher", () => {
  test("agrees with a regex per alias on seeded posts with aliases, cases, CJK, full-width and lookalikes", () => {
    const m = new BrandMatcher(TEST_BRANDS), r = new Rng(SEED);
    const posts = Array.from({ length: 5000 }, () => post(r));
    const got = posts.map((p) => matched(m, p)), want = posts.map((p) => referenceMatches(TEST_BRANDS, p));
    const withBrand = want.filter((w) => w.length > 0).length, multi = want.filter((w) => w.length > 1).length;
    console.log(`${posts.length} posts: ${withBrand} mention a brand, ${multi} several; e.g. ${JSON.stringify(posts.slice(0, 3))}`);
    expect(got).toEqual(want);
  });

  test("word boundaries for Latin aliases, substrings for CJK ones, each brand once", () => {
    const m = new BrandMatcher(TEST_BRANDS);
    expect([
      "I love my Apple", "APPLE!", "apple", "#apple", "用apple手机", "苹果", "买了苹果手机", "ＡＰＰＬＥ",
      "pineapple", "apples", "snapple juice", "Google Pixel 8", "my pixel", "pixelated", "mi band 8", "miband",
      "AT&T coverage", "at&t", "at & t", "Apple apple 苹果 iPhone", "", "apple's", "iphone15",
    ].map((t) => matched(m, t))).toEqual([
      [0], [0], [0], [0], [0], [0], [0], [0],
      [], [], [], [3, 4], [4], [], [2], [],
      [5], [5], [], [0], [], [0], [],
    ]);
  });

  test("overlapping aliases of different brands and aliases that are suffixes of others", () => {
    const m = new BrandMatcher([
      { name: "he", aliases: ["he"], competitor: false }, { name: "she", aliases: ["she"], competitor: false },
      { name: "hers", aliases: ["hers"], competitor: false }, { name: "大米", aliases: ["大米"], competitor: false },
      { name: "米", aliases: ["米"], competitor: false },
    ]);
    expect(["she", "hers", "ushers", "he hers she", "大米饭"].map((t) => matched(m, t)))
      .toEqual([[1], [2], [], [0, 1, 2], [3, 4]]);
  });
});
