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
// Allocation and cost: words are never sliced into strings. Each is case-folded into a scratch buffer
// and looked up in the compiled lexicon (sentiment-word-table.ts); a term becomes a string only when the
// intern cache (TermIntern) does not hold it already. What a post allocates is Jieba's token array
// (Chinese) and such new strings. Jieba's cut is most of a Chinese post's cost (bench/social.bench.ts).

import { compileLexicon, sentimentLexicon, type SentimentLexicon } from "./sentiment-lexicon.ts";
import { HASH_SEED, hashFinish, hashStep, hashUnits, TermIntern, WORD_BOOST, WORD_CONTRAST, WORD_NEGATOR, WORD_PREFIX, WORD_MEMO, WORD_SIMILE, WORD_STOP, type WordTable } from "./sentiment-word-table.ts";
import { detectLang, foldChar, isHan, isWordChar, jieba, langOfHint, LANG_EN, LANG_NAMES, LANG_ZH, type Lang } from "./social-text.ts";

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

/** Negator prefixes that Jieba may fuse with the word they negate (没问题, 不耐用, 没有问题), as code units. */
const ZH_NEG_PREFIX2 = ["没有", "不是", "从不", "并不", "毫不", "绝不"].map((w) => w.charCodeAt(0) * 65536 + w.charCodeAt(1));
const ZH_NEG_PREFIX1 = [..."不没无未别非"].map((c) => c.charCodeAt(0));
/** Intensifiers that Jieba may fuse with the word they scale (太慢, 超好). */
const ZH_BOOST_PREFIX = [..."太超很巨贼真最"].map((c) => c.charCodeAt(0));
/** Words longer than this are never looked up (no entry is that long) and never trend. */
const WORD_LENGTH_MAX = 48;
/** Table entries past which Chinese tokens are no longer memoized (see memo()). */
const MEMO_ENTRIES_MAX = 200_000;
const HAN = 2;

/** foldChar, and the typographic apostrophe as the ASCII one (don’t = don't). */
function foldUnit(c: number): number {
  return c === 0x2019 ? 0x27 : foldChar(c);
}

export class SocialAnalyzer {
  /** The terms of the last analyzed post: terms[0 .. termCount). */
  readonly terms: string[] = [];
  termCount = 0;
  private readonly table: WordTable;
  private readonly intern = new TermIntern();
  private readonly likeEntry: number;
  /** Folded code units of the word (or words) being looked up. */
  private readonly scratch = new Uint16Array(4 * (WORD_LENGTH_MAX + 1));
  private readonly termHashes = new Uint32Array(TERMS_MAX);
  // The words of the current post: source string and range, table entry (-1 none), BREAK | HAN.
  private src: string[] = [];
  private starts = new Int32Array(256);
  private ends = new Int32Array(256);
  private entries = new Int32Array(256);
  private flags = new Uint8Array(256);
  private wordCount = 0;
  private emojiSum = 0;

  constructor(readonly lexicon: SentimentLexicon = sentimentLexicon(), readonly collectTerms = true) {
    this.table = compileLexicon(lexicon);
    this.likeEntry = this.table.entry("like");
  }

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
        for (;;) {
          const d = text.charCodeAt(i);
          if (isWordChar(d)) { i++; continue; }
          if ((d === 0x27 || d === 0x2019 || d === 0x2d) && i + 1 < n && isWordChar(text.charCodeAt(i + 1))) { i++; continue; }
          break;
        }
        if (words) { this.pushWord(text, start, i, brk); brk = 0; }
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
      if (isHan(c) || isWordChar(c)) { this.pushWord(t, 0, t.length, brk); brk = 0; continue; }
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

  /** Copies word w's folded code units into scratch at `at`; returns the end. */
  private copyWord(w: number, at: number): number {
    const s = this.src[w]!, scratch = this.scratch;
    for (let k = this.starts[w]!, e = this.ends[w]!; k < e; k++) scratch[at++] = foldUnit(s.charCodeAt(k));
    return at;
  }

  private pushWord(src: string, start: number, end: number, brk: number): void {
    const w = this.wordCount;
    if (w >= TOKENS_MAX) return;
    if (w === this.flags.length) this.grow();
    this.src[w] = src;
    this.starts[w] = start;
    this.ends[w] = end;
    this.flags[w] = brk | (isHan(src.charCodeAt(start)) ? HAN : 0);
    this.wordCount = w + 1;
    const len = end - start;
    if (len > WORD_LENGTH_MAX) { this.entries[w] = -1; return; }
    // Copy and hash in one pass: this runs for every word of every post.
    const u = this.scratch;
    let h = HASH_SEED;
    for (let k = 0; k < len; k++) { const c = foldUnit(src.charCodeAt(start + k)); u[k] = c; h = hashStep(h, c); }
    h = hashFinish(h);
    let e = this.table.find(u, 0, len, h);
    if (e < 0 && len >= 2 && (this.flags[w]! & HAN) !== 0 && this.table.count < MEMO_ENTRIES_MAX) e = this.memo(len, h);
    this.entries[w] = e;
    if (this.collectTerms && len >= 2 && (e < 0 || (this.table.flags[e]! & WORD_STOP) === 0)) this.addTerm(len, h);
  }

  /**
   * Remembers the Chinese token in scratch[0 .. len), absent from the lexicon, with its fused score
   * (NaN: none): Jieba hands out a new string per token, so nothing else could cache per token, and
   * the fused score costs several probes. Entries stop being added at MEMO_ENTRIES_MAX (about 40
   * bytes each); later tokens are scored without the memo.
   */
  private memo(len: number, h: number): number {
    const v = this.fusedUnits(len);
    const e = this.table.add(this.scratch, 0, len, h);
    this.table.valence[e] = v;
    this.table.flags[e] = WORD_MEMO;
    return e;
  }

  /** The word in scratch[0 .. len) as a term, unless a number or already a term of this post. */
  private addTerm(len: number, h: number): void {
    const u = this.scratch;
    if (this.termCount >= TERMS_MAX) return;
    let digits = true;
    for (let k = 0; k < len && digits; k++) digits = u[k]! >= 0x30 && u[k]! <= 0x39;
    if (digits) return;
    for (let t = 0; t < this.termCount; t++) {
      if (this.termHashes[t] !== h) continue;
      const s = this.terms[t]!;
      let k = 0;
      while (k < len && s.charCodeAt(k) === u[k]) k++;
      if (k === len && s.length === len) return;
    }
    this.termHashes[this.termCount] = h;
    this.terms[this.termCount++] = this.intern.intern(u, len, h);
  }

  private grow(): void {
    const n = this.flags.length * 2;
    const g = <T extends Int32Array | Uint8Array>(a: T, b: T): T => { b.set(a as never); return b; };
    this.starts = g(this.starts, new Int32Array(n));
    this.ends = g(this.ends, new Int32Array(n));
    this.entries = g(this.entries, new Int32Array(n));
    this.flags = g(this.flags, new Uint8Array(n));
  }

  /** The longest entry starting at word i over up to four words of one clause and script: [valence, span] in out. */
  private longest(i: number, out: Float64Array): void {
    const t = this.table, n = this.wordCount, han = this.flags[i]! & HAN;
    out[0] = NaN;
    out[1] = 1;
    let at = this.copyWord(i, 0);
    for (let j = i + 1; j < n && j < i + 4; j++) {
      const f = this.flags[j]!;
      if ((f & BREAK) !== 0 || (f & HAN) !== han || this.ends[j]! - this.starts[j]! > WORD_LENGTH_MAX) return;
      if (han === 0) this.scratch[at++] = 0x20;
      at = this.copyWord(j, at);
      const x = t.find(this.scratch, 0, at, hashUnits(this.scratch, 0, at));
      if (x < 0 || (t.flags[x]! & WORD_MEMO) !== 0) return;
      if (!Number.isNaN(t.valence[x]!)) { out[0] = t.valence[x]!; out[1] = j - i + 1; }
      if ((t.flags[x]! & WORD_PREFIX) === 0) return;
    }
  }

  /** The raw score of the post's words: see the header. */
  private scoreWords(): number {
    const t = this.table, n = this.wordCount, span = this.spanOut;
    let sum = 0, after = 1, neg = 0, boost = 1, boostLeft = 0;
    for (let i = 0; i < n;) {
      const wf = this.flags[i]!, e = this.entries[i]!;
      if ((wf & BREAK) !== 0) { neg = 0; boostLeft = 0; }
      let v = NaN, step = 1;
      if (e >= 0 && (t.flags[e]! & WORD_PREFIX) !== 0) { this.longest(i, span); v = span[0]!; step = span[1]!; }
      if (Number.isNaN(v)) {
        const f = e >= 0 ? t.flags[e]! : 0;
        if ((f & WORD_NEGATOR) !== 0) { neg = NEGATION_WINDOW; i++; continue; }
        if ((f & WORD_CONTRAST) !== 0) { sum *= CONTRAST_BEFORE; after = CONTRAST_AFTER; neg = 0; boostLeft = 0; i++; continue; }
        if ((f & WORD_BOOST) !== 0) { boost = t.boost[e]!; boostLeft = BOOST_WINDOW; i++; if (neg > 0) neg--; continue; }
        if (e >= 0) v = t.valence[e]!;
        if (Number.isNaN(v) && (wf & HAN) !== 0 && (e < 0 || (t.flags[e]! & WORD_MEMO) === 0)) v = this.fusedScore(i);
        else if (e === this.likeEntry && i > 0 && (wf & BREAK) === 0 && this.entries[i - 1]! >= 0 && (t.flags[this.entries[i - 1]!]! & WORD_SIMILE) !== 0) v = NaN;
      }
      if (!Number.isNaN(v)) {
        if (boostLeft > 0) v *= boost;
        if (neg > 0) { v *= NEGATION_SCALAR; neg = 0; }
        sum += v * after;
        boostLeft = 0;
      } else {
        if (neg > 0) neg--;
        if (boostLeft > 0) boostLeft--;
      }
      i += step;
    }
    return sum;
  }

  private readonly spanOut = new Float64Array(2);

  /**
   * A Chinese token missing from the lexicon that Jieba fused from parts the lexicon knows: a negator
   * and an entry (没问题, 不耐用: the entry negated), an intensifier and an entry (太慢, 超好: scaled),
   * or, for 3+ characters, entries of 2+ characters side by side (态度恶劣: 恶劣), found by forward
   * maximum matching. Single characters are not matched inside a compound: most are parts of words
   * that mean something else (好 in 好像). NaN when none applies.
   */
  private fusedScore(i: number): number {
    const len = this.copyWord(i, 0);
    return len < 2 || len > WORD_LENGTH_MAX ? NaN : this.fusedUnits(len);
  }

  /** fusedScore of the token in scratch[0 .. len); leaves scratch unchanged. */
  private fusedUnits(len: number): number {
    const t = this.table, u = this.scratch;
    if (len >= 3 && ZH_NEG_PREFIX2.includes(u[0]! * 65536 + u[1]!)) {
      const x = this.valenceAt(2, len - 2);
      if (!Number.isNaN(x)) return x * NEGATION_SCALAR;
    }
    if (ZH_NEG_PREFIX1.includes(u[0]!)) {
      const x = this.valenceAt(1, len - 1);
      if (!Number.isNaN(x)) return x * NEGATION_SCALAR;
    }
    if (ZH_BOOST_PREFIX.includes(u[0]!)) {
      const x = this.valenceAt(1, len - 1);
      if (!Number.isNaN(x)) { const b = t.find(u, 0, 1, hashUnits(u, 0, 1)); return x * (b >= 0 ? t.boost[b]! : 1); }
    }
    return len >= 3 ? this.compoundScore(len) : NaN;
  }

  /** Valence of the entry scratch[off .. off + n), NaN when none. */
  private valenceAt(off: number, n: number): number {
    const x = this.table.find(this.scratch, off, n, hashUnits(this.scratch, off, n));
    return x < 0 || (this.table.flags[x]! & WORD_MEMO) !== 0 ? NaN : this.table.valence[x]!;
  }

  /** Forward maximum matching of entries of 2+ characters over scratch[0 .. len). */
  private compoundScore(len: number): number {
    const t = this.table, u = this.scratch;
    let sum = NaN;
    for (let i = 0; i < len - 1;) {
      let best = 0, v = 0;
      for (let j = i + 2; j <= len; j++) {
        const x = t.find(u, i, j - i, hashUnits(u, i, j - i));
        if (x < 0 || (t.flags[x]! & WORD_MEMO) !== 0) break;
        if (!Number.isNaN(t.valence[x]!)) { best = j; v = t.valence[x]!; }
        if ((t.flags[x]! & WORD_PREFIX) === 0) break;
      }
      if (best === 0) { i++; continue; }
      sum = (Number.isNaN(sum) ? 0 : sum) + v;
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
