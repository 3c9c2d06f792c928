import { expect, test } from "bun:test";
import fc from "fast-check";
import { chooseCurrency, convert, createQuote, priceBid } from "../../../../engine/serving/bid-pricing.ts";
import { PacingController } from "../../../../engine/serving/pacing.ts";
import { testConfig } from "./serving-fixtures.ts";

const seed = Number(process.env.SEED ?? 20261204);
console.log(`bid-pricing seed=${seed}`);

const CONFIG = testConfig(); // value 40 per conversion, cap 20, shade 0.7, 4 decimals, USD/EUR allowed, GBP and JPY known
const TWO_DECIMALS = testConfig({ price_decimals: 2 });

function quote(pctr: number, pcvr: number, pacing: number, floor: number, floorCur: string, at: number, currency = "USD", config = CONFIG) {
  const q = createQuote();
  const reason = priceBid(pctr, pcvr, pacing, floor, floorCur, at, currency, config, q);
  return { reason, price: q.price, floor: q.floor, shaded: q.shaded };
}

test("the worked example of the notes: 2.40 value, pacing 0.8, shade 0.7, then the floor decides", () => {
  // 0.002 x 0.03 x 40 = 0.0024 per impression = 2.40 CPM; x 0.8 = 1.92; first price x 0.7 = 1.344
  expect([
    quote(0.002, 0.03, 0.8, 0.5, "USD", 1, "USD", TWO_DECIMALS),
    quote(0.002, 0.03, 0.8, 2.0, "USD", 1, "USD", TWO_DECIMALS),
    quote(0.002, 0.03, 0.8, 0.5, "USD", 1),
  ]).toEqual([
    { reason: null, price: 1.34, floor: 0.5, shaded: true },
    { reason: "below_floor", price: 0, floor: 2, shaded: false },
    { reason: null, price: 1.344, floor: 0.5, shaded: true },
  ]);
});

test("second price bids the value; first price shades but pays the floor when value allows; deals at=3 pay the floor", () => {
  expect([
    quote(0.002, 0.03, 0.8, 0.5, "USD", 2),
    quote(0.002, 0.03, 0.8, 1.5, "USD", 1), // 1.344 < 1.5 <= 1.92: bid the floor
    quote(0.002, 0.03, 0.8, 1.5, "USD", 501), // exchange-specific: treated as first price
    quote(0.002, 0.03, 0.8, 1.5, "USD", NaN),
    quote(0.002, 0.03, 0.8, 1.25, "USD", 3),
    quote(0.002, 0.03, 0.8, 1.93, "USD", 3),
  ]).toEqual([
    { reason: null, price: 1.92, floor: 0.5, shaded: false },
    { reason: null, price: 1.5, floor: 1.5, shaded: true },
    { reason: null, price: 1.5, floor: 1.5, shaded: true },
    { reason: null, price: 1.5, floor: 1.5, shaded: true },
    { reason: null, price: 1.25, floor: 1.25, shaded: false },
    { reason: "below_floor", price: 0, floor: 1.93, shaded: false },
  ]);
});

test("the cap bounds every price; a cap under the floor is no bid", () => {
  // value 1000 x 0.05 x 0.5 x 40 = 1000 CPM
  expect([quote(0.05, 0.5, 1, 0, "USD", 2), quote(0.05, 0.5, 1, 0, "USD", 1), quote(0.05, 0.5, 1, 25, "USD", 2), quote(0.05, 0.5, 1, 20, "USD", 2)])
    .toEqual([
      { reason: null, price: 20, floor: 0, shaded: false },
      { reason: null, price: 20, floor: 0, shaded: true },
      { reason: "cap_below_floor", price: 0, floor: 25, shaded: false },
      { reason: null, price: 20, floor: 20, shaded: false },
    ]);
});

test("currencies: the first accepted one we bid in; floors converted through the FX table and rounded up", () => {
  expect([
    chooseCurrency(null, CONFIG), chooseCurrency([], CONFIG), chooseCurrency(["JPY", "eur", "USD"], CONFIG), chooseCurrency(["JPY", 7], CONFIG),
    chooseCurrency(null, testConfig({ currencies: ["EUR"] })), convert(9, "EUR", "USD", CONFIG), convert(1, "CHF", "USD", CONFIG),
  ]).toEqual(["USD", "USD", "EUR", null, null, 10, NaN]);
  expect([
    // value 1.92 USD = 1.728 EUR; a floor of 1 GBP = 1.25 USD = 1.125 EUR
    quote(0.002, 0.03, 0.8, 1, "GBP", 2, "EUR"),
    // 100 JPY = 0.6667 USD: rounded up to 0.6667 in USD
    quote(0.002, 0.03, 0.8, 100, "JPY", 1, "USD"),
    quote(0.002, 0.03, 0.8, 1, "CHF", 1, "USD"),
    quote(0.002, 0.03, 0.8, 0, "CHF", 2, "USD"),
  ]).toEqual([
    { reason: null, price: 1.728, floor: 1.125, shaded: false },
    { reason: null, price: 1.344, floor: 0.6667, shaded: true },
    { reason: "floor_currency", price: 0, floor: 0, shaded: false },
    { reason: null, price: 1.92, floor: 0, shaded: false },
  ]);
});

test("nothing to bid: zero pacing, zero rates, or a value that rounds to zero", () => {
  expect([quote(0.002, 0.03, 0, 0, "USD", 2).reason, quote(0, 0.03, 1, 0, "USD", 2).reason, quote(1e-9, 1e-9, 1, 0, "USD", 2).reason])
    .toEqual(["zero_value", "zero_value", "zero_value"]);
});

test("every bid is > 0, >= the converted floor, <= the cap and the value, on the price grid (property)", () => {
  const currencies = ["USD", "EUR", "GBP", "JPY"];
  fc.assert(fc.property(
    fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }),
    fc.oneof(fc.constant(0), fc.double({ min: 0, max: 50, noNaN: true })), fc.constantFrom(...currencies),
    fc.constantFrom(1, 2, 3, 500, NaN), fc.constantFrom("USD", "EUR"), fc.integer({ min: 0, max: 6 }),
    (pctr, pcvr, pacing, floor, floorCur, at, currency, decimals) => {
      const config = decimals === 4 ? CONFIG : testConfig({ price_decimals: decimals });
      const q = createQuote();
      const reason = priceBid(pctr, pcvr, pacing, floor, floorCur, at, currency, config, q);
      const value = convert(1000 * pctr * pcvr * 40 * pacing, "USD", currency, config);
      const floorIn = convert(floor, floorCur, currency, config), cap = convert(20, "USD", currency, config);
      const scale = 10 ** decimals, slack = 1e-9 / scale;
      if (reason === null) {
        const grid = Math.abs(q.price * scale - Math.round(q.price * scale)) < 1e-6;
        expect([q.price > 0, q.price >= floorIn - 1e-12, q.price <= cap + slack, q.price <= value + slack, grid]).toEqual([true, true, true, true, true]);
      } else {
        expect(q.price).toBe(0);
        if (reason === "below_floor") expect(value < q.floor + slack).toBe(true);
        if (reason === "cap_below_floor") expect(cap < q.floor).toBe(true);
      }
    }), { seed, numRuns: 2000 });
});

test("pacing: full bids under (1 - headroom) of the hourly budget, linear down to 0 at the budget, an hour's memory", () => {
  const min = 60_000, t0 = Date.UTC(2026, 11, 4, 10);
  const p = new PacingController(100, 0.2);
  const seen: number[] = [p.multiplier(t0)];
  p.recordSpend(50, t0);
  p.recordSpend(30, t0 + 30 * min);
  seen.push(p.multiplier(t0 + 30 * min)); // 80 spent: at (1 - 0.2) x 100
  p.recordSpend(10, t0 + 31 * min);
  seen.push(p.multiplier(t0 + 31 * min)); // 90: half way
  p.recordSpend(15, t0 + 40 * min);
  seen.push(p.multiplier(t0 + 59 * min)); // 105: over budget
  seen.push(p.multiplier(t0 + 60 * min)); // the 50 of minute 0 left the window: 55
  seen.push(p.multiplier(t0 + 600 * min)); // all gone
  p.recordSpend(-5, t0 + 600 * min);
  p.recordSpend(NaN, t0 + 600 * min);
  seen.push(p.spendLastHour(t0 + 600 * min));
  expect(seen).toEqual([1, 1, 0.5, 0, 1, 1, 0]);
  expect(new PacingController(0, 0.2).multiplier(t0)).toBe(1);
});

test("pacing's rolling total equals a recount of the last 60 minute slots (property)", () => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 * 60_000 }), fc.double({ min: 0, max: 10, noNaN: true })), { maxLength: 200 }), (steps) => {
    const p = new PacingController(1000, 0.2), log: [number, number][] = [];
    let t = Date.UTC(2026, 0, 1);
    for (const [dt, amount] of steps) {
      t += dt;
      p.recordSpend(amount, t);
      if (amount > 0) log.push([Math.floor(t / 60_000), amount]);
      const slot = Math.floor(t / 60_000);
      const want = log.filter(([s]) => s > slot - 60).reduce((a, [, x]) => a + x, 0);
      expect(p.spendLastHour(t)).toBeCloseTo(want, 6);
    }
  }), { seed, numRuns: 200 });
});
