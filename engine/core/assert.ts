// Programmer errors: invariants that can only break through a bug. Never caught, never mapped to a status.
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
