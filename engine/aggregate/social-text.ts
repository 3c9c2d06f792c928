// Text primitives shared by the social-listening modules: character classes, case folding, the
// language of a post, and the one Jieba segmenter of the process.
//
// Languages: the event's own hint wins when it names one ("en", "en-US", "zh", "zh-Hant", ...);
// an empty or unknown-language hint ("", "und", "mul") counts as absent; without a hint a cheap
// script test decides: any CJK ideograph in the first SCRIPT_SCAN_CHARS characters -> zh, unless
// kana or hangul show the text is Japanese or Korean (-> other: emoji only, see sentiment-score.ts);
// everything else -> en. Other languages named by a hint are `other`.
//
// Jieba: loading its dictionary takes ~0.8 s and ~50 MB, so the instance is created on the first
// Chinese post and shared by every caller (segmentation is a pure function of the text).

import { readFileSync } from "node:fs";
import { Jieba } from "@node-rs/jieba";
// The dictionary as an embedded file: the package's own loader reads it from a path fixed when the
// single binary is built, which a copied binary does not have.
import dictPath from "@node-rs/jieba/dict.txt" with { type: "file" };

/** Serialized as numbers in caches: never renumber. */
export const LANG_EN = 1, LANG_ZH = 2, LANG_OTHER = 3;
export type Lang = "en" | "zh" | "other";
export const LANG_NAMES: readonly Lang[] = ["en", "en", "zh", "other"];

const SCRIPT_SCAN_CHARS = 256;

let jiebaInstance: Jieba | null = null;

/** The process's Jieba segmenter with the package's default dictionary (MIT, from the jieba project). */
export function jieba(): Jieba {
  return (jiebaInstance ??= Jieba.withDict(readFileSync(dictPath)));
}

/** CJK unified ideographs (basic block, extension A, compatibility ideographs). */
export function isHan(c: number): boolean {
  return (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0xf900 && c <= 0xfaff);
}

function isKanaOrHangul(c: number): boolean {
  return (c >= 0x3040 && c <= 0x30ff) || (c >= 0xac00 && c <= 0xd7af) || (c >= 0x1100 && c <= 0x11ff);
}

/**
 * Case folding used by brand matching and English tokens: ASCII and Latin-1 upper case to lower,
 * full-width Latin letters and digits (Ａ, ａ, ０) to ASCII. Every other code unit is itself. A code
 * unit maps to one code unit, so positions in the folded text are positions in the original.
 */
export function foldChar(c: number): number {
  if (c < 0x80) return c >= 0x41 && c <= 0x5a ? c + 32 : c;
  if (c >= 0xc0 && c <= 0xde && c !== 0xd7) return c + 32;
  if (c >= 0xff01 && c <= 0xff5e) {
    if (c >= 0xff21 && c <= 0xff3a) return c - 0xff21 + 0x61;
    if ((c >= 0xff41 && c <= 0xff5a) || (c >= 0xff10 && c <= 0xff19)) return c - 0xfee0;
  }
  return c;
}

/** Letters and digits of alphabetic scripts (after foldChar): the characters a Latin word boundary separates. */
export function isWordChar(c: number): boolean {
  if (c < 0x80) return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || (c >= 0x41 && c <= 0x5a);
  return (c >= 0xc0 && c <= 0x24f && c !== 0xd7 && c !== 0xf7) || (c >= 0x370 && c <= 0x52f);
}

/** A language hint's code (0 = no usable hint). Only the first subtag matters: "zh-Hant-TW" -> zh. */
export function langOfHint(hint: string | null | undefined): number {
  if (!hint) return 0;
  const a = hint.charCodeAt(0) | 0x20, b = hint.charCodeAt(1) | 0x20;
  const sep = hint.length === 2 || hint.charCodeAt(2) === 0x2d || hint.charCodeAt(2) === 0x5f;
  if (sep && a === 0x65 && b === 0x6e) return LANG_EN;
  if (sep && a === 0x7a && b === 0x68) return LANG_ZH;
  const h = hint.toLowerCase();
  if (h === "und" || h === "mul" || h === "zxx" || h === "auto") return 0;
  if (h === "chinese" || h === "cmn" || h === "yue") return LANG_ZH;
  if (h === "english" || h === "eng") return LANG_EN;
  return LANG_OTHER;
}

/** The script test: see the header. */
export function detectLang(text: string): number {
  let han = false;
  for (let i = 0, n = Math.min(text.length, SCRIPT_SCAN_CHARS); i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x3000) continue;
    if (isKanaOrHangul(c)) return LANG_OTHER;
    if (isHan(c)) han = true;
  }
  return han ? LANG_ZH : LANG_EN;
}

/**
 * The value of the first "language" (else "lang") string field of a JSON object's text, found by a
 * scan rather than JSON.parse: props hold every field the schema lacks, and parsing them per post
 * would cost more than scoring it. Keys inside nested objects match too; an escaped quote in the
 * value ends it early (language tags have none). Null when absent.
 */
export function languageInProps(json: string): string | null {
  return fieldValue(json, "\"language\"") ?? fieldValue(json, "\"lang\"");
}

function fieldValue(json: string, key: string): string | null {
  let at = json.indexOf(key);
  while (at >= 0) {
    let i = at + key.length;
    while (i < json.length && json.charCodeAt(i) <= 0x20) i++;
    if (json.charCodeAt(i) === 0x3a) {
      i++;
      while (i < json.length && json.charCodeAt(i) <= 0x20) i++;
      if (json.charCodeAt(i) !== 0x22) return null;
      const end = json.indexOf("\"", i + 1);
      return end < 0 ? null : json.slice(i + 1, end);
    }
    at = json.indexOf(key, at + 1);
  }
  return null;
}
