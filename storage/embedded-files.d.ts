// `import path from "./x.so" with { type: "file" }`: Bun embeds the file in a compiled binary and the
// import is its path (a real path when not compiled).
declare module "*.so" {
  const path: string;
  export default path;
}
