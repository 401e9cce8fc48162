import fc from "fast-check";
import jsonata from "jsonata";
import { describe, expect, it } from "vitest";
import { toBoolean } from "./to-boolean.js";

const jsonataBoolean = jsonata("$boolean($value)");

async function expected(value: unknown): Promise<boolean> {
  // $boolean of nothing is nothing, which a condition treats as false.
  return ((await jsonataBoolean.evaluate({}, { value })) as boolean | undefined) ?? false;
}

describe("toBoolean", () => {
  it.each([
    [undefined, false],
    [null, false],
    [false, false],
    [true, true],
    [0, false],
    [-1, true],
    [Number.NaN, false],
    ["", false],
    ["false", true],
    [[], false],
    [[0, "", null], false],
    [[0, "x"], true],
    [[[false], [[1]]], true],
    [{}, false],
    [{ a: null }, true],
    [() => true, false],
  ])("treats %j as %s", (value, truthy) => {
    expect(toBoolean(value)).toBe(truthy);
  });

  it("treats JSONata functions as false", async () => {
    const lambda: unknown = await jsonata("function($x) { $x }").evaluate({});
    const builtin: unknown = await jsonata("$sum").evaluate({});
    expect(toBoolean(lambda)).toBe(false);
    expect(toBoolean(builtin)).toBe(false);
  });

  it("agrees with JSONata's $boolean on any JSON value", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        expect(toBoolean(value)).toBe(await expected(value));
      }),
      { numRuns: 300 },
    );
  });
});
