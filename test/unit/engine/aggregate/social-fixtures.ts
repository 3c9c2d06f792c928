// Shared inputs of the social-listening tests: the brands they configure, and the reference brand
// matching the matcher and the component are checked against.

import type { BrandDef } from "../../../../engine/aggregate/brand-matcher.ts";

export const TEST_BRANDS: BrandDef[] = [
  { name: "apple", aliases: ["Apple", "苹果", "iPhone"], competitor: false },
  { name: "samsung", aliases: ["Samsung", "三星", "Galaxy"], competitor: true },
  { name: "xiaomi", aliases: ["Xiaomi", "小米", "Mi Band"], competitor: true },
  { name: "google", aliases: ["Google", "谷歌"], competitor: true },
  { name: "pixel", aliases: ["Pixel", "Google Pixel"], competitor: false },
  { name: "att", aliases: ["AT&T"], competitor: false },
];

/** The reference: one regex per alias over NFKC-normalized lower-case text, \b-like edges for ASCII word characters. */
export function referenceMatches(brands: readonly BrandDef[], text: string): number[] {
  const t = text.normalize("NFKC").toLowerCase();
  const out: number[] = [];
  brands.forEach((b, id) => {
    const hit = [b.name, ...b.aliases].some((alias) => {
      const a = alias.toLowerCase(), esc = a.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      const left = /^[a-z0-9_]/.test(a) ? "(?<![a-z0-9_])" : "", right = /[a-z0-9_]$/.test(a) ? "(?![a-z0-9_])" : "";
      return new RegExp(left + esc + right).test(t);
    });
    if (hit) out.push(id);
  });
  return out;
}
