import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Advance, TraceEntry } from "../core/interpreter/index.js";
import { appendTrace, decodeTrace, encodeTrace } from "./run-record.js";

const CREATED_AT = "2026-12-07T10:00:00.000Z";

const advanceWith = (trace: TraceEntry[]): Advance =>
  ({ snapshot: {}, trace }) as unknown as Advance;

/** Entries as the interpreter makes them: at the run's start time, or later. */
const entries = fc.array(
  fc.record({
    seq: fc.nat(),
    node: fc.string(),
    type: fc.constantFrom("switch", "task", "end"),
    at: fc.constantFrom(CREATED_AT, "2026-12-07T10:00:01.000Z"),
    output: fc.option(fc.jsonValue(), { nil: undefined }),
  }),
  { maxLength: 5 },
) as fc.Arbitrary<TraceEntry[]>;

describe("the stored trace", () => {
  it("reads back as the interpreter wrote it, key order included, after any appends", () => {
    fc.assert(
      fc.property(entries, entries, (stored, added) => {
        const appended = appendTrace(
          encodeTrace(stored, CREATED_AT),
          advanceWith(added),
          CREATED_AT,
        );
        const decoded = decodeTrace(appended, CREATED_AT);
        expect(JSON.stringify(decoded)).toBe(JSON.stringify([...stored, ...added]));
      }),
    );
  });

  it("leaves out the time of an entry made when the run started", () => {
    const trace: TraceEntry[] = [
      { seq: 1, node: "pick", type: "switch", at: CREATED_AT, branch: "done" },
      { seq: 2, node: "done", type: "end", at: "2026-12-07T10:00:05.000Z" },
    ];
    expect(encodeTrace(trace, CREATED_AT)).toBe(
      '[{"seq":1,"node":"pick","type":"switch","branch":"done"},' +
        '{"seq":2,"node":"done","type":"end","at":"2026-12-07T10:00:05.000Z"}]',
    );
    // A row written before the compact form has every time, and passes through.
    expect(decodeTrace(JSON.stringify(trace), CREATED_AT)).toEqual(trace);
  });

  it("refuses to append to a trace that is not an array", () => {
    expect(() => appendTrace('{"a":1}', advanceWith(stored1()), CREATED_AT)).toThrow(
      /not a JSON array/,
    );
  });
});

function stored1(): TraceEntry[] {
  return [{ seq: 1, node: "a", type: "end", at: CREATED_AT }];
}
