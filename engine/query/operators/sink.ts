// What consumes the filtered rows of each scan batch. A sink materializes result rows laid out as
// [output values..., values of ORDER BY terms not selected...]; execute.ts sorts, cuts and converts.

import { EngineError } from "../../core/errors.ts";
import type { Row } from "./order-by.ts";

export interface Sink {
  /** Slots to load (RowEnv.need) for the rows given to consume; absent: every column the plan's sink expressions read. */
  readonly readColumns?: readonly number[];
  /** Rows sel[0..n) of the current batch passed WHERE; false when no further rows are needed. */
  consume(sel: Int32Array, n: number): boolean;
  finish(): Row[];
}

export function tooLarge(maxRows: number): never {
  throw new EngineError("result_too_large", `query result has more than ${maxRows} rows (the most a query may return)`, { maxRows });
}
