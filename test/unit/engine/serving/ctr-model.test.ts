import { expect, test } from "bun:test";
import { EngineError } from "../../../../engine/core/errors.ts";
import { featureSpace, FeatureVector } from "../../../../engine/serving/bid-features.ts";
import { logit, modelToFile, parseModel, predict, sigmoid, type LogisticModel } from "../../../../engine/serving/ctr-model.ts";
import { ModelRegistry } from "../../../../engine/serving/model-registry.ts";
import { Rng } from "../../../sim/rng.ts";

const SPACE = featureSpace(1 << 8);
const seed = Number(process.env.SEED ?? 20261204);
console.log(`ctr-model seed=${seed}`);

function model(): LogisticModel {
  const rng = new Rng(seed);
  const weights = new Float64Array(SPACE.dimension);
  for (let i = 0; i < weights.length; i++) weights[i] = rng.bool(0.3) ? (rng.float() - 0.5) * 4 : 0;
  return { name: "ctr", version: "20261204T101500Z", target: "ctr", bias: -4.25, weights, fingerprint: SPACE.fingerprint,
    trainedAt: "2026-12-04T10:15:00.000Z", metrics: { auc: 0.71, logloss: 0.0812, n: 5000 }, training: { method: "lbfgs", l2: 1e-5 } };
}

test("a model file round-trips through JSON text exactly", () => {
  const m = model();
  const text = JSON.stringify(modelToFile(m, SPACE));
  const back = parseModel(JSON.parse(text), SPACE);
  expect({ ...back, weights: Array.from(back.weights) }).toEqual({ ...m, weights: Array.from(m.weights) });
});

test("predict is the logistic of bias + w.x over the non-zeros", () => {
  const m = model(), rng = new Rng(seed + 1), v = new FeatureVector(SPACE.dimension);
  for (let k = 0; k < 30; k++) v.add(rng.int(0, SPACE.dimension - 1), rng.bool(0.5) ? 1 : rng.float() * 3);
  let z = m.bias;
  for (let i = 0; i < SPACE.dimension; i++) z += m.weights[i]! * v.values[i]!;
  expect(logit(m, v)).toBeCloseTo(z, 12);
  expect(predict(m, v)).toBeCloseTo(1 / (1 + Math.exp(-z)), 14);
  expect([sigmoid(0), sigmoid(1000) < 1, sigmoid(-1000) > 0]).toEqual([0.5, true, true]);
});

test("invalid model files are refused with a message naming the problem", () => {
  const good = modelToFile(model(), SPACE) as unknown as Record<string, unknown>;
  const fs = good.feature_space as Record<string, unknown>;
  const other = featureSpace(1 << 9);
  const cases: [string, unknown][] = [
    ["array", []],
    ["name", { ...good, name: "ctr model!" }],
    ["version", { ...good, version: "" }],
    ["kind", { ...good, kind: "gbdt" }],
    ["target", { ...good, target: "ctv" }],
    ["no space", { ...good, feature_space: undefined }],
    ["space version", { ...good, feature_space: { ...fs, version: 0 } }],
    ["space hash", { ...good, feature_space: { ...fs, hash: "murmur3" } }],
    ["space buckets", { ...good, feature_space: { ...fs, buckets: 512 } }],
    ["space names", { ...good, feature_space: { ...fs, numeric: ["instl", ...SPACE.numeric.slice(1)] } }],
    ["space fewer names", { ...good, feature_space: { ...fs, categorical: SPACE.categorical.slice(0, -1) } }],
    ["space fingerprint", { ...good, feature_space: { ...fs, fingerprint: "v1-b256-00000000" } }],
    ["weights length", { ...good, weights: (good.weights as number[]).slice(1) }],
    ["weights entry", { ...good, weights: (good.weights as unknown[]).map((w, i) => (i === 7 ? "0.5" : w)) }],
    ["bias", { ...good, bias: null }],
    ["trained_at", { ...good, trained_at: "yesterday" }],
    ["metrics", { ...good, metrics: { auc: 1.5, logloss: 0.1, n: 10 } }],
    ["metrics n", { ...good, metrics: { auc: null, logloss: null, n: -1 } }],
    ["training", { ...good, training: "lbfgs" }],
    ["other space", modelToFile({ ...model(), weights: new Float64Array(other.dimension) }, other)],
  ];
  const got = cases.map(([label, json]) => {
    try {
      parseModel(json, SPACE);
      return [label, "accepted"];
    } catch (e) {
      return [label, e instanceof EngineError ? `${e.code}: ${e.message}` : String(e)];
    }
  });
  const p = `bad_request: model file:`;
  expect(got).toEqual([
    ["array", `${p} not a JSON object`],
    ["name", `${p} name must be 1-64 characters of A-Z a-z 0-9 _ . -`],
    ["version", `${p} version must be a string of 1-64 characters or an integer`],
    ["kind", `${p} kind "gbdt" is not supported (only "logistic")`],
    ["target", `${p} target must be "ctr" or "cvr", not "ctv"`],
    ["no space", `${p} feature_space must be an object`],
    ["space version", `${p} feature_space.version 0 does not match this server's 1 (space ${SPACE.fingerprint}); retrain the model`],
    ["space hash", `${p} feature_space.hash "murmur3" does not match this server's "${SPACE.hash}" (space ${SPACE.fingerprint}); retrain the model`],
    ["space buckets", `${p} feature_space.buckets 512 does not match this server's 256 (space ${SPACE.fingerprint}); retrain the model`],
    ["space names", `${p} feature_space.numeric[0] "instl" does not match this server's "floor_log1p" (space ${SPACE.fingerprint}); retrain the model`],
    ["space fewer names", `${p} feature_space.categorical[${SPACE.categorical.length - 1}] null does not match this server's "user_key_source" (space ${SPACE.fingerprint}); retrain the model`],
    ["space fingerprint", `${p} feature_space.fingerprint "v1-b256-00000000" does not match this server's "${SPACE.fingerprint}" (space ${SPACE.fingerprint}); retrain the model`],
    ["weights length", `${p} weights has ${SPACE.dimension - 1} entries, feature space ${SPACE.fingerprint} needs ${SPACE.dimension} (${SPACE.numeric.length} numeric + 256 buckets)`],
    ["weights entry", `${p} weights[7] is not a finite number`],
    ["bias", `${p} bias must be a finite number`],
    ["trained_at", `${p} trained_at must be an ISO-8601 date-time`],
    ["metrics", `${p} metrics.auc must be a number in [0, 1] or null`],
    ["metrics n", `${p} metrics.n must be an integer >= 0`],
    ["training", `${p} training must be an object when present`],
    ["other space", `${p} feature_space.buckets 512 does not match this server's 256 (space ${SPACE.fingerprint}); retrain the model`],
  ]);
});

test("the registry swaps a model under its name; the URL name must match the file's", () => {
  const registry = new ModelRegistry(SPACE);
  const first = modelToFile(model(), SPACE), second = { ...modelToFile(model(), SPACE), version: "2", bias: -3 };
  const held = registry.put("ctr", first);
  registry.put("ctr", second);
  expect([held.version, registry.get("ctr")!.version, registry.get("ctr")!.bias, registry.get("cvr")]).toEqual(["20261204T101500Z", "2", -3, null]);
  expect(() => registry.put("cvr", first)).toThrow('name "ctr" does not match the URL\'s "cvr"');
  expect([registry.delete("ctr"), registry.get("ctr"), registry.list().length]).toEqual([true, null, 0]);
});
