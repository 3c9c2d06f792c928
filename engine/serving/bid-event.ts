// The events the bid path records, as plain objects in the default event schema (ingested like any
// client event): one per impression of every well-formed request, and one per win/click notice.
//
//   bid     we bid: event_id = our bid id (notices carry it back as props.bid_id), price = bid CPM,
//           currency, campaign, creative_id, user_id = the profile key, country, device, os, platform
//   no_bid  we did not: the same fields without price; props.reason says why
//   win     props.bid_id, cost = spend of this impression (CPM / 1000: the clearing price, or our bid
//           when the exchange did not say), price = clearing CPM (null when unknown), both in the
//           base currency (currency); props keep the clearing price and currency as reported
//   click   props.bid_id, campaign, creative_id
// props of bid/no_bid: auction_id, imp_id, reason, test, at, deal_id, pacing, value, floor, shaded,
// pctr, pcvr, ctr_model, cvr_model ("name@version"), user_key_source, and the features actually
// scored: fs (feature space fingerprint) and f (feature-log.ts text), absent when not scored.
// SQL then measures win rate (win / bid), CTR (click / win) and training joins on the bid id.

import type { DecisionBatch } from "./bid-scorer.ts";
import type { Notice } from "./notice.ts";

export type EventRecord = Record<string, unknown>;

/** AdCOM device types, for the `device` column. */
const DEVICE_TYPES = ["", "mobile", "pc", "ctv", "phone", "tablet", "connected_device", "set_top_box", "ooh"];

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** One event per impression of the batch. */
export function bidEvents(batch: DecisionBatch): EventRecord[] {
  const req = batch.request, out: EventRecord[] = [];
  const device = req.devicetype >= 1 && req.devicetype <= 8 ? DEVICE_TYPES[req.devicetype]! : null;
  for (let i = 0; i < batch.count; i++) {
    const d = batch.decisions[i]!;
    const bid = d.reason === null;
    const props: EventRecord = {
      auction_id: req.id, imp_id: d.impId, reason: d.reason, test: req.test ? 1 : 0, at: finiteOrNull(d.at), deal_id: d.dealId,
      pacing: batch.pacing, value: finiteOrNull(d.value), floor: finiteOrNull(d.floor), shaded: d.shaded,
      pctr: finiteOrNull(d.pctr), pcvr: finiteOrNull(d.pcvr), ctr_model: batch.ctrModel, cvr_model: batch.cvrModel,
      user_key_source: req.userKeySource,
    };
    if (d.features !== null) { props.fs = batch.fingerprint; props.f = d.features; }
    const e: EventRecord = {
      type: bid ? "bid" : "no_bid", ts: batch.nowMs, user_id: req.userKey, campaign: d.creative?.campaign ?? null,
      creative_id: d.creative?.id ?? null, currency: batch.currency === "" ? null : batch.currency, country: req.country,
      device, os: req.os, platform: req.isApp ? "app" : "site", props,
    };
    if (bid) { e.event_id = d.bidId; e.price = d.price; }
    out.push(e);
  }
  return out;
}

/** The win or click event of a notice; `spend` from noticeSpend (base currency) goes to `cost`. */
export function noticeEvent(n: Notice, nowMs: number, spend: number, baseCurrency: string): EventRecord {
  const props: EventRecord = {
    bid_id: n.bidId, auction_id: n.auctionId, imp_id: n.impId, test: n.test ? 1 : 0, bid_price: n.bidPrice, bid_currency: n.bidCurrency,
  };
  const e: EventRecord = { type: n.kind, ts: nowMs, campaign: n.campaign, creative_id: n.creative, props };
  if (n.kind === "win") {
    props.clearing_price = n.price;
    props.clearing_currency = n.currency;
    e.price = n.price !== null && spend > 0 ? spend * 1000 : null;
    e.cost = spend > 0 ? spend : null;
    e.currency = baseCurrency;
  }
  return e;
}
