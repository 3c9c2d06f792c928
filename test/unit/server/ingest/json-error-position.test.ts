import { expect, test } from "bun:test";
import { jsonErrorPosition } from "../../../../server/ingest/json-error-position.ts";

test("jsonErrorPosition finds the first bad character, or null for valid JSON", () => {
  const texts = [
    '{"a": [1, 2, {"b": null}], "c": "\\u00e9\\n"}', "[]", " 1 ", '"x"',
    '{"a":1,}', "[1,2", "[1 2]", '{"a" 1}', '{\n  "a": tru\n}', '"\\x"', '"a\tb"', "01", "-", "[1]]", "", '{"a":1}\n{"b":2}',
  ];
  expect(texts.map((t) => jsonErrorPosition(t))).toEqual([
    null, null, null, null,
    { offset: 7, line: 1, column: 8 },
    { offset: 4, line: 1, column: 5 },
    { offset: 3, line: 1, column: 4 },
    { offset: 5, line: 1, column: 6 },
    { offset: 9, line: 2, column: 8 },
    { offset: 1, line: 1, column: 2 },
    { offset: 2, line: 1, column: 3 },
    { offset: 1, line: 1, column: 2 },
    { offset: 0, line: 1, column: 1 },
    { offset: 3, line: 1, column: 4 },
    { offset: 0, line: 1, column: 1 },
    { offset: 8, line: 2, column: 1 },
  ]);
});
