import { mulberry32 as rng } from "../test/sim/rng.ts";
// Seeded, realistic marketing events for benchmarks: the same seed gives the same events, on any
// machine. The shape of the data decides what compression and dictionaries cost, so it is modelled on
// real traffic rather than uniform noise:
//
// - Time: arrivals about 40 ms apart on average (~2.2M events a day), starting 2025-03-01; an event's
//   ts lags its arrival by < 2 s for 90% of events, < 1 min for 9%, < 1 h for 1% (offline mobiles).
// - Sessions: ~1 new session per 10 events; other events continue one of the ~500 recent sessions.
//   session_id is the session's start time in ms as text (as Amplitude does), made unique.
//   A session fixes user, device, platform, geography, attribution (campaign/source/medium/channel)
//   and referrer (sent with its first event only).
// - Users: 65% of sessions are logged in, user_id Zipf(1.0) over 200k customers ("cus_" + 8 base36);
//   the rest are anonymous: anonymous_id is a UUID, a returning visitor (Zipf over 40k) 40% of the time.
// - 23 event types with realistic weights; fields appear only where they belong: url on web views
//   (Zipf over 50k pages), items (Zipf over 20k, 200 categories) on commerce events, ads (2k ads, 3
//   creatives each) on ad events. Money has 2 decimals: price, quantity and currency on add_to_cart,
//   purchase and refund, revenue on purchase and refund, cost on ad clicks, bids and wins.
// - 100 campaigns (Zipf), each with fixed UTM channel/source/medium; 40% of sessions attributed, ad
//   and email events carry their own. 40 countries, ~400 regions, ~4000 cities (Zipf).
// - text: search queries (Zipf over 20k) and social posts (unique sentences); props: experiment
//   assignments on 30% of events, order ids on purchases, units on IoT readings.
// - event_id: a random UUID v4 (lower case) per event.
//
// `received_at` is not generated: the server sets it per request (a benchmark that bypasses the
// server stamps it per batch, as the server does).

export interface GeneratedEvent {
  event_id: string;
  ts: number;
  type: string;
  user_id?: string;
  anonymous_id?: string;
  session_id?: string;
  campaign?: string;
  channel?: string;
  source?: string;
  medium?: string;
  ad_id?: string;
  creative_id?: string;
  item_id?: string;
  category?: string;
  quantity?: number;
  price?: number;
  revenue?: number;
  cost?: number;
  currency?: string;
  country?: string;
  region?: string;
  city?: string;
  device?: string;
  os?: string;
  browser?: string;
  url?: string;
  referrer?: string;
  platform?: string;
  text?: string;
  props?: Record<string, unknown>;
}

const START_MS = Date.UTC(2025, 2, 1);
const CAMPAIGNS = 100;
const ACTIVE_SESSIONS = 512;

/** All events at once (benchmarks that slice them); see eventStream for a lazy version. */
export function generateEvents(seed: number, count: number): GeneratedEvent[] {
  return Array.from(eventStream(seed, count));
}

export function* eventStream(seed: number, count: number): Generator<GeneratedEvent> {
  const g = new World(seed);
  for (let i = 0; i < count; i++) yield g.next();
}


/** Zipf(s) over ranks 0..n-1 by inverse CDF. */
function zipf(n: number, s: number, rand: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) cdf[k] = sum += 1 / Math.pow(k + 1, s);
  return () => {
    const x = rand() * sum;
    let lo = 0, hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** A stable pseudo-random integer for (k, salt), for ids derived from ranks. */
function mix(k: number, salt: number): number {
  let h = Math.imul(k ^ salt, 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

const b36 = (x: number, len: number) => x.toString(36).padStart(len, "0").slice(-len);

function pick<T>(rand: () => number, items: readonly (readonly [T, number])[]): T {
  let total = 0;
  for (const [, w] of items) total += w;
  let x = rand() * total;
  for (const [v, w] of items) if ((x -= w) < 0) return v;
  return items[items.length - 1]![0];
}

const COUNTRIES = ["US", "GB", "DE", "FR", "IN", "BR", "CA", "AU", "JP", "ES", "IT", "MX", "NL", "SE", "PL", "KR", "ID",
  "TR", "AR", "ZA", "NG", "EG", "PH", "VN", "TH", "MY", "SG", "NZ", "IE", "BE", "CH", "AT", "DK", "NO", "FI", "PT", "CZ",
  "RO", "CL", "CO"];
const CURRENCY: Record<string, string> = { US: "USD", GB: "GBP", JP: "JPY", CA: "CAD", AU: "AUD", IN: "INR", BR: "BRL" };
const EU = new Set(["DE", "FR", "ES", "IT", "NL", "IE", "BE", "AT", "PT", "FI"]);
const CHANNELS = [["paid_search", "google", "cpc"], ["paid_social", "facebook", "paid"], ["paid_social", "tiktok", "paid"],
  ["display", "dv360", "cpm"], ["email", "newsletter", "email"], ["affiliate", "impact", "affiliate"],
  ["paid_search", "bing", "cpc"], ["video", "youtube", "cpv"]] as const;
/** Campaigns whose channel is email (the newsletter sends). */
const EMAIL_CAMPAIGNS = Array.from({ length: CAMPAIGNS }, (_, k) => k).filter((k) => mix(k, 17) % 8 === 4);
const WORDS = ("deal summer new sale shoes red best cheap running fast ship free gift love great brand wow fresh style " +
  "today bag coat travel home kitchen phone case deluxe eco pro mini max ultra classic smart light").split(" ");

type Platform = "web" | "ios" | "android";
const EVENT_TYPES: Record<Platform, readonly (readonly [string, number])[]> = {
  web: [["page_view", 34], ["click", 9], ["scroll", 6], ["search", 4], ["video_play", 2], ["view_item", 8], ["add_to_cart", 3],
    ["remove_from_cart", 0.5], ["checkout_started", 1], ["purchase", 1.2], ["refund", 0.1], ["impression", 12], ["ad_click", 1.5],
    ["bid", 4], ["win", 2.5], ["signup", 0.4], ["login", 1.5], ["email_open", 3], ["email_click", 1], ["social_post", 0.8],
    ["social_like", 2.5], ["iot_reading", 2]],
  ios: [["screen_view", 36], ["click", 9], ["search", 4], ["video_play", 3], ["view_item", 9], ["add_to_cart", 3], ["purchase", 1.4],
    ["impression", 12], ["ad_click", 1.5], ["bid", 4], ["win", 2.5], ["login", 2], ["social_post", 1], ["social_like", 4]],
  android: [],
};
EVENT_TYPES.android = EVENT_TYPES.ios;

interface Session {
  id: string;
  user: string | undefined;
  anon: string | undefined;
  platform: Platform;
  device: string;
  os: string;
  browser: string | undefined;
  country: string;
  region: string;
  city: string;
  campaign: number;
  referrer: string | undefined;
  events: number;
}

class World {
  private readonly r: () => number;
  private readonly user: () => number;
  private readonly visitor: () => number;
  private readonly page: () => number;
  private readonly item: () => number;
  private readonly ad: () => number;
  private readonly campaign: () => number;
  private readonly city: () => number;
  private readonly ref: () => number;
  private readonly query: () => number;
  private readonly sessions: Session[] = [];
  private t = START_MS;
  private lastSessionId = 0;
  private orders = 0;

  constructor(seed: number) {
    this.r = rng(seed);
    this.user = zipf(200_000, 1.0, this.r);
    this.visitor = zipf(40_000, 1.0, this.r);
    this.page = zipf(50_000, 1.0, this.r);
    this.item = zipf(20_000, 1.05, this.r);
    this.ad = zipf(2_000, 1.0, this.r);
    this.campaign = zipf(CAMPAIGNS, 0.9, this.r);
    this.city = zipf(4_000, 1.1, this.r);
    this.ref = zipf(3_000, 1.2, this.r);
    this.query = zipf(20_000, 1.0, this.r);
  }

  next(): GeneratedEvent {
    const r = this.r;
    this.t += Math.max(1, Math.round(-Math.log(1 - r()) * 40));
    const s = r() < 0.1 || this.sessions.length === 0 ? this.newSession() : this.sessions[Math.floor(r() * this.sessions.length)]!;
    const type = pick(r, EVENT_TYPES[s.platform]);
    const lag = r() < 0.9 ? r() * 2000 : r() < 0.9 ? r() * 60_000 : r() * 3_600_000;
    const e: GeneratedEvent = { event_id: this.uuid(), ts: Math.round(this.t - lag), type, session_id: s.id };
    if (s.user) e.user_id = s.user; else e.anonymous_id = s.anon;
    e.platform = s.platform; e.device = s.device; e.os = s.os;
    if (s.browser) e.browser = s.browser;
    e.country = s.country; e.region = s.region; e.city = s.city;
    if (s.campaign >= 0) setCampaign(e, s.campaign);
    if (s.events++ === 0 && s.referrer) e.referrer = s.referrer;
    this.fill(e, type, s);
    if (r() < 0.3) e.props = { ...e.props, exp: `exp_${mix(Number(s.id) & 0xffff, 7) % 20}`, variant: r() < 0.5 ? "A" : "B" };
    return e;
  }

  private fill(e: GeneratedEvent, type: string, s: Session): void {
    const r = this.r;
    if (type === "page_view" || type === "click" || type === "scroll" || type === "video_play") {
      if (s.platform === "web") e.url = pageUrl(this.page());
    } else if (type === "search") {
      e.text = queryText(this.query());
    } else if (type === "view_item" || type === "add_to_cart" || type === "remove_from_cart" || type === "purchase" ||
      type === "refund" || type === "checkout_started") {
      const it = this.item();
      e.item_id = `sku-${b36(mix(it, 11), 6)}`;
      e.category = `cat_${mix(it, 12) % 200}`;
      if (type === "add_to_cart" || type === "purchase" || type === "refund") {
        const price = (mix(it, 13) % 20000 + 99) / 100;
        const qty = r() < 0.8 ? 1 : 1 + Math.floor(r() * 4);
        e.price = price; e.quantity = qty;
        e.currency = CURRENCY[s.country] ?? (EU.has(s.country) ? "EUR" : "USD");
        if (type === "purchase") {
          e.revenue = Math.round(price * qty * 100) / 100;
          e.props = { order_id: `ord_${b36(++this.orders * 7919 + 100_000, 8)}`, coupon: r() < 0.2 ? "SPRING10" : null };
        } else if (type === "refund") e.revenue = -Math.round(price * qty * 100) / 100;
      }
    } else if (type === "impression" || type === "ad_click" || type === "bid" || type === "win") {
      const ad = this.ad();
      e.ad_id = `ad_${ad}`;
      e.creative_id = `cr_${ad}_${Math.floor(r() * 3)}`;
      setCampaign(e, mix(ad, 14) % CAMPAIGNS);
      if (type !== "impression") e.cost = Math.round((0.05 + r() * (type === "ad_click" ? 3 : 8)) * 100) / 100;
    } else if (type === "email_open" || type === "email_click") {
      setCampaign(e, EMAIL_CAMPAIGNS[this.campaign() % EMAIL_CAMPAIGNS.length]!);
      if (type === "email_click") e.url = pageUrl(this.page());
    } else if (type === "social_post") {
      const n = 6 + Math.floor(r() * 20);
      let text = "";
      for (let i = 0; i < n; i++) text += (i ? " " : "") + WORDS[Math.floor(r() * WORDS.length)];
      e.text = `${text} #${b36(Math.floor(r() * 1e9), 6)}`;
    } else if (type === "iot_reading") {
      e.device = "sensor";
      e.item_id = `sensor-${mix(Number(s.id) % 500, 16) % 500}`;
      e.quantity = Math.round((15 + r() * 15) * 10) / 10;
      e.props = { unit: "C", fw: "2.4.1" };
    }
  }

  private newSession(): Session {
    const r = this.r;
    let id = this.t;
    if (id <= this.lastSessionId) id = this.lastSessionId + 1;
    this.lastSessionId = id;
    const platform: Platform = pick(r, [["web", 60], ["ios", 25], ["android", 15]]);
    const loggedIn = r() < 0.65;
    const city = this.city();
    const country = COUNTRIES[mix(city, 1) % 40 < 12 ? 0 : mix(city, 2) % COUNTRIES.length]!;
    const mobile = platform !== "web" || r() < 0.3;
    const s: Session = {
      id: String(id),
      user: loggedIn ? `cus_${b36(mix(this.user(), 3), 8)}` : undefined,
      anon: loggedIn ? undefined : r() < 0.4 ? this.uuidOf(mix(this.visitor(), 4), 5) : this.uuid(),
      platform,
      device: mobile ? (r() < 0.85 ? "mobile" : "tablet") : "desktop",
      os: platform === "ios" ? "iOS" : platform === "android" ? "Android"
        : mobile ? pick(r, [["iOS", 55], ["Android", 45]]) : pick(r, [["Windows", 62], ["macOS", 32], ["Linux", 6]]),
      browser: platform === "web" ? pick(r, [["Chrome", 62], ["Safari", 20], ["Edge", 8], ["Firefox", 6], ["Samsung Internet", 3], ["Opera", 1]]) : undefined,
      country,
      region: `${country}-${mix(city, 5) % 12}`,
      city: `city_${city}`,
      campaign: r() < 0.4 ? this.campaign() : -1,
      referrer: r() < 0.5 ? referrerUrl(this.ref()) : undefined,
      events: 0,
    };
    if (this.sessions.length < ACTIVE_SESSIONS) this.sessions.push(s);
    else this.sessions[Math.floor(r() * ACTIVE_SESSIONS)] = s;
    return s;
  }

  private uuid(): string {
    const r = this.r;
    return this.uuidOf(Math.floor(r() * 2 ** 32), Math.floor(r() * 2 ** 32), Math.floor(r() * 2 ** 32), Math.floor(r() * 2 ** 32));
  }

  /** UUID v4 text from four 32-bit words (missing words derived from the first). */
  private uuidOf(a: number, b: number, c = mix(a, b), d = mix(c, b)): string {
    const h = (x: number) => (x >>> 0).toString(16).padStart(8, "0");
    const s = h(a) + h(b) + h(c) + h(d);
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-${"89ab"[d & 3]}${s.slice(17, 20)}-${s.slice(20, 32)}`;
  }
}

/** A campaign carries fixed UTM parameters: its channel, source and medium. */
function setCampaign(e: GeneratedEvent, k: number): void {
  const ch = CHANNELS[mix(k, 17) % CHANNELS.length]!;
  e.campaign = `cmp_${String(k).padStart(3, "0")}_${ch[1]}`;
  e.channel = ch[0]; e.source = ch[1]; e.medium = ch[2];
}

function pageUrl(p: number): string {
  const section = ["p", "c", "blog", "help", "lp"][mix(p, 21) % 5];
  return `https://shop.example.com/${section}/${b36(mix(p, 22), 7)}-${WORDS[mix(p, 23) % WORDS.length]}`;
}

function referrerUrl(k: number): string {
  if (k < 5) return ["https://www.google.com/", "https://www.facebook.com/", "https://t.co/", "https://www.bing.com/", "https://duckduckgo.com/"][k]!;
  return `https://site${k}.example.org/${b36(mix(k, 31), 5)}`;
}

function queryText(q: number): string {
  return `${WORDS[mix(q, 41) % WORDS.length]} ${WORDS[mix(q, 42) % WORDS.length]}${q > 30 ? ` ${b36(mix(q, 43), 3)}` : ""}`;
}
