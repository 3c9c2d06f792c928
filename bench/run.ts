// `npm run bench`: every benchmark in sequence, each printing its own figures and ratios. Small sizes
// by default (a few minutes in all); `--full` uses the sizes the README's figures come from.
// Benchmarks are not tests: they print, they do not assert targets.

export {};

const full = process.argv.includes("--full");
const runs: [string, string[]][] = [
  ["bench/parse.bench.ts", []],
  ["bench/wal.bench.ts", []],
  ["bench/store-memory.bench.ts", [full ? "2000000" : "300000"]],
  ["bench/compaction-extract.bench.ts", [full ? "262144" : "65536"]],
  ["bench/ingest-http.bench.ts", ["--seconds", full ? "10" : "4"]],
  ["bench/recovery.bench.ts", ["--events", full ? "10000000" : "500000"]],
  ["bench/query.bench.ts", [full ? "10000000" : "1000000"]],
  ["bench/freshness.bench.ts", [full ? "1000" : "200"]],
  ["bench/hll.bench.ts", []],
  ["bench/audiences.bench.ts", [full ? "10000000" : "1000000", full ? "15000000" : "2500000"]],
  ["bench/funnels.bench.ts", [full ? "1000000" : "300000"]],
  ["bench/derived-feed.bench.ts", [full ? "1000000" : "200000"]],
  ["bench/metrics-answers.bench.ts", [full ? "1500" : "600"]],
  ["bench/metrics-http.bench.ts", full ? [] : ["--seconds", "4", "--warm", "10", "--repeat", "1"]],
  ["bench/checkpoint.bench.ts", [full ? "200000" : "50000"]],
  ["bench/profiles.bench.ts", [full ? "1000000" : "200000"]],
  ["bench/recommend.bench.ts", []],
  ["bench/bid-score.bench.ts", []],
  ["bench/social.bench.ts", [full ? "200000" : "40000"]],
  ["bench/ingest-http.bench.ts", ["--compare-derived", "--seconds", full ? "10" : "4"]],
  ["bench/serving.bench.ts", ["--seconds", full ? "10" : "4"]],
  ["bench/dashboard.bench.ts", ["--seconds", full ? "20" : "5"]],
  ["bench/kafka-consume.bench.ts", []],
  ["bench/kafka-ingest.bench.ts", []],
];

let failed = 0;
for (const [file, args] of runs) {
  console.log(`\n=== ${file} ${args.join(" ")}`);
  const p = Bun.spawn([process.execPath, file, ...args], { stdout: "inherit", stderr: "inherit", env: { ...process.env, BENCH_SECONDS: full ? "3" : "1" } });
  if ((await p.exited) !== 0) { failed++; console.log(`${file} exited with ${p.exitCode}`); }
}
process.exit(failed ? 1 : 0);
