// The tables of the store, by name. Created once from config at startup (and for dead letters);
// nothing here is per row.

import { EngineError } from "../core/errors.ts";
import type { TableSchema } from "../core/types.ts";
import { Table, type TableOptions } from "./table.ts";

export interface TableStats {
  readonly name: string;
  readonly rows: number;
  readonly memoryBytes: number;
  readonly segments: number;
}

export class Catalog {
  private readonly tables = new Map<string, Table>();

  /** Creates a table; a second table of the same name is a config error. */
  create(schema: TableSchema, options?: TableOptions): Table {
    if (this.tables.has(schema.name)) throw new EngineError("bad_config", `table ${schema.name} declared twice`);
    const table = new Table(schema, options);
    this.tables.set(schema.name, table);
    return table;
  }

  get(name: string): Table | undefined {
    return this.tables.get(name);
  }

  /** Tables in creation order. */
  list(): Table[] {
    return [...this.tables.values()];
  }

  stats(): TableStats[] {
    return this.list().map((t) => ({ name: t.schema.name, rows: t.rowCount, memoryBytes: t.memoryBytes(), segments: t.segmentCount }));
  }
}
