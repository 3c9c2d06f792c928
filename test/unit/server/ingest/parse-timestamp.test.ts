import { describe, expect, test } from "bun:test";
import { isNumericString, parseTimestamp } from "../../../../server/ingest/parse-timestamp.ts";

describe("parseTimestamp", () => {
  test("accepted forms", () => {
    const inputs: unknown[] = [
      1_709_287_200_123, 1_709_287_200_123.9, "1709287200123", "1709287200123.5", "-5",
      "2024-03-01", "2024-03-01T10:00Z", "2024-03-01T10:00:00Z", "2024-03-01t10:00:00z", "2024-03-01 10:00:00",
      "2024-03-01T10:00:00.1Z", "2024-03-01T10:00:00.123456789Z", "2024-03-01T10:00:00,5Z",
      "2024-03-01T10:00:00+02:00", "2024-03-01T10:00:00-0530", "2024-03-01T10:00:00+02", "2024-02-29T00:00:00Z",
      "0099-01-01", new Date(Date.UTC(2024, 2, 1)),
    ];
    const base = Date.UTC(2024, 2, 1, 10, 0, 0);
    expect(inputs.map(parseTimestamp)).toEqual([
      1_709_287_200_123, 1_709_287_200_123, 1_709_287_200_123, 1_709_287_200_123, -5,
      Date.UTC(2024, 2, 1), base, base, base, base,
      base + 100, base + 123, base + 500,
      base - 2 * 3_600_000, base + 5.5 * 3_600_000, base - 2 * 3_600_000, Date.UTC(2024, 1, 29),
      new Date("0099-01-01T00:00:00Z").getTime(), Date.UTC(2024, 2, 1),
    ]);
  });

  test("refused forms are NaN", () => {
    const inputs: unknown[] = [
      "", "yesterday", "March 7, 2024", "07/03/2024", "2024-3-1", "2024-03-01T", "2024-03-01T10", "2024-03-01T10:00:00.",
      "2024-13-01", "2024-02-30", "2023-02-29", "2024-03-01T24:00:00Z", "2024-03-01T10:60:00Z", "2024-03-01T10:00:60Z",
      "2024-03-01T10:00:00+2:00", "2024-03-01T10:00:00+02:00x", "2024-03-01T10:00:00 Z", "0x10", "1e", " 12", "Infinity",
      NaN, Infinity, true, null, {}, [],
    ];
    expect(inputs.map(parseTimestamp).filter((t) => !Number.isNaN(t))).toEqual([]);
  });

  test("numeric strings are plain decimals", () => {
    expect(["1", "-1.5", "+2", ".5", "1e3", "1.", "", " 1", "1 ", "0x1", "1e", "NaN", "1_000"].map(isNumericString))
      .toEqual([true, true, true, true, true, true, false, false, false, false, false, false, false]);
  });
});
