import { describe, expect, test } from "bun:test";
import { EngineError } from "../../../../engine/core/errors.ts";
import { parseKafkaSourceUrl } from "../../../../server/kafka/source-url.ts";

function failure(url: string): { code: string; message: string } | "parsed" {
  try {
    parseKafkaSourceUrl(url);
    return "parsed";
  } catch (e) {
    if (!(e instanceof EngineError)) throw e;
    return { code: e.code, message: e.message };
  }
}

describe("parseKafkaSourceUrl", () => {
  test("brokers, topic, group and defaults", () => {
    expect(parseKafkaSourceUrl("kafka://k1:9092,10.0.0.2:9093,[::1]:9094/clicks.v1?group=caracal")).toEqual({
      brokers: ["k1:9092", "10.0.0.2:9093", "[::1]:9094"], topic: "clicks.v1", groupId: "caracal", format: "ndjson", table: "events",
    });
  });

  test("format, table, escapes, order of parameters and the scheme's case", () => {
    expect(parseKafkaSourceUrl("KAFKA://broker.example.com:19092/app_events-2?table=app_events&format=msgpack&group=team%2Fa+b")).toEqual({
      brokers: ["broker.example.com:19092"], topic: "app_events-2", groupId: "team/a+b", format: "msgpack", table: "app_events",
    });
    expect(parseKafkaSourceUrl("kafka://h:1/t?group=g&format=json")).toEqual({ brokers: ["h:1"], topic: "t", groupId: "g", format: "json", table: "events" });
  });

  test("each problem is a bad_config error that names it", () => {
    const cases: [string, string][] = [
      ["http://h:9092/t?group=g", "must start with kafka://"],
      ["kafka://h:9092?group=g", "no topic: expected kafka://HOST:PORT/TOPIC?group=G"],
      ["kafka:///t?group=g", "no broker: expected HOST:PORT before the topic"],
      ["kafka://h:9092,,h2:9092/t?group=g", "an empty broker in the list (two commas, or a comma at an end)"],
      ["kafka://h/t?group=g", 'broker "h" has no port (HOST:PORT)'],
      ["kafka://[::1]/t?group=g", 'broker "[::1]" has no port (HOST:PORT)'],
      ["kafka://h:0/t?group=g", 'broker "h:0": port "0" is not in 1..65535'],
      ["kafka://h:65536/t?group=g", 'broker "h:65536": port "65536" is not in 1..65535'],
      ["kafka://h:90x/t?group=g", 'broker "h:90x": port "90x" is not in 1..65535'],
      ["kafka://bad_host:9092/t?group=g", 'broker "bad_host:9092": "bad_host" is not a host name, IPv4 or [IPv6] address'],
      ["kafka://h:9092,h:09092/t?group=g", 'broker "h:9092" is listed twice'],
      ["kafka://user:pw@h:9092/t?group=g", "credentials in the URL are not supported"],
      ["kafka://h:9092/?group=g", "no topic after the brokers"],
      ["kafka://h:9092/a/b?group=g", '"a/b" is not one topic: one source reads one topic'],
      ["kafka://h:9092/..?group=g", 'topic ".." is not a Kafka topic name (1-249 of a-z A-Z 0-9 . _ -, not "." or "..")'],
      ["kafka://h:9092/a%20b?group=g", 'topic "a b" is not a Kafka topic name (1-249 of a-z A-Z 0-9 . _ -, not "." or "..")'],
      [`kafka://h:9092/${"t".repeat(250)}?group=g`, `topic "${"t".repeat(250)}" is not a Kafka topic name (1-249 of a-z A-Z 0-9 . _ -, not "." or "..")`],
      ["kafka://h:9092/t", "group is required (?group=NAME): the consumer group the Caracal processes share"],
      ["kafka://h:9092/t?format=json", "group is required (?group=NAME): the consumer group the Caracal processes share"],
      [`kafka://h:9092/t?group=${"g".repeat(256)}`, "group is 256 characters, more than 255"],
      ["kafka://h:9092/t?group=", 'parameter "group" is empty'],
      ["kafka://h:9092/t?group=a&group=b", 'parameter "group" is given twice'],
      ["kafka://h:9092/t?group=g&offset=0", 'unknown parameter "offset" (known: group, format, table)'],
      ["kafka://h:9092/t?group=g&format=csv", 'format "csv" is not one of ndjson, json, msgpack'],
      ["kafka://h:9092/t?group=g&table=Events", 'table "Events" is not a table name (lower-case letters, digits and _, starting with a letter or _)'],
      ["kafka://h:9092/t?group=%E0%A4%A", 'group "%E0%A4%A" has a malformed %-escape'],
      ["kafka://h:9092/t?group=g#x", "a fragment (#...) is not allowed"],
    ];
    expect(cases.map(([url]) => failure(url))).toEqual(cases.map(([url, problem]) => ({ code: "bad_config", message: `kafka source "${url}": ${problem}` })));
  });
});
