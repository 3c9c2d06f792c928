// Builds the `props` JSON text of one event: the event's own props plus the top-level fields the
// schema has no column for. The rules are in event-validator.ts's header.
//
// The text is assembled by concatenation (JSC joins it as a rope) instead of copying props into a
// new object: most events carry no unknown fields, and those pay for one JSON.stringify only.

import { BAD, describe, fail, jsonText, type Converted } from "./convert-value.ts";

export function mergeProps(
  event: Record<string, unknown>, props: unknown, unknownKeys: readonly string[], unknownCount: number, maxLength: number,
): Converted {
  if (props !== null && props !== undefined && (typeof props !== "object" || props instanceof Date)) {
    return fail("invalid_type", `expected an object, got ${describe(props)}`);
  }
  let text: string | typeof BAD;
  if (unknownCount === 0) {
    if (props === null || props === undefined) return null;
    text = jsonText(props);
    if (text === "{}" || text === "[]") return null;
  } else {
    if (Array.isArray(props)) {
      return fail("invalid_type", `is an array, so the fields without a column (${unknownKeys.slice(0, Math.min(unknownCount, 3)).join(", ")}) cannot be kept in it; send props as an object`);
    }
    text = appendFields(event, props as Record<string, unknown> | null | undefined, unknownKeys, unknownCount);
  }
  if (text === BAD) return BAD;
  if (text.length > maxLength) {
    const merged = unknownCount > 0 ? " (with the fields merged into it)" : "";
    return fail("value_too_long", `${text.length} characters of JSON${merged} exceed the limit of ${maxLength}`);
  }
  return text;
}

function appendFields(
  event: Record<string, unknown>, props: Record<string, unknown> | null | undefined, keys: readonly string[], count: number,
): string | typeof BAD {
  let text: string;
  if (props) {
    const own = jsonText(props);
    if (own === BAD) return BAD;
    text = own === "{}" ? "{" : `${own.slice(0, -1)},`;
  } else {
    text = "{";
  }
  let renamed: Set<string> | null = null;
  for (let i = 0; i < count; i++) {
    let key = keys[i]!;
    const value = jsonText(event[key] === undefined ? null : event[key]);
    if (value === BAD) return BAD;
    if (props && Object.hasOwn(props, key)) {
      // Keep both: props' value keeps the key, the top-level one moves to the first free "_" name.
      renamed ??= new Set();
      do key = `_${key}`;
      while (Object.hasOwn(props, key) || Object.hasOwn(event, key) || renamed.has(key));
      renamed.add(key);
    }
    text += `${i === 0 ? "" : ","}${JSON.stringify(key)}:${value}`;
  }
  return `${text}}`;
}
