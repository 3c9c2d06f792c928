// Column types shared by every stage. The numeric codes are written into WAL records and
// segment files: they are part of the on-disk format and must never be renumbered.

export const ColumnType = {
  BOOL: 1,
  INT32: 2,
  FLOAT64: 4,
  /** Milliseconds since the Unix epoch, held as an integral float64 (exact to 2^53). */
  TIMESTAMP: 5,
  /** UTF-8 text, dictionary-encoded in memory. */
  STRING: 6,
  /** A JSON document stored as its text; dictionary-encoded like STRING. */
  JSON: 7,
} as const;
export type ColumnType = (typeof ColumnType)[keyof typeof ColumnType];

export const COLUMN_TYPE_NAMES: Record<ColumnType, string> = {
  [ColumnType.BOOL]: "BOOLEAN",
  [ColumnType.INT32]: "INTEGER",
  [ColumnType.FLOAT64]: "DOUBLE",
  [ColumnType.TIMESTAMP]: "TIMESTAMP",
  [ColumnType.STRING]: "VARCHAR",
  [ColumnType.JSON]: "JSON",
};

const BY_NAME: Record<string, ColumnType> = {
  bool: ColumnType.BOOL, boolean: ColumnType.BOOL,
  int: ColumnType.INT32, int32: ColumnType.INT32, integer: ColumnType.INT32,
  float: ColumnType.FLOAT64, float64: ColumnType.FLOAT64, double: ColumnType.FLOAT64, number: ColumnType.FLOAT64,
  timestamp: ColumnType.TIMESTAMP,
  string: ColumnType.STRING, varchar: ColumnType.STRING, text: ColumnType.STRING,
  json: ColumnType.JSON,
};

/** Parses a type name as written in a config file; undefined when unknown. */
export function columnTypeFromName(name: string): ColumnType | undefined {
  return BY_NAME[name.toLowerCase()];
}

export function isStringType(t: ColumnType): boolean {
  return t === ColumnType.STRING || t === ColumnType.JSON;
}

export function isKnownColumnType(code: number): code is ColumnType {
  return code in COLUMN_TYPE_NAMES;
}

export interface ColumnDef {
  readonly name: string;
  readonly type: ColumnType;
  /** Rejected when absent or null. */
  readonly required?: boolean;
  /** Longest accepted value in UTF-16 code units (strings and JSON only). */
  readonly maxLength?: number;
  /**
   * Strings only: values are (nearly) all distinct, like an event id. The store keeps them per segment
   * instead of in the column's global dictionary, which would cost ~60 bytes a row and never shrink.
   * Scans hand such a column out as strings, not dictionary codes.
   */
  readonly unique?: boolean;
}

export interface TableSchema {
  readonly name: string;
  readonly columns: readonly ColumnDef[];
  /** Column that holds the event time; zone maps and time pruning use it. */
  readonly timeColumn: string;
}
