import { describe, it, expect } from "vitest";
import { isStrataError } from "../errors.js";
import { DURATION_PATTERN, isDuration, parseDuration } from "./duration.js";
import { loadDefinitionSchema } from "./schema-problems.js";

describe("parseDuration", () => {
  it.each([
    ["PT30S", 30_000],
    ["PT72H", 72 * 3_600_000],
    ["P1D", 86_400_000],
    ["PT0.5S", 500],
    ["P1W", 7 * 86_400_000],
    ["P1DT2H3M4S", 86_400_000 + 2 * 3_600_000 + 3 * 60_000 + 4_000],
    ["PT1.5M", 90_000],
    ["PT0S", 0],
    ["PT0.0004S", 0],
  ])("reads %s as %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "P", "PT", "P1DT", "1D", "PT-1S", "pt1s", "PT1.S", "P1H", "PT1D", "PT1S2M"])(
    "refuses %j",
    (text) => {
      expect(() => parseDuration(text)).toThrow(/not an ISO-8601 duration/);
      expect(isDuration(text)).toBe(false);
    },
  );

  it.each(["P1M", "P1Y", "P1Y2M", "P2MT1H"])(
    "refuses months and years in %s, saying why",
    (text) => {
      let thrown: unknown;
      try {
        parseDuration(text);
      } catch (error) {
        thrown = error;
      }
      expect(isStrataError(thrown, "validation_failed")).toBe(true);
      expect((thrown as Error).message).toMatch(/months or years.*P30D/);
    },
  );

  it("accepts minutes after T (PT1M is one minute, not a month)", () => {
    expect(parseDuration("PT1M")).toBe(60_000);
  });

  it("refuses durations too long to count in milliseconds", () => {
    expect(() => parseDuration(`P${"9".repeat(20)}D`)).toThrow(/too long/);
  });

  it("uses the same pattern as the definition schema", () => {
    const defs = loadDefinitionSchema().$defs as Record<string, { pattern?: string }>;
    expect(defs.duration?.pattern).toBe(DURATION_PATTERN);
    const schemaRegex = new RegExp(DURATION_PATTERN, "u");
    for (const text of ["PT30S", "P1D", "PT0.5S", "P1M", "PT", "P1DT"]) {
      expect(schemaRegex.test(text)).toBe(isDuration(text));
    }
  });
});
