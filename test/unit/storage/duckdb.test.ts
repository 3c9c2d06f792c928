// The DuckDB side of SQL: only single read statements pass describe(), everything else is refused
// naming the statement; file access outside the allowed directories is forbidden; errors carry
// positions in characters; results convert to the value model; the row limit, the time limit (also
// while waiting for the connection) and the memory limit each fail with their own code.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { DuckDb } from "../../../storage/duckdb.ts";
import { tempDir } from "./wal/temp-dir.ts";

let dir: Awaited<ReturnType<typeof tempDir>>;
let allowed: string;
let duck: DuckDb;

beforeAll(async () => {
  dir = await tempDir("duckdb");
  allowed = join(dir.path, "parquet");
  mkdirSync(allowed);
  writeFileSync(join(allowed, "t.parquet"), new Uint8Array(parquetWriteBuffer({ columnData: [{ name: "x", data: [1, 2, 3], type: "INT32" }] })));
  writeFileSync(join(dir.path, "outside.csv"), "a,b\n1,2\n");
  duck = await DuckDb.open({ allowedDirectories: [`${allowed}/`], threads: 2 });
  await duck.exclusive((s) => s.run("CREATE TABLE caracal_internal.main.hot (a INTEGER)"));
});
afterAll(async () => {
  await duck.close();
  await dir[Symbol.asyncDispose]();
});

async function outcome(sql: string): Promise<string> {
  try {
    const d = await duck.describe(sql);
    return `${d.statementType} ${d.columns.map((c) => `${c.name}:${c.type}`).join(",")}`;
  } catch (e) {
    const err = e as { code: string; message: string; detail?: { position?: number } };
    return `${err.code}${err.detail?.position === undefined ? "" : `@${err.detail.position}`} ${err.message}`;
  }
}

describe("describe", () => {
  test("read statements are described: columns and types as DuckDB binds them", async () => {
    const sqls = [
      "SELECT 1 AS a, 'x' AS b", "WITH t AS (SELECT 2.5 AS x) SELECT x FROM t", "FROM range(2)", "VALUES (1, true)",
      "SHOW TABLES", "DESCRIBE SELECT 1", "SUMMARIZE SELECT 1 AS v", "EXPLAIN SELECT 1", "EXPLAIN ANALYZE SELECT 1",
      "/* comment */ -- another\n (SELECT 1 AS one)", "SELECT $1::BIGINT AS p",
    ];
    expect(await Promise.all(sqls.map(outcome))).toEqual([
      "SELECT a:INTEGER,b:VARCHAR", "SELECT x:DECIMAL(2,1)", "SELECT range:BIGINT", "SELECT col0:INTEGER,col1:BOOLEAN",
      "SELECT name:VARCHAR", "SELECT column_name:VARCHAR,column_type:VARCHAR,null:VARCHAR,key:VARCHAR,default:VARCHAR,extra:VARCHAR",
      expect.stringMatching(/^SELECT column_name:VARCHAR,column_type:VARCHAR,min:VARCHAR,max:VARCHAR,/) as unknown as string,
      "EXPLAIN explain_key:VARCHAR,explain_value:VARCHAR", "EXPLAIN explain_key:VARCHAR,explain_value:VARCHAR",
      "SELECT one:INTEGER", "SELECT p:BIGINT",
    ]);
  });

  test("every write, setting, extension, attachment and transaction statement is refused, naming it", async () => {
    const refused: Record<string, string> = {
      "INSERT INTO caracal_internal.main.hot VALUES (1)": "INSERT",
      "UPDATE caracal_internal.main.hot SET a = 2": "UPDATE",
      "DELETE FROM caracal_internal.main.hot": "DELETE",
      "CREATE TABLE t (a INTEGER)": "CREATE",
      "CREATE VIEW v AS SELECT 1": "CREATE",
      "DROP TABLE caracal_internal.main.hot": "DROP",
      "ALTER TABLE caracal_internal.main.hot ADD COLUMN b INTEGER": "ALTER",
      [`COPY (SELECT 1) TO '${allowed}/out.csv'`]: "COPY",
      "COPY caracal_internal.main.hot FROM '/etc/passwd'": "COPY",
      "ATTACH '/tmp/x.duckdb' AS x": "ATTACH",
      "DETACH caracal_internal": "DETACH",
      "INSTALL httpfs": "INSTALL",
      "LOAD httpfs": "LOAD",
      "SET threads = 8": "SET",
      "SET enable_external_access = true": "SET",
      "RESET memory_limit": "RESET",
      "PRAGMA version": "PRAGMA",
      "PRAGMA enable_profiling": "PRAGMA",
      "CALL pragma_version()": "CALL",
      "EXPORT DATABASE '/tmp/caracal-export'": "EXPORT",
      "IMPORT DATABASE '/tmp/caracal-export'": "IMPORT",
      "BEGIN TRANSACTION": "BEGIN",
      "USE caracal_internal": "USE",
      "CHECKPOINT": "CHECKPOINT",
      "VACUUM": "VACUUM",
      "EXPLAIN ANALYZE DELETE FROM caracal_internal.main.hot": "DELETE",
      [`EXPLAIN ANALYZE COPY (SELECT 1) TO '${allowed}/x.csv'`]: "COPY",
    };
    const got = await Promise.all(Object.keys(refused).map(outcome));
    expect(got).toEqual(Object.values(refused).map((kind) =>
      `sql_forbidden only read statements (SELECT, WITH, DESCRIBE, SHOW, EXPLAIN, SUMMARIZE) are allowed; got ${kind}`));
  });

  test("more than one statement is refused whole", async () => {
    expect(await outcome("SELECT 1; DROP TABLE caracal_internal.main.hot")).toBe("sql_error one statement per request; got 2");
  });

  test("file access outside the allowed directories is forbidden; inside it works", async () => {
    const sqls = [
      "SELECT * FROM read_csv('/etc/passwd')", "SELECT * FROM read_parquet('/tmp/x.parquet')",
      "SELECT * FROM read_text('/etc/hostname')", "SELECT * FROM glob('/etc/*')",
      `SELECT * FROM read_csv('${dir.path}/outside.csv')`, `SELECT * FROM read_csv('${allowed}/../outside.csv')`,
      "SELECT * FROM '/etc/passwd'", "SELECT * FROM 'passwd.csv'",
    ];
    const got = await Promise.all(sqls.map(async (s) => (await outcome(s)).split(" ")[0]));
    // DuckDB gives no position for a relative path it refuses while binding a replacement scan.
    expect(got).toEqual(sqls.map((s) => (s.includes("passwd.csv") ? "sql_forbidden" : "sql_forbidden@14")));
    expect(await outcome(`SELECT sum(x) AS s FROM read_parquet('${allowed}/t.parquet')`)).toBe("SELECT s:HUGEINT");
  });

  test("syntax and binder errors carry DuckDB's message and a 0-based position in characters", async () => {
    // DuckDB's "Did you mean" suggestion depends on its catalog; it is not part of what is checked here.
    const got = await Promise.all(["SELECT 1 +", "SELEC 1", "SELECT nope FROM range(3)", "SELECT 'été', nope FROM range(3)", "SELECT * FROM nowhere"].map(outcome));
    expect(got.map((o) => o.split("\nDid you mean")[0])).toEqual([
      "sql_syntax@10 Parser Error: syntax error at end of input",
      "sql_syntax@0 Parser Error: syntax error at or near \"SELEC\"",
      "sql_error@7 Binder Error: Referenced column \"nope\" not found in FROM clause!\nCandidate bindings: \"range\"",
      "sql_error@14 Binder Error: Referenced column \"nope\" not found in FROM clause!\nCandidate bindings: \"range\"",
      "sql_error@14 Catalog Error: Table with name nowhere does not exist!",
    ]);
  });

  test("parse trees are cached by text; statements json_serialize_sql cannot express parse to null", async () => {
    const a = await duck.parse("SELECT 1 AS cached"), b = await duck.parse("SELECT 1 AS cached");
    expect({ same: a === b, length: a?.length, explain: await duck.parse("EXPLAIN SELECT 1") }).toEqual({ same: true, length: 1, explain: null });
  });
});

describe("query", () => {
  const run = (sql: string, params: unknown[] = [], maxRows = 1000) => duck.exclusive((s) => s.query(sql, params, maxRows));

  test("values convert to the SQL value model", async () => {
    const r = await run(`SELECT 42::BIGINT AS a, 9007199254740993::BIGINT AS b, 170141183460469231731687303715884105727::HUGEINT AS c,
      12.25::DECIMAL(10,2) AS d, 0.1::FLOAT AS e, TIMESTAMP '2026-11-25 04:41:11.123456' AS f, TIMESTAMP '1969-12-31 23:59:59.9995' AS g,
      TIMESTAMPTZ '2026-01-01 00:00:00+02' AS h, DATE '2026-01-02' AS i, INTERVAL 3 DAY + INTERVAL 5 SECOND AS j,
      [1, NULL, 3] AS k, {'x': 1, 'y': 'z'} AS l, MAP {'k': 2} AS m, NULL::INTEGER AS n, 'infinity'::TIMESTAMP AS o,
      TIME '12:30:00' AS p, true AS q, -7::TINYINT AS r, 'héllo' AS s`);
    expect(r.columns.map((c) => c.type)).toEqual([
      "BIGINT", "BIGINT", "HUGEINT", "DECIMAL(10,2)", "FLOAT", "TIMESTAMP", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "DATE", "INTERVAL",
      "INTEGER[]", 'STRUCT("x" INTEGER, "y" VARCHAR)', "MAP(VARCHAR, INTEGER)", "INTEGER", "TIMESTAMP", "TIME", "BOOLEAN", "TINYINT", "VARCHAR",
    ]);
    expect(r.rows).toEqual([[
      42n, 9007199254740993n, 170141183460469231731687303715884105727n, 12.25, 0.1, new Date("2026-11-25T04:41:11.123Z"),
      new Date("1969-12-31T23:59:59.999Z"), new Date("2025-12-31T22:00:00.000Z"), new Date("2026-01-02T00:00:00.000Z"),
      { months: 0, days: 3, micros: 5_000_000n }, [1, null, 3], { x: 1, y: "z" }, { k: 2 }, null, "infinity", "12:30:00", true, -7, "héllo",
    ]]);
  });

  test("parameters bind by position: integral numbers as BIGINT, others as DOUBLE, strings, booleans, null", async () => {
    const r = await run("SELECT $1 AS i, $2 AS d, $3 AS s, $4 AS b, $5 AS n, $1 + 1 AS j", [5n, 2.5, "a", true, null]);
    expect({ types: r.columns.map((c) => c.type), rows: r.rows }).toEqual({
      types: ["BIGINT", "DOUBLE", "VARCHAR", "BOOLEAN", "INTEGER", "BIGINT"], rows: [[5n, 2.5, "a", true, null, 6n]],
    });
    await expect(run("SELECT $1, $2", [1n])).rejects.toMatchObject({ code: "bad_argument", message: "the statement has 2 parameter(s), 1 given" });
  });

  test("more rows than the limit is result_too_large; exactly the limit is fine", async () => {
    const ok = await run("SELECT * FROM range(5000)", [], 5000);
    await expect(run("SELECT * FROM range(5001)", [], 5000)).rejects.toMatchObject({
      code: "result_too_large", message: "query returned more than 5000 rows; add LIMIT or aggregate",
    });
    expect(ok.rows.length).toBe(5000);
  });

  test("a query past its deadline is interrupted (query_timeout), and the connection works afterwards", async () => {
    const t0 = performance.now();
    const slow = duck.exclusive((s) => s.query("SELECT count(*) FROM range(1000000000) a, range(1000) b", [], 10), { deadline: t0 + 200, timeoutMs: 200 });
    await expect(slow).rejects.toMatchObject({ code: "query_timeout", message: "query exceeded its 200 ms time limit and was interrupted" });
    const elapsed = performance.now() - t0;
    expect({ fast: elapsed < 5000, after: (await run("SELECT 1 AS x")).rows }).toEqual({ fast: true, after: [[1]] });
  });

  test("time spent waiting for the connection counts against the deadline", async () => {
    const t0 = performance.now();
    const busy = duck.exclusive((s) => s.query("SELECT count(*) FROM range(1000000000) a, range(1000) b", [], 10), { deadline: t0 + 400, timeoutMs: 400 });
    const waiting = duck.exclusive((s) => s.query("SELECT 1", [], 10), { deadline: t0 + 100, timeoutMs: 100 });
    const [a, b] = await Promise.allSettled([busy, waiting]);
    expect([a.status, (a as PromiseRejectedResult).reason?.code, b.status, (b as PromiseRejectedResult).reason?.message])
      .toEqual(["rejected", "query_timeout", "rejected", "query waited longer than its 100 ms time limit for the DuckDB connection (busy with other queries)"]);
  });

  test("past DuckDB's memory limit a query fails with query_memory", async () => {
    const small = await DuckDb.open({ memoryLimit: "32MB", threads: 1 });
    try {
      const r = small.exclusive((s) => s.query("SELECT count(*) FROM (SELECT list(range) AS l FROM range(20000000) GROUP BY range % 1000000)", [], 10));
      await expect(r).rejects.toMatchObject({ code: "query_memory" });
    } finally {
      await small.close();
    }
  });

  test("after close, queries fail with shutting_down", async () => {
    const d = await DuckDb.open();
    await d.close();
    await expect(d.exclusive((s) => s.query("SELECT 1", [], 1))).rejects.toMatchObject({ code: "shutting_down" });
  });
});
