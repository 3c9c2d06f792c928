// Process warnings as the server prints them. kafkajs schedules some timers at a deadline it has not
// set yet (0 - now: a large negative delay); the runtime clamps them to 1 ms and prints a
// TimeoutNegativeWarning each time, which tells an operator nothing. Those are dropped; every other
// warning is printed as the runtime's default printer would.

export const SILENCED_WARNINGS: ReadonlySet<string> = new Set(["TimeoutNegativeWarning"]);

/** The listener main.ts installs in place of the default one. */
export function warningPrinter(print: (line: string) => void, pid = process.pid): (w: Error) => void {
  return (w) => {
    if (SILENCED_WARNINGS.has(w.name)) return;
    print(`(caracal:${pid}) ${w.name}: ${w.message}`);
  };
}
