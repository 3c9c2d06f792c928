// DuckDB's copy of the derived SQL tables (rollup_*, ...: engine/aggregate/derived-table.ts), kept
// like the hot mirror: synced in the same DuckDB turn as each query, incrementally.
//
//   caracal_internal."__derived_T"   the table's columns + __key BIGINT
//   caracal_internal."__staging_T"   the same shape, empty between syncs
//   main."T" (view)                  SELECT columns FROM "__derived_T"
//
// A sync appends the changed rows to the staging table, deletes their keys from the table, moves
// them in, and empties the staging table. If any step fails, the next sync copies the whole table
// (the changes it took are gone from the source), so the copy never silently diverges.

import type { DerivedRows, DerivedTableSource } from "../../engine/aggregate/derived-table.ts";
import { INTERNAL_DB, type AppendColumn, type DuckSession } from "../../storage/duckdb.ts";
import { quoteIdent } from "./duck-types.ts";

const ref = (prefix: string, name: string) => `${INTERNAL_DB}.main.${quoteIdent(`${prefix}${name}`)}`;

export class DerivedMirror {
  private readonly broken = new Set<string>();

  constructor(readonly sources: readonly DerivedTableSource[]) {}

  get names(): string[] {
    return this.sources.map((s) => s.name);
  }

  async create(session: DuckSession): Promise<void> {
    for (const s of this.sources) {
      const cols = [...s.columns.map((c) => `${quoteIdent(c.name)} ${c.type}`), "__key BIGINT"].join(", ");
      await session.run(`CREATE TABLE ${ref("__derived_", s.name)} (${cols})`);
      await session.run(`CREATE TABLE ${ref("__staging_", s.name)} (${cols})`);
      await session.run(`CREATE OR REPLACE VIEW main.${quoteIdent(s.name)} AS SELECT ${s.columns.map((c) => quoteIdent(c.name)).join(", ")} FROM ${ref("__derived_", s.name)}`);
    }
  }

  async sync(session: DuckSession): Promise<number> {
    let rows = 0;
    for (const s of this.sources) {
      const all = this.broken.has(s.name);
      const ch = s.changes(all);
      if (ch.count === 0 && !ch.full) continue;
      this.broken.add(s.name);
      await this.apply(session, s, ch);
      this.broken.delete(s.name);
      rows += ch.count;
    }
    return rows;
  }

  private async apply(session: DuckSession, s: DerivedTableSource, ch: DerivedRows): Promise<void> {
    const table = ref("__derived_", s.name), staging = ref("__staging_", s.name);
    await session.run(`DELETE FROM ${staging}`);
    if (ch.count > 0) {
      const appender = await session.appender(`__staging_${s.name}`, [...s.columns.map((c) => c.type), "BIGINT"]);
      try {
        appender.append([...ch.columns as readonly AppendColumn[], { type: "BIGINT", values: ch.keys, validity: null }], ch.count);
      } finally {
        appender.close();
      }
    }
    await session.run(ch.full ? `DELETE FROM ${table}` : `DELETE FROM ${table} WHERE __key IN (SELECT __key FROM ${staging})`);
    await session.run(`INSERT INTO ${table} SELECT * FROM ${staging}`);
    await session.run(`DELETE FROM ${staging}`);
  }
}
