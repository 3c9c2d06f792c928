import { describe, expect, test } from "bun:test";
import { formatUuid, parseUuid, UUID_HAS_LOWER, UUID_HAS_UPPER } from "../../../../engine/column/uuid-text.ts";

const utf8 = new TextEncoder();

function parse(s: string): { flags: number; back: string | null } {
  const out = new Uint8Array(20);
  const b = utf8.encode(s);
  const flags = parseUuid(b, 0, b.length, out, 2);
  return { flags, back: flags < 0 ? null : formatUuid(out, 2, flags === UUID_HAS_UPPER) };
}

describe("uuid text", () => {
  test("parses canonical text in either case and formats it back exactly", () => {
    const cases = [
      "123e4567-e89b-12d3-a456-426614174000", "123E4567-E89B-12D3-A456-426614174000", "00000000-0000-0000-0000-000000000000",
      "ffffffff-ffff-ffff-ffff-ffffffffffff", "Abcdef01-2345-6789-abcd-ef0123456789", "123e4567e89b12d3a456426614174000",
      "123e4567-e89b-12d3-a456-42661417400g", "123e4567-e89b-12d3-a456_426614174000", "{123e4567-e89b-12d3-a456-426614174000}",
      "123e4567-e89b-12d3-a456-4266141740000",
    ];
    expect(cases.map(parse)).toEqual([
      { flags: UUID_HAS_LOWER, back: cases[0]! }, { flags: UUID_HAS_UPPER, back: cases[1]! }, { flags: 0, back: cases[2]! },
      { flags: UUID_HAS_LOWER, back: cases[3]! }, { flags: UUID_HAS_LOWER | UUID_HAS_UPPER, back: "abcdef01-2345-6789-abcd-ef0123456789" },
      { flags: -1, back: null }, { flags: -1, back: null }, { flags: -1, back: null }, { flags: -1, back: null }, { flags: -1, back: null },
    ]);
  });
});
