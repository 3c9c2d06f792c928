// Shared inputs of the social-listening tests: the brands they configure.

import type { BrandDef } from "../../../../engine/aggregate/brand-matcher.ts";

export const TEST_BRANDS: BrandDef[] = [
  { name: "apple", aliases: ["Apple", "苹果", "iPhone"], competitor: false },
  { name: "samsung", aliases: ["Samsung", "三星", "Galaxy"], competitor: true },
  { name: "xiaomi", aliases: ["Xiaomi", "小米", "Mi Band"], competitor: true },
  { name: "google", aliases: ["Google", "谷歌"], competitor: true },
  { name: "pixel", aliases: ["Pixel", "Google Pixel"], competitor: false },
  { name: "att", aliases: ["AT&T"], competitor: false },
];
