// Our syntax tree of one SELECT, translated from DuckDB's parse tree by parse.ts. Nodes are frozen
// plain objects tagged by `kind`; names are lower-cased as DuckDB resolves them (identifiers are
// case-insensitive). Nothing here is typed or resolved yet: that is bind.ts.
//
// Operators DuckDB spells as functions stay functions (`+`, `~~` for LIKE, `||`...), so one table
// of functions (functions/catalog.ts) types them all.

export type CompareOp = "=" | "<>" | "<" | "<=" | ">" | ">=" | "distinct" | "not_distinct";

/** A literal as DuckDB typed it: INTEGER, BIGINT, DOUBLE, DECIMAL, VARCHAR, BOOLEAN or NULL. */
export interface ConstAst { readonly kind: "const"; readonly type: string; readonly value: number | string | boolean | null }
export interface ColumnAst { readonly kind: "column"; readonly names: readonly string[] }
export interface ParamAst { readonly kind: "param"; readonly index: number }
export interface FuncAst {
  readonly kind: "func";
  readonly name: string;
  readonly args: readonly Ast[];
  readonly distinct: boolean;
  readonly filter: Ast | null;
}
export interface CastAst { readonly kind: "cast"; readonly arg: Ast; readonly to: string; readonly try: boolean }
export interface CompareAst { readonly kind: "compare"; readonly op: CompareOp; readonly left: Ast; readonly right: Ast }
export interface LogicAst { readonly kind: "and" | "or"; readonly args: readonly Ast[] }
export interface NotAst { readonly kind: "not"; readonly arg: Ast }
export interface IsNullAst { readonly kind: "is_null"; readonly arg: Ast; readonly negated: boolean }
export interface InAst { readonly kind: "in"; readonly arg: Ast; readonly list: readonly Ast[]; readonly negated: boolean }
export interface BetweenAst { readonly kind: "between"; readonly arg: Ast; readonly lo: Ast; readonly hi: Ast }
export interface CaseAst {
  readonly kind: "case";
  readonly whens: readonly { readonly when: Ast; readonly then: Ast }[];
  readonly else: Ast | null;
}
/** `*` or `x.*` in a select list (EXCLUDE/REPLACE/COLUMNS are declined by the parser). */
export interface StarAst { readonly kind: "star" }

export type Ast =
  | ConstAst | ColumnAst | ParamAst | FuncAst | CastAst | CompareAst | LogicAst | NotAst | IsNullAst
  | InAst | BetweenAst | CaseAst | StarAst;

export interface SelectItem { readonly expr: Ast; readonly alias: string | null }

export interface OrderItem {
  readonly expr: Ast;
  readonly desc: boolean;
  /** null: DuckDB's default, NULLS LAST whatever the direction. */
  readonly nullsFirst: boolean | null;
}

export interface SelectAst {
  readonly kind: "select";
  readonly table: string;
  /** The FROM alias, or null; qualified column names may use it or the table name. */
  readonly tableAlias: string | null;
  readonly items: readonly SelectItem[];
  readonly distinct: boolean;
  readonly where: Ast | null;
  /** null: no GROUP BY clause; [] for GROUP BY (). */
  readonly groupBy: readonly Ast[] | null;
  readonly having: Ast | null;
  readonly orderBy: readonly OrderItem[];
  readonly limit: Ast | null;
  readonly offset: Ast | null;
}

/** Deep-freezes a freshly built tree (parse trees and plans are shared read-only data). */
export function deepFreeze<T>(x: T): T {
  if (x !== null && typeof x === "object" && !Object.isFrozen(x)) {
    for (const v of Object.values(x)) deepFreeze(v);
    Object.freeze(x);
  }
  return x;
}
