// Column names as keys (NDJSON objects, Parquet fields) must be distinct, but SQL allows
// `SELECT 1 AS a, 2 AS a`. Later duplicates get DuckDB's own suffixes: a, a_1, a_2 (skipping names
// already taken).

export function uniqueNames(names: readonly string[]): string[] {
  const taken = new Set<string>();
  return names.map((name) => {
    let out = name;
    for (let k = 1; taken.has(out); k++) out = `${name}_${k}`;
    taken.add(out);
    return out;
  });
}
