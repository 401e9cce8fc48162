import fc from "fast-check";
import jsonata from "jsonata";
import { describe, expect, it } from "vitest";
import { isJsonObject, toJsonValue } from "./json-value.js";

describe("toJsonValue", () => {
  it("gives what a JSON round trip gives", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(toJsonValue(value)).toStrictEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 1000 },
    );
  });

  it("keeps __proto__ as a plain key", () => {
    const value: unknown = JSON.parse('{"__proto__": {"polluted": true}}');
    const json = toJsonValue(value) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype);
    expect(JSON.stringify(json)).toBe('{"__proto__":{"polluted":true}}');
  });

  it("copies rather than shares", () => {
    const value = { list: [{ a: 1 }] };
    const copy = toJsonValue(value) as typeof value;
    expect(copy).toEqual(value);
    expect(copy.list).not.toBe(value.list);
  });

  it("drops what JSON cannot hold, as JSON.stringify does", async () => {
    const lambda: unknown = await jsonata("function($x) { $x }").evaluate({});
    const value = {
      f: () => 1,
      lambda,
      u: undefined,
      list: [undefined, lambda, Number.POSITIVE_INFINITY, -0],
      when: new Date("2024-01-01T00:00:00Z"),
    };
    expect(toJsonValue(value)).toStrictEqual({
      list: [null, null, null, 0],
      when: "2024-01-01T00:00:00.000Z",
    });
    expect(toJsonValue(lambda)).toBeUndefined();
    expect(toJsonValue(undefined)).toBeUndefined();
  });

  it("drops the sequence flag of JSONata's arrays", async () => {
    const sequence: unknown = await jsonata("items.x").evaluate({ items: [{ x: 1 }, { x: 2 }] });
    const json = toJsonValue(sequence);
    expect(json).toStrictEqual([1, 2]);
    expect(Object.keys(json as object)).toEqual(["0", "1"]);
  });
});

describe("isJsonObject", () => {
  it("accepts objects only", () => {
    expect(isJsonObject({})).toBe(true);
    expect([null, [], 1, "x", undefined].some((value) => isJsonObject(value))).toBe(false);
  });
});
