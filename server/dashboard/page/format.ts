// How the page writes numbers: every figure with its unit, in the browser's locale, and a missing
// value (a ratio with no denominator, a figure the server did not send) as an em dash, never 0.
// Ratios arrive as fractions (0.031) and are shown as percent; ROAS is a multiple (×).

const DASH = "—";

const intFmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const dec1 = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const dec2 = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const compact = new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 });
const small = new Intl.NumberFormat(undefined, { maximumFractionDigits: 3 });

type N = number | null | undefined;

function ok(n: N): n is number {
  return typeof n === "number" && Number.isFinite(n);
}

export function fmtInt(n: N): string {
  return ok(n) ? intFmt.format(n) : DASH;
}

/** Counts that may be fractional (rates): up to 2 decimals below 100, whole above. */
export function fmtRate(n: N): string {
  if (!ok(n)) return DASH;
  return Math.abs(n) >= 100 ? intFmt.format(n) : dec2.format(n);
}

/** Money in the events' own currency (the server does not convert): 2 decimals. */
export function fmtMoney(n: N): string {
  return ok(n) ? dec2.format(n) : DASH;
}

/** A fraction as percent: 0.0312 -> "3.1 %"; from 100 % on, whole percents (91.173 -> "9,117 %"). */
export function fmtPct(fraction: N): string {
  if (!ok(fraction)) return DASH;
  const pct = fraction * 100;
  return `${Math.abs(pct) >= 100 ? intFmt.format(pct) : dec1.format(pct)} %`;
}

/** A multiple: 3.456 -> "3.46 ×". */
export function fmtTimes(n: N): string {
  return ok(n) ? `${dec2.format(n)} ×` : DASH;
}

/** Axis labels: 12k, 1.5M, and enough decimals below 10 that ticks stay distinct (0.05, 0.1). */
export function fmtAxis(n: N): string {
  if (!ok(n)) return DASH;
  if (Math.abs(n) >= 10) return compact.format(n);
  return small.format(n);
}

/** A duration in the largest unit that keeps it readable: "850 ms", "12.3 s", "4.5 min", "2.1 h". */
export function fmtDuration(ms: N): string {
  if (!ok(ms)) return DASH;
  const a = Math.abs(ms);
  if (a < 1000) return `${intFmt.format(ms)} ms`;
  if (a < 60_000) return `${dec1.format(ms / 1000)} s`;
  if (a < 3_600_000) return `${dec1.format(ms / 60_000)} min`;
  if (a < 86_400_000) return `${dec1.format(ms / 3_600_000)} h`;
  return `${dec1.format(ms / 86_400_000)} d`;
}

const clockFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
const minuteFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", hour12: false });

/** Local wall-clock time of an epoch-ms instant, to the second. */
export function fmtClock(ms: N): string {
  return ok(ms) ? clockFmt.format(ms) : DASH;
}

/** Local time to the minute (axis labels, range bounds). */
export function fmtMinute(ms: N): string {
  return ok(ms) ? minuteFmt.format(ms) : DASH;
}

/** "last 60 min" / "last 6 h" for a range in minutes. */
export function fmtRange(minutes: number): string {
  return minutes < 60 ? `last ${minutes} min` : `last ${minutes / 60} h`;
}
