import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Advance, TraceEntry } from "../core/interpreter/index.js";
import { appendTrace } from "./run-record.js";

const advanceWith = (trace: unknown[]): Advance =>
  ({ snapshot: {}, trace: trace as TraceEntry[] }) as unknown as Advance;

describe("appendTrace", () => {
  it("gives the stored trace followed by the new entries, as JSON", () => {
    const entries = fc.array(fc.jsonValue(), { maxLength: 5 });
    fc.assert(
      fc.property(entries, entries, (stored, added) => {
        const appended = appendTrace(JSON.stringify(stored), advanceWith(added));
        expect(appended).toBe(JSON.stringify([...stored, ...added]));
      }),
    );
  });

  it("refuses a trace that is not an array", () => {
    expect(() => appendTrace('{"a":1}', advanceWith([1]))).toThrow(/not a JSON array/);
  });
});
