// COALESCE and NULLIF. Both compare or choose among values of one common type (sql-types.ts
// commonType); the binder has already cast the arguments to it where a cast changes nothing.

import { decline } from "../decline.ts";
import { commonType, type SqlType } from "../sql-types.ts";
import type { ScalarDef } from "./scalar-def.ts";

function common(types: readonly SqlType[]): SqlType {
  return types.reduce((a, b) => commonType(a, b), "NULL" as SqlType);
}

export const NULL_FUNCTIONS: Record<string, ScalarDef> = {
  coalesce: {
    bind(args) {
      if (args.length === 0) return decline("coalesce()");
      const t = common(args.map((a) => a.type));
      return t === "NULL" || t === "JSON" || t === "INTERVAL" ? decline(`coalesce of ${t}`) : t;
    },
    make: (args) => (i) => {
      for (const a of args) { const v = a(i); if (v !== null) return v; }
      return null;
    },
  },
  nullif: {
    bind(args) {
      if (args.length !== 2) return decline("nullif arity");
      const t = common([args[0]!.type, args[1]!.type]);
      if (t === "NULL" || t === "JSON" || t === "INTERVAL" || args[0]!.type === "NULL") return decline(`nullif of ${t}`);
      return args[0]!.type;
    },
    make: (args) => {
      const [a, b] = args;
      return (i) => {
        const x = a!(i);
        if (x === null) return null;
        const y = b!(i);
        return y !== null && x === y ? null : x;
      };
    },
  },
};
