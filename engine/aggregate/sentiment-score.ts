// Lexicon sentiment for English and Chinese posts, and the post's terms for trending, from one pass
// over its tokens (English: words by a character scan; Chinese: the shared Jieba, without HMM).
//
// Raw score s: the sum over sentiment words of their valence (sentiment-lexicon.ts), where
//   - the longest lexicon entry wins ("does not work", 不 + 满意 -> 不满意 when the lexicon has it);
//   - a negator flips and damps the first sentiment word within the next NEGATION_WINDOW tokens of its
//     clause: v -> -0.75 v ("not good" = -2.25, "not bad" = +2.25; the damping is VADER's, Hutto &
//     Gilbert 2014, "VADER: a parsimonious rule-based model for sentiment analysis of social media
//     text", ICWSM); a Chinese token that is a negator plus an entry (没问题, 不耐用) counts the same;
//   - an intensifier or diminisher scales the next sentiment word within two tokens (very 1.5, 有点 0.6);
//   - a contrast word ("but", 但是) halves what came before and weighs what follows by 1.5;
//   - emoji and a few ASCII emoticons add their valence, unnegated.
// Clause punctuation (. , ! ? ; : and their full-width forms, newlines) ends negation and boosts.
//
// Normalized score: s / sqrt(s^2 + 15), in (-1, 1), odd and increasing (VADER's normalization; one
// word of valence 3 gives 0.61, two give 0.84). Label: positive when the score >= 0.05, negative when
// <= -0.05, else neutral: with integer valences any sentiment word at all decides the label.
//
// Terms (for trending): Chinese tokens of 2+ characters and Latin words of 2+ letters, lower case,
// not stop words (social-stopwords.ts), not numbers, each counted once per post, at most TERMS_MAX.
//
// Allocation: a post costs its tokens (word slices, Jieba's array) and nothing else: the token and
// term arrays are reused across posts.

import { sentimentLexicon, LIKE_SIMILE_BEFORE, type SentimentLexicon } from "./sentiment-lexicon.ts";
import { STOPWORDS_EN, STOPWORDS_ZH } from "./social-stopwords.ts";
import { detectLang, isHan, isWordChar, jieba, langOfHint, LANG_EN, LANG_NAMES, LANG_ZH, type Lang } from "./social-text.ts";

export type SentimentLabel = "positive" | "neutral" | "negative";

export interface SentimentResult {
  readonly score: number;
  readonly label: SentimentLabel;
  readonly lang: Lang;
}

export const NORMALIZE_ALPHA = 15;
export const LABEL_THRESHOLD = 0.05;
export const NEGATION_SCALAR = -0.75;
const NEGATION_WINDOW = 3;
const BOOST_WINDOW = 2;
const CONTRAST_BEFORE = 0.5, CONTRAST_AFTER = 1.5;
/** Terms kept per post: a spam post of 10k distinct words must not flood the sketch. */
export const TERMS_MAX = 64;
/** Tokens scored per post (longer texts are scored on their first TOKENS_MAX tokens). */
const TOKENS_MAX = 4096;

const BREAK = 1;

/** s / sqrt(s^2 + alpha): see the header. */
export function normalizeScore(raw: number): number {
  return raw === 0 ? 0 : raw / Math.sqrt(raw * raw + NORMALIZE_ALPHA);
}

export function labelOf(score: number): SentimentLabel {
  return score >= LABEL_THRESHOLD ? "positive" : score <= -LABEL_THRESHOLD ? "negative" : "neutral";
}

function isClauseBreak(c: number): boolean {
  return c === 0x2e || c === 0x2c || c === 0x21 || c === 0x3f || c === 0x3b || c === 0x3a || c === 0x0a ||
    c === 0x3002 || c === 0xff0c || c === 0xff01 || c === 0xff1f || c === 0xff1b || c === 0xff1a || c === 0x3001 ||
    c === 0x2026 || c === 0xff5e || c === 0x7e;
}

function isDigits(w: string): boolean {
  for (let i = 0; i < w.length; i++) { const c = w.charCodeAt(i); if (c < 0x30 || c > 0x39) return false; }
  return true;
}

/** Negator prefixes that Jieba may fuse with the word they negate (没问题, 不耐用, 没有问题). */
const ZH_NEG_PREFIX2 = ["没有", "不是", "从不", "并不", "毫不", "绝不"];
const ZH_NEG_PREFIX1 = "不没无未别非";
/** Intensifiers that Jieba may fuse with the word they scale (太慢, 超好). */
const ZH_BOOST_PREFIX = "太超很巨贼真最";

export class SocialAnalyzer {
  /** The terms of the last analyzed post: terms[0 .. termCount). */
  readonly terms: string[] = [];
  termCount = 0;
  private readonly words: string[] = [];
  private flags = new Uint8Array(256);
  private wordCount = 0;
  private emojiSum = 0;

  constructor(readonly lexicon: SentimentLexicon = sentimentLexicon(), readonly collectTerms = true) {}

  /** Raw score of `text` in language `lang` (LANG_*; resolve hints with resolveLang first). */
  analyze(text: string, lang: number): number {
    this.termCount = 0;
    this.wordCount = 0;
    this.emojiSum = 0;
    if (lang === LANG_ZH) this.tokenizeZh(text);
    else this.tokenizeEn(text, lang === LANG_EN);
    return this.scoreWords() + this.emojiSum;
  }

  /** English: words of letters, digits and inner apostrophes or hyphens; emoji scored on the way. */
  private tokenizeEn(text: string, words: boolean): void {
    const n = text.length;
    let brk = BREAK;
    for (let i = 0; i < n;) {
      const c = text.charCodeAt(i);
      if (isWordChar(c)) {
        const start = i;
        let upper = false, curly = false;
        for (;;) {
          const d = text.charCodeAt(i);
          if (isWordChar(d)) { if ((d >= 0x41 && d <= 0x5a) || (d >= 0xc0 && d <= 0xde)) upper = true; i++; continue; }
          if ((d === 0x27 || d === 0x2019 || d === 0x2d) && i + 1 < n && isWordChar(text.charCodeAt(i + 1))) { if (d === 0x2019) curly = true; i++; continue; }
          break;
        }
        if (words) {
          let w = text.slice(start, i);
          if (upper) w = w.toLowerCase();
          if (curly) w = w.replaceAll("\u2019", "'");
          this.pushWord(w, brk);
          brk = 0;
        }
        continue;
      }
      if (c === 0x3a || c === 0x3b || c === 0x3c) this.emoticon(text, i);
      if (isClauseBreak(c)) brk = BREAK;
      else if (c >= 0x2000) {
        const cp = text.codePointAt(i)!;
        const v = this.lexicon.emoji.get(cp);
        if (v !== undefined) this.emojiSum += v;
        if (cp > 0xffff) i++;
      }
      i++;
    }
  }

  /** :) :-) :D ;) <3 (positive), :( :-( :'( (negative): the ASCII emoticons common in posts. */
  private emoticon(text: string, i: number): void {
    const c = text.charCodeAt(i);
    let j = i + 1;
    if (c === 0x3c) { if (text.charCodeAt(j) === 0x33) this.emojiSum += 3; return; }
    if (text.charCodeAt(j) === 0x2d || text.charCodeAt(j) === 0x27) j++;
    const d = text.charCodeAt(j);
    if (d === 0x29 || d === 0x44) this.emojiSum += 2;
    else if (d === 0x28) this.emojiSum -= 2;
  }

  private tokenizeZh(text: string): void {
    const toks = jieba().cut(text, false);
    let brk = BREAK;
    for (let i = 0; i < toks.length; i++) {
      const t = toks[i]!;
      const c = t.charCodeAt(0);
      if (isHan(c)) { this.pushWord(t, brk); brk = 0; continue; }
      if (isWordChar(c)) { this.pushWord(t.toLowerCase(), brk); brk = 0; continue; }
      if (isClauseBreak(c)) { brk = BREAK; continue; }
      if (c >= 0x2000) {
        for (let k = 0; k < t.length; k++) {
          const cp = t.codePointAt(k)!;
          const v = this.lexicon.emoji.get(cp);
          if (v !== undefined) this.emojiSum += v;
          if (cp > 0xffff) k++;
        }
      } else if (c === 0x3a || c === 0x3b || c === 0x3c) this.emoticon(toks.slice(i, i + 3).join(""), 0);
    }
  }

  private pushWord(w: string, brk: number): void {
    const k = this.wordCount;
    if (k >= TOKENS_MAX) return;
    if (k === this.flags.length) { const f = new Uint8Array(k * 2); f.set(this.flags); this.flags = f; }
    this.words[k] = w;
    this.flags[k] = brk;
    this.wordCount = k + 1;
    if (this.collectTerms) this.addTerm(w);
  }

  private addTerm(w: string): void {
    if (this.termCount >= TERMS_MAX || w.length < 2) return;
    const han = isHan(w.charCodeAt(0));
    if (han ? STOPWORDS_ZH.has(w) : STOPWORDS_EN.has(w) || isDigits(w)) return;
    for (let i = 0; i < this.termCount; i++) if (this.terms[i] === w) return;
    this.terms[this.termCount++] = w;
  }

  /** The raw score of words[0 .. wordCount): see the header. */
  private scoreWords(): number {
    const lx = this.lexicon, words = this.words, flags = this.flags, n = this.wordCount;
    let sum = 0, after = 1, neg = 0, boost = 1, boostLeft = 0;
    for (let i = 0; i < n;) {
      if (flags[i] === BREAK) { neg = 0; boostLeft = 0; }
      const w = words[i]!;
      const zh = isHan(w.charCodeAt(0));
      const map = zh ? lx.zh : lx.en, pre = zh ? lx.zhPrefixes : lx.enPrefixes, sep = zh ? "" : " ";
      // Longest entry over up to four tokens of one clause.
      let v: number | undefined, span = 1, key = w;
      for (let j = i + 1; j < n && j < i + 4 && flags[j] !== BREAK && pre.has(key); j++) {
        const next = words[j]!;
        if (isHan(next.charCodeAt(0)) !== zh) break;
        key = key + sep + next;
        const x = map.get(key);
        if (x !== undefined) { v = x; span = j - i + 1; }
      }
      if (v === undefined) {
        if (zh ? lx.negatorsZh.has(w) : lx.negatorsEn.has(w)) { neg = NEGATION_WINDOW; i++; continue; }
        if (zh ? lx.contrastZh.has(w) : lx.contrastEn.has(w)) { sum *= CONTRAST_BEFORE; after = CONTRAST_AFTER; neg = 0; boostLeft = 0; i++; continue; }
        const b = zh ? lx.boostZh.get(w) : lx.boostEn.get(w);
        if (b !== undefined) { boost = b; boostLeft = BOOST_WINDOW; i++; if (neg > 0) neg--; continue; }
        v = map.get(w);
        if (v === undefined && zh && w.length >= 2) v = this.fusedScore(w);
        else if (v !== undefined && !zh && w === "like" && i > 0 && flags[i] !== BREAK && LIKE_SIMILE_BEFORE.has(words[i - 1]!)) v = undefined;
      }
      if (v !== undefined) {
        if (boostLeft > 0) v *= boost;
        if (neg > 0) { v *= NEGATION_SCALAR; neg = 0; }
        sum += v * after;
        boostLeft = 0;
      } else {
        if (neg > 0) neg--;
        if (boostLeft > 0) boostLeft--;
      }
      i += span;
    }
    return sum;
  }

  /**
   * A Chinese token missing from the lexicon that Jieba fused from parts the lexicon knows: a negator
   * and an entry (没问题, 不耐用: the entry negated), an intensifier and an entry (太慢, 超好: scaled),
   * or, for 3+ characters, entries of 2+ characters side by side (态度恶劣: 恶劣), found by forward
   * maximum matching. Single characters are not matched inside a compound: most are parts of words
   * that mean something else (好 in 好像).
   */
  private fusedScore(w: string): number | undefined {
    const zh = this.lexicon.zh;
    if (w.length >= 3 && ZH_NEG_PREFIX2.includes(w.slice(0, 2))) {
      const x = zh.get(w.slice(2));
      if (x !== undefined) return x * NEGATION_SCALAR;
    }
    const rest = w.slice(1), head = w[0]!;
    if (ZH_NEG_PREFIX1.includes(head)) {
      const x = zh.get(rest);
      if (x !== undefined) return x * NEGATION_SCALAR;
    }
    if (ZH_BOOST_PREFIX.includes(head)) {
      const x = zh.get(rest);
      if (x !== undefined) return x * (this.lexicon.boostZh.get(head) ?? 1);
    }
    return w.length >= 3 ? this.compoundScore(w) : undefined;
  }

  private compoundScore(w: string): number | undefined {
    const zh = this.lexicon.zh, pre = this.lexicon.zhPrefixes;
    let sum: number | undefined;
    for (let i = 0; i < w.length - 1;) {
      let best = 0, v = 0;
      for (let j = i + 2; j <= w.length; j++) {
        const sub = w.slice(i, j);
        const x = zh.get(sub);
        if (x !== undefined) { best = j; v = x; }
        if (!pre.has(sub)) break;
      }
      if (best === 0) { i++; continue; }
      sum = (sum ?? 0) + v;
      i = best;
    }
    return sum;
  }
}

/** The language a post is scored in: its hint when usable, else the script test (social-text.ts). */
export function resolveLang(text: string, hint?: string | null): number {
  return langOfHint(hint) || detectLang(text);
}

let shared: SocialAnalyzer | null = null;

/** Sentiment of one text; `langHint` is the event's language field when it has one. */
export function scoreText(text: string, langHint?: string | null): SentimentResult {
  shared ??= new SocialAnalyzer(sentimentLexicon(), false);
  const lang = resolveLang(text, langHint);
  const score = normalizeScore(shared.analyze(text, lang));
  return { score, label: labelOf(score), lang: LANG_NAMES[lang]! };
}
