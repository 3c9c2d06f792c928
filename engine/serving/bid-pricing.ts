// From predicted rates to a bid price (CPM) in a currency the exchange accepts, or a reason not to bid.
//
// Rule, in order (openrtb.md section 6):
// 1. Currency: the first entry of the request's `cur` (absent = USD) that we bid in. None: no bid.
// 2. Value: v = 1000 x pCTR x pCVR x value_per_conversion x pacing, in the base currency, then in
//    the bid currency through the FX table.
// 3. Floor: the deal floor when bidding on a deal, else imp.bidfloor, converted from its own
//    currency (bidfloorcur, or USD) to the bid currency, rounded UP to the price tick so FX rounding
//    can never take us under it. A floor in a currency without an FX rate: no bid.
// 4. Auction type: at=2 (second price) bids v (truthful bidding is optimal there). at=3 (fixed-price
//    deal) bids exactly the deal floor when v reaches it. Any other value (1 = first price,
//    exchange-specific 500+, or unreadable) is treated as first price and shaded: bid s x v, with s
//    the configured shade factor, but raised to the floor when s x v < floor <= v (paying the floor
//    still leaves surplus v - floor >= 0, and a win at the floor beats a sure loss).
// 5. Cap: at most max_cpm (base currency, converted).
// 6. Rounding: down to the configured number of decimals (never above value or cap; the 1e-9 of a
//    tick of slack only absorbs binary representation: 1.34 * 1e4 is 13399.999999999998).
// 7. A price below the floor, or not above zero, is no bid: never below the floor.
// Invariant: when priceBid returns null the quote's price is > 0, >= the converted floor, <= the
// converted cap and <= the unshaded value. Pure arithmetic, no allocation.

import type { BidConfig } from "./bid-config.ts";
import { coerceCurrency } from "./openrtb-request.ts";

export type PriceRefusal = "currency" | "floor_currency" | "zero_value" | "below_floor" | "cap_below_floor";

/** The outcome of pricing one impression (a reused object). */
export interface PriceQuote {
  /** Bid price (CPM) in `currency`; 0 when refused. */
  price: number;
  currency: string;
  /** The unshaded value in the bid currency (CPM). */
  value: number;
  /** The floor in the bid currency (CPM), after conversion and rounding up. */
  floor: number;
  /** Whether first-price shading applied. */
  shaded: boolean;
}

export function createQuote(): PriceQuote {
  return { price: 0, currency: "", value: 0, floor: 0, shaded: false };
}

/** The currency to bid in for this request (step 1), or null when we bid in none it accepts. */
export function chooseCurrency(cur: readonly unknown[] | null, config: BidConfig): string | null {
  if (cur === null || cur.length === 0) return config.currencies.includes("USD") ? "USD" : null;
  for (let i = 0; i < cur.length; i++) {
    const c = coerceCurrency(cur[i]);
    if (c !== null && config.currencies.includes(c)) return c;
  }
  return null;
}

/** `amount` in currency `from` expressed in `to`; NaN when either has no rate. */
export function convert(amount: number, from: string, to: string, config: BidConfig): number {
  if (from === to) return amount;
  const a = config.fx.get(from), b = config.fx.get(to);
  return a === undefined || b === undefined ? NaN : (amount / a) * b;
}

/**
 * Prices one impression into `out` (steps 2-7); returns null when it bids, else why not.
 * `floor`/`floorCur` are the effective floor (deal or imp), `at` the effective auction type.
 */
export function priceBid(pctr: number, pcvr: number, pacing: number, floor: number, floorCur: string, at: number,
  currency: string, config: BidConfig, out: PriceQuote): PriceRefusal | null {
  out.price = 0;
  out.currency = currency;
  out.shaded = false;
  const scale = 10 ** config.priceDecimals;
  const value = convert(1000 * pctr * pcvr * config.valuePerConversion * pacing, config.baseCurrency, currency, config);
  out.value = value;
  let floorBid = 0;
  if (floor > 0) {
    const converted = convert(floor, floorCur, currency, config);
    if (Number.isNaN(converted)) return "floor_currency";
    floorBid = Math.ceil(converted * scale - 1e-9) / scale;
  }
  out.floor = floorBid;
  if (!(value > 0)) return "zero_value";
  if (value < floorBid) return "below_floor";
  const cap = convert(config.maxCpm, config.baseCurrency, currency, config);
  if (cap < floorBid) return "cap_below_floor";
  let target: number;
  if (at === 2) target = value;
  else if (at === 3) target = floorBid;
  else {
    target = value * config.shadeFactor;
    out.shaded = true;
    if (target < floorBid) target = floorBid;
  }
  if (target > cap) target = cap;
  const price = Math.floor(target * scale + 1e-9) / scale;
  if (price < floorBid) return "below_floor";
  if (!(price > 0)) return "zero_value";
  out.price = price;
  return null;
}
