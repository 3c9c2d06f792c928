// QueryParams must read a query string as URLSearchParams does, for anything a client encodes.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { QueryParams } from "../../../server/query-params.ts";

/** name -> its values in order, from any iterable of pairs. */
function grouped(pairs: Iterable<[string, string]>): Record<string, string[]> {
  const out: Record<string, string[]> = Object.create(null);
  for (const [k, v] of pairs) (out[k] ??= []).push(v);
  return out;
}

// Names include ones an object literal would inherit (toString, __proto__, constructor).
const name = fc.oneof(fc.string({ minLength: 1, maxLength: 6 }), fc.constantFrom("metric", "by", "toString", "__proto__", "constructor", "a b", "ü", "x=y", "&"));
const value = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: "grapheme", maxLength: 6 }), fc.constantFrom("", "+", "%", "a+b c", "=", "?#"));
// encodeURIComponent, or the form encoding (space as +) browsers and curl --data-urlencode use.
const encode = (s: string, plus: boolean) => (plus ? encodeURIComponent(s).replace(/%20/g, "+") : encodeURIComponent(s));

test("get, has and every pair agree with URLSearchParams on encoded query strings", () => {
  fc.assert(fc.property(fc.array(fc.tuple(name, value, fc.boolean()), { maxLength: 8 }), fc.constantFrom("", "#frag", "#a=b"), (pairs, hash) => {
    const query = pairs.map(([k, v, plus]) => `${encode(k, plus)}=${encode(v, plus)}`).join("&");
    const url = `http://127.0.0.1:8080/v1/metrics?${query}${hash}`;
    const mine = QueryParams.parse(url), ref = new URL(url).searchParams;
    expect(grouped(mine)).toEqual(grouped(ref));
    for (const [k] of pairs) {
      expect(mine.get(k)).toBe(ref.get(k));
      expect(mine.has(k)).toBe(ref.has(k));
    }
    for (const k of ["toString", "constructor", "__proto__", "hasOwnProperty", "missing"]) {
      expect(mine.get(k)).toBe(ref.get(k));
      expect(mine.has(k)).toBe(ref.has(k));
    }
  }), { seed: 7, numRuns: 500 });
});

test("a name without = has the empty value; no query string has no names", () => {
  const p = QueryParams.parse("http://h/x?flag&k=1&k=2");
  expect([p.get("flag"), p.get("k"), [...p]]).toEqual(["", "1", [["flag", ""], ["k", "1"], ["k", "2"]]]);
  expect([...QueryParams.parse("http://h/x")]).toEqual([]);
  expect(QueryParams.parse("http://h/x?").has("")).toBe(false);
  expect([...QueryParams.parse("http://h/x#a=1?b=2")]).toEqual([...new URL("http://h/x#a=1?b=2").searchParams]);
  expect(QueryParams.of(new Request("http://h/v1/sql?q=select+1")).get("q")).toBe("select 1");
});
