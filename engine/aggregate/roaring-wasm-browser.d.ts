// Types for roaring-wasm's "browser" entry (see bitmaps.ts for why we load it). The package ships
// the same declarations as its main entry in browser/index.d.ts, but its package.json "exports" map
// does not point TypeScript at them, so we say it here: same API, same types.
declare module "roaring-wasm/browser" {
  export * from "roaring-wasm";
}
