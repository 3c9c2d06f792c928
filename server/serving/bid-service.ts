// Bid scoring in the process (engine/serving/ does the logic): the bidding config (or a working demo
// one when the config file has none), the feature space, the models (DATA/models/<name>.json, swapped
// live by PUT /v1/models/<name>; prior models until one is trained), pacing, profiles from the live
// profile store, and the recording of every decision and notice as events.
//
//   POST /v1/bid                 BidRequest -> 200 BidResponse | 204 (no bid, overload, deadline) |
//                                400 empty (malformed) | 413 empty (over the size limit, before parsing)
//   GET  /v1/notify/win|click    OpenRTB notice URLs -> win/click events (click redirects to the creative)

import { replaceFileSync } from "../../storage/fs/replace-file.ts";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { EngineError } from "../../engine/core/errors.ts";
import { bidConfigFrom, type BidConfig, type BidFileConfig } from "../../engine/serving/bid-config.ts";
import { bidEvents, noticeEvent } from "../../engine/serving/bid-event.ts";
import { featureSpace, type FeatureSpace, type ProfileSnapshot } from "../../engine/serving/bid-features.ts";
import { BidScorer, bidIdGenerator } from "../../engine/serving/bid-scorer.ts";
import { modelToFile, type LogisticModel } from "../../engine/serving/ctr-model.ts";
import { ModelRegistry } from "../../engine/serving/model-registry.ts";
import { parseNotice, noticeSpend, type NoticeKind } from "../../engine/serving/notice.ts";
import type { UserKeySource } from "../../engine/serving/openrtb-request.ts";
import { PacingController } from "../../engine/serving/pacing.ts";
import type { IngestPipeline } from "../ingest-pipeline.ts";
import type { Metrics } from "../observability/prometheus.ts";
import { EventRecorder } from "./event-recorder.ts";

/** A bidding setup that works out of the box: one demo campaign with a banner, bidding in USD. */
export function demoBidding(noticeBaseUrl: string): BidFileConfig {
  return {
    notice_base_url: noticeBaseUrl, deadline_ms: 20, value_per_conversion: 20, max_cpm: 10,
    creatives: [{
      id: "demo-banner", campaign: "demo", media: "banner", adomain: ["example.com"],
      landing_url: "https://example.com/", markup: '<a href="{CLICK_URL}"><img src="https://example.com/banner.png" alt="demo"></a>',
    }],
  };
}

/** A model that predicts one base rate for everything: what bids use before `caracal train` ran. */
function priorModel(name: string, target: "ctr" | "cvr", rate: number, space: FeatureSpace): LogisticModel {
  return {
    name, version: "prior", target, bias: Math.log(rate / (1 - rate)), weights: new Float64Array(space.dimension), fingerprint: space.fingerprint,
    trainedAt: new Date(0).toISOString(), metrics: { auc: null, logloss: null, n: 0 }, training: { method: "prior", rate },
  };
}

export interface BidServiceDeps {
  readonly dataDir: string;
  readonly file: BidFileConfig | null;
  /** Where notices come back to when the config names no notice_base_url. */
  readonly selfUrl: () => string;
  readonly pipeline: () => IngestPipeline;
  readonly profiles: (key: string, source: UserKeySource, nowMs: number) => ProfileSnapshot | null;
  readonly metrics?: Metrics;
}

export class BidService {
  /** Set on first use (the server's own URL is known only once it listens). */
  config!: BidConfig;
  readonly space: FeatureSpace;
  readonly models: ModelRegistry;
  readonly pacing: PacingController;
  readonly recorder: EventRecorder;
  private scorer: BidScorer | null = null;
  private readonly modelDir: string;
  readonly counters = { requests: 0, bids: 0, noBids: 0, malformed: 0, tooLarge: 0, overload: 0 };

  constructor(private readonly d: BidServiceDeps) {
    this.modelDir = join(d.dataDir, "models");
    const file = d.file;
    this.space = featureSpace(file?.hash_buckets);
    this.models = new ModelRegistry(this.space);
    this.recorder = new EventRecorder(d.pipeline);
    this.pacing = new PacingController(file?.hourly_budget ?? 0, file?.pacing_headroom ?? 0.2);
    this.loadModels();
  }

  /** The scorer, built on first use: the demo config needs the server's own URL for its notices. */
  private get live(): BidScorer {
    if (this.scorer) return this.scorer;
    // Notices come back to this server unless the config names another address (a proxy, a CDN).
    this.config = bidConfigFrom(this.d.file ?? demoBidding(this.d.selfUrl()), this.d.selfUrl());
    for (const [name, target, rate] of [[this.config.ctrModel, "ctr", 0.002], [this.config.cvrModel, "cvr", 0.02]] as const) {
      if (name !== null && !this.models.get(name)) this.models.put(name, modelToFile(priorModel(name, target, rate, this.space), this.space));
    }
    const nextBidId = bidIdGenerator();
    this.scorer = new BidScorer({
      config: this.config, space: this.space, models: this.models, pacing: this.pacing, profiles: this.d.profiles,
      clock: () => performance.now(), nextBidId,
      onDecisions: (batch) => this.recorder.record(bidEvents(batch)),
    });
    return this.scorer;
  }

  private loadModels(): void {
    if (!existsSync(this.modelDir)) return;
    for (const f of readdirSync(this.modelDir).filter((n) => n.endsWith(".json"))) {
      try {
        this.models.put(f.slice(0, -5), JSON.parse(readFileSync(join(this.modelDir, f), "utf8")));
      } catch (e) {
        console.error(`model ${f} not loaded: ${(e as Error).message}`);
      }
    }
  }

  async bid(req: Request): Promise<Response> {
    const t0 = performance.now();
    this.counters.requests++;
    try {
      const scorer = this.live;
      const max = this.config.bodyBytesMax;
      const declared = Number(req.headers.get("content-length") ?? NaN);
      if (declared > max) { this.counters.tooLarge++; return new Response(null, { status: 413 }); }
      // Overload: no room to record a decision means no bid (never a 5xx to an exchange).
      if (this.recorder.full) { this.counters.overload++; return new Response(null, { status: 204 }); }
      let bytes = new Uint8Array(await req.arrayBuffer());
      if (bytes.byteLength > max) { this.counters.tooLarge++; return new Response(null, { status: 413 }); }
      if ((req.headers.get("content-encoding") ?? "").toLowerCase() === "gzip") {
        try { bytes = gunzipSync(bytes, { maxOutputLength: max }); } catch { this.counters.malformed++; return new Response(null, { status: 400 }); }
      }
      let body: unknown;
      try { body = JSON.parse(new TextDecoder().decode(bytes)); } catch { this.counters.malformed++; return new Response(null, { status: 400 }); }
      const r = scorer.score(body, Date.now());
      if (r.status === 400) { this.counters.malformed++; return new Response(null, { status: 400 }); }
      if (r.status === 204) { this.counters.noBids++; return new Response(null, { status: 204 }); }
      this.counters.bids++;
      return new Response(r.body, { headers: { "content-type": "application/json", "x-openrtb-version": "2.6" } });
    } catch (e) {
      // Whatever went wrong, an exchange gets a no-bid, not a 5xx; the log says what.
      console.error(`bid scoring failed: ${(e as Error).stack}`);
      this.counters.overload++;
      return new Response(null, { status: 204 });
    } finally {
      this.d.metrics?.lookup.observe({ endpoint: "bid" }, (performance.now() - t0) / 1000);
    }
  }

  notify(kind: NoticeKind, req: Request): Response {
    void this.live; // the config (and its creatives) exist from the first use on
    const query = req.url.slice(req.url.indexOf("?") + 1);
    const n = parseNotice(kind, req.url.includes("?") ? query : "");
    if (typeof n === "string") {
      return new Response(JSON.stringify({ error: { code: "bad_argument", message: n === "bid_missing" ? "the notice has no bid parameter" : "the bid parameter is not a bid id of ours" } }), { status: 400, headers: { "content-type": "application/json" } });
    }
    const now = Date.now(), spend = noticeSpend(n, this.config);
    if (spend > 0) this.pacing.recordSpend(spend, now);
    const event = noticeEvent(n, now, spend, this.config.baseCurrency);
    this.recorder.record([event]);
    if (kind === "click") {
      const creative = this.config.creatives.find((c) => c.id === n.creative) ?? null;
      if (creative) return new Response(null, { status: 302, headers: { location: creative.landingUrl } });
    }
    return new Response(null, { status: 204 });
  }

  /** PUT /v1/models/<name>: validates, stores atomically, serves from the next request on. */
  putModel(name: string, json: unknown): LogisticModel {
    if (!/^[a-z0-9_-]{1,64}$/i.test(name)) throw new EngineError("bad_argument", `model name "${name}" must be 1-64 letters, digits, _ or -`);
    const model = this.models.put(name, json);
    mkdirSync(this.modelDir, { recursive: true });
    replaceFileSync(join(this.modelDir, `${name}.json`), JSON.stringify(json));
    return model;
  }

  close(): Promise<unknown> {
    return this.recorder.flush();
  }
}
