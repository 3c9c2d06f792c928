// The `--source kafka://...` URL: parsed and validated once, here, into a frozen KafkaSourceUrl.
//
//   kafka://HOST:PORT[,HOST:PORT...]/TOPIC?group=G[&format=ndjson|json|msgpack][&table=T]
//
// HOST is a name, an IPv4 address or a bracketed IPv6 address; the port is required (Kafka has no
// default worth guessing). TOPIC follows Kafka's rule (1-249 of [a-zA-Z0-9._-], not "." or "..").
// `group` is required: the consumer group that splits the partitions between Caracal processes.
// `format` defaults to ndjson, `table` to events; whether the table exists is the config's check.
// Query values are percent-decoded; a parameter that is unknown, repeated or empty is refused.
// Every problem is an EngineError("bad_config") that names the URL and the part at fault.
// Credentials are refused rather than ignored: SASL/TLS are not supported yet.

import { EngineError } from "../../engine/core/errors.ts";
import { DEFAULT_TABLE } from "../../engine/core/event-schema.ts";
import type { BodyFormat } from "../ingest/parse-body.ts";

export interface KafkaSourceUrl {
  /** "host:port" for each bootstrap broker, in the order given. */
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly groupId: string;
  readonly format: BodyFormat;
  readonly table: string;
}

const SCHEME = "kafka://";
const TOPIC_RE = /^[a-zA-Z0-9._-]{1,249}$/;
const TABLE_RE = /^[a-z_][a-z0-9_]{0,62}$/;
const HOSTNAME_RE = /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6_RE = /^\[[0-9a-fA-F:.]{2,45}\]$/;
const FORMATS: readonly BodyFormat[] = ["ndjson", "json", "msgpack"];
const PARAMS = ["group", "format", "table"] as const;
/** Kafka brokers cap group ids only by their request size; this keeps logs and metrics labels sane. */
export const GROUP_ID_LENGTH_MAX = 255;

export function parseKafkaSourceUrl(text: string): KafkaSourceUrl {
  const fail = (problem: string): never => {
    throw new EngineError("bad_config", `kafka source "${text}": ${problem}`);
  };
  if (!text.toLowerCase().startsWith(SCHEME)) fail(`must start with ${SCHEME}`);
  let rest = text.slice(SCHEME.length);
  if (rest.includes("#")) fail("a fragment (#...) is not allowed");
  const q = rest.indexOf("?");
  const query = q < 0 ? "" : rest.slice(q + 1);
  rest = q < 0 ? rest : rest.slice(0, q);
  const slash = rest.indexOf("/");
  if (slash < 0) fail("no topic: expected kafka://HOST:PORT/TOPIC?group=G");
  const authority = rest.slice(0, slash);
  const path = rest.slice(slash + 1);
  if (authority.includes("@")) fail("credentials in the URL are not supported");
  const brokers = parseBrokers(authority, fail);
  const topic = parseTopic(path, fail);
  const params = parseQuery(query, fail);
  const groupId = params.get("group");
  if (groupId === undefined) fail("group is required (?group=NAME): the consumer group the Caracal processes share");
  if (groupId!.length > GROUP_ID_LENGTH_MAX) fail(`group is ${groupId!.length} characters, more than ${GROUP_ID_LENGTH_MAX}`);
  const format = params.get("format") ?? "ndjson";
  if (!FORMATS.includes(format as BodyFormat)) fail(`format "${format}" is not one of ${FORMATS.join(", ")}`);
  const table = params.get("table") ?? DEFAULT_TABLE;
  if (!TABLE_RE.test(table)) fail(`table "${table}" is not a table name (lower-case letters, digits and _, starting with a letter or _)`);
  return Object.freeze({ brokers: Object.freeze(brokers), topic, groupId: groupId!, format: format as BodyFormat, table });
}

function parseBrokers(authority: string, fail: (p: string) => never): string[] {
  if (authority === "") fail("no broker: expected HOST:PORT before the topic");
  const brokers: string[] = [];
  for (const part of authority.split(",")) {
    if (part === "") fail("an empty broker in the list (two commas, or a comma at an end)");
    const colon = part.lastIndexOf(":");
    if (colon < 0 || (part.startsWith("[") && colon < part.indexOf("]"))) fail(`broker "${part}" has no port (HOST:PORT)`);
    const host = part.slice(0, colon);
    const portText = part.slice(colon + 1);
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) fail(`broker "${part}": port "${portText}" is not in 1..65535`);
    if (!(HOSTNAME_RE.test(host) || IPV4_RE.test(host) || IPV6_RE.test(host))) fail(`broker "${part}": "${host}" is not a host name, IPv4 or [IPv6] address`);
    const broker = `${host}:${Number(portText)}`;
    if (brokers.includes(broker)) fail(`broker "${broker}" is listed twice`);
    brokers.push(broker);
  }
  return brokers;
}

function parseTopic(path: string, fail: (p: string) => never): string {
  if (path === "") fail("no topic after the brokers");
  if (path.includes("/")) fail(`"${path}" is not one topic: one source reads one topic`);
  const topic = decode(path, "topic", fail);
  if (topic === "." || topic === ".." || !TOPIC_RE.test(topic)) fail(`topic "${topic}" is not a Kafka topic name (1-249 of a-z A-Z 0-9 . _ -, not "." or "..")`);
  return topic;
}

function parseQuery(query: string, fail: (p: string) => never): Map<string, string> {
  const params = new Map<string, string>();
  if (query === "") return params;
  for (const pair of query.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const name = decode(eq < 0 ? pair : pair.slice(0, eq), "parameter name", fail);
    const value = eq < 0 ? "" : decode(pair.slice(eq + 1), name, fail);
    if (!(PARAMS as readonly string[]).includes(name)) fail(`unknown parameter "${name}" (known: ${PARAMS.join(", ")})`);
    if (params.has(name)) fail(`parameter "${name}" is given twice`);
    if (value === "") fail(`parameter "${name}" is empty`);
    params.set(name, value);
  }
  return params;
}

function decode(text: string, what: string, fail: (p: string) => never): string {
  try {
    // RFC 3986 escapes only: "+" stays a plus (group names use it more than form encoders do).
    return decodeURIComponent(text);
  } catch {
    return fail(`${what} "${text}" has a malformed %-escape`);
  }
}
