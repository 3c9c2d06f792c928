// Why the native engine gives a query back to DuckDB. Planning and execution throw Decline from
// deep inside (a construct not handled, an integer result past what we can prove exact, a string
// whose case mapping may differ from DuckDB's); native.ts catches it and returns { unsupported }.
// Declining is always correct: the query then runs in DuckDB. Never use it for operating errors
// (timeouts, result limits), which are EngineErrors the caller must see.

export class Decline extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(reason);
    this.name = "Decline";
    this.reason = reason;
  }
}

export function decline(reason: string): never {
  throw new Decline(reason);
}
