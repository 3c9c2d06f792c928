// A checker of BidResponse rules against the BidRequest it answers: what an exchange (Prebid Server's
// validateBid, spec 2.6 sections 3-4) would reject or count against us. Used by tests on every
// response the bid path writes; written apart from bid-response.ts and reading only the raw JSON, so
// the builder is checked against the rules and not against itself.
//
// Rules: response id equals the request id; a 200 body has at least one bid; cur is one the request
// accepts (absent = USD) and one we allow; the seat is allowed (wseat) and not blocked (bseat); every
// bid has a unique non-empty id, an impid naming an imp, a crid, markup or a win URL, a finite price
// > 0 (0 only with a deal) that is >= the floor converted into the response currency (the deal's
// floor on a deal bid, rounding allowed 1e-9); a dealid names a deal of its imp, and a private
// auction's imp is only bid with one; adomain avoids badv (a blocked domain blocks its subdomains),
// cat avoids bcat, bundle avoids bapp; mtype and w/h match what the imp offers.

import { coerceCurrency, coerceId, coerceNumber, isObject } from "./openrtb-request.ts";

export interface ValidateOptions {
  /** Currencies we may bid in. */
  readonly currencies: readonly string[];
  /** Units per base-currency unit, for floor conversion. */
  readonly fx: ReadonlyMap<string, number>;
}

type Obj = Record<string, unknown>;
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Every rule the response breaks, as sentences; empty when it is valid. */
export function checkBidResponse(request: unknown, response: unknown, o: ValidateOptions): string[] {
  const errors: string[] = [];
  if (!isObject(request)) return ["request is not an object"];
  if (!isObject(response)) return ["response is not an object"];
  if (response.id !== coerceId(request.id)) errors.push(`response id ${JSON.stringify(response.id)} is not the request id ${JSON.stringify(request.id)}`);
  const cur = response.cur === undefined ? "USD" : response.cur;
  const accepted = request.cur === undefined ? ["USD"] : typeof request.cur === "string" ? [request.cur] : list(request.cur).map(coerceCurrency);
  if (typeof cur !== "string" || !accepted.includes(cur)) errors.push(`currency ${JSON.stringify(cur)} is not accepted by the request (${accepted.join(",")})`);
  if (typeof cur === "string" && !o.currencies.includes(cur)) errors.push(`currency ${cur} is not one we allow`);
  const seatbids = list(response.seatbid);
  const imps = new Map<string, Obj>();
  for (const imp of list(request.imp)) if (isObject(imp)) imps.set(coerceId(imp.id) ?? "", imp);
  const bidIds = new Set<string>();
  let bids = 0;
  for (const sb of seatbids) {
    if (!isObject(sb)) { errors.push("seatbid entry is not an object"); continue; }
    checkSeat(request, sb.seat, errors);
    for (const bid of list(sb.bid)) {
      bids++;
      if (!isObject(bid)) { errors.push("bid is not an object"); continue; }
      const id = typeof bid.id === "string" ? bid.id : "";
      if (id === "") errors.push("bid without an id");
      else if (bidIds.has(id)) errors.push(`bid id ${id} repeated`);
      bidIds.add(id);
      const imp = typeof bid.impid === "string" ? imps.get(bid.impid) : undefined;
      if (imp === undefined) { errors.push(`bid ${id}: impid ${JSON.stringify(bid.impid)} names no imp`); continue; }
      checkBid(request, imp, bid, typeof cur === "string" ? cur : "USD", o, errors);
    }
  }
  if (bids === 0) errors.push("a 200 response without bids (no bid is a 204)");
  return errors;
}

function checkSeat(request: Obj, seat: unknown, errors: string[]): void {
  const wseat = list(request.wseat), bseat = list(request.bseat);
  if (wseat.length > 0 && !wseat.includes(seat)) errors.push(`seat ${JSON.stringify(seat)} is not in wseat`);
  if (bseat.includes(seat)) errors.push(`seat ${JSON.stringify(seat)} is in bseat`);
}

function checkBid(request: Obj, imp: Obj, bid: Obj, cur: string, o: ValidateOptions, errors: string[]): void {
  const id = String(bid.id);
  const price = bid.price;
  const dealId = typeof bid.dealid === "string" ? bid.dealid : null;
  if (typeof price !== "number" || !Number.isFinite(price) || price < 0 || (price === 0 && dealId === null)) errors.push(`bid ${id}: price ${JSON.stringify(price)} is not > 0`);
  if (typeof bid.crid !== "string" || bid.crid === "") errors.push(`bid ${id}: no crid`);
  if (typeof bid.adm !== "string" && typeof bid.nurl !== "string") errors.push(`bid ${id}: neither adm nor nurl`);
  const pmp = isObject(imp.pmp) ? imp.pmp : null;
  const deals = pmp === null ? [] : list(pmp.deals).filter(isObject);
  const deal = dealId === null ? null : deals.find((d) => coerceId(d.id) === dealId) ?? null;
  if (dealId !== null && deal === null) errors.push(`bid ${id}: dealid ${dealId} is not a deal of imp ${String(imp.id)}`);
  if (pmp !== null && coerceNumber(pmp.private_auction) === 1 && deal === null) errors.push(`bid ${id}: private auction bid without one of its deals`);
  const floorHolder = deal ?? imp;
  const floor = floorHolder.bidfloor === undefined ? 0 : coerceNumber(floorHolder.bidfloor);
  const floorCur = floorHolder.bidfloorcur === undefined ? "USD" : coerceCurrency(floorHolder.bidfloorcur) ?? "???";
  if (floor > 0 && typeof price === "number") {
    const a = o.fx.get(floorCur), b = o.fx.get(cur);
    if (a === undefined || b === undefined) errors.push(`bid ${id}: floor in ${floorCur} cannot be compared with ${cur}`);
    else if (price < (floor / a) * b - 1e-9) errors.push(`bid ${id}: price ${price} ${cur} is below the floor ${floor} ${floorCur}`);
  }
  checkBlocks(request, bid, id, errors);
  checkMedia(imp, bid, id, errors);
}

function checkBlocks(request: Obj, bid: Obj, id: string, errors: string[]): void {
  const badv = list(request.badv).filter((x): x is string => typeof x === "string").map((x) => x.toLowerCase());
  for (const d of list(bid.adomain)) {
    const domain = String(d).toLowerCase();
    if (badv.some((b) => domain === b || domain.endsWith(`.${b}`))) errors.push(`bid ${id}: adomain ${domain} is blocked (badv)`);
  }
  const bcat = list(request.bcat);
  for (const c of list(bid.cat)) if (bcat.includes(c)) errors.push(`bid ${id}: category ${String(c)} is blocked (bcat)`);
  if (bid.bundle !== undefined && list(request.bapp).includes(bid.bundle)) errors.push(`bid ${id}: bundle ${String(bid.bundle)} is blocked (bapp)`);
}

function checkMedia(imp: Obj, bid: Obj, id: string, errors: string[]): void {
  const offered = [imp.banner !== undefined, imp.video !== undefined, imp.audio !== undefined, imp.native !== undefined];
  if (bid.mtype !== undefined) {
    const m = coerceNumber(bid.mtype);
    if (!(m >= 1 && m <= 4 && offered[m - 1])) errors.push(`bid ${id}: mtype ${String(bid.mtype)} is not offered by the imp`);
  }
  if (bid.w !== undefined && isObject(imp.banner) && coerceNumber(bid.mtype) !== 2) {
    const sizes = list(imp.banner.format).filter(isObject).map((f) => `${coerceNumber(f.w)}x${coerceNumber(f.h)}`);
    sizes.push(`${coerceNumber(imp.banner.w)}x${coerceNumber(imp.banner.h)}`);
    if (!sizes.includes(`${String(bid.w)}x${String(bid.h)}`)) errors.push(`bid ${id}: size ${String(bid.w)}x${String(bid.h)} is not offered`);
  }
}
