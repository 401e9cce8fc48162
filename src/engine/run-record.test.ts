import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Advance, TraceEntry } from "../core/interpreter/index.js";
import type { RunRoute } from "../core/model.js";
import { bucketOf } from "../core/routing/bucket.js";
import { appendTrace, decodeRoute, decodeTrace, encodeRoute, encodeTrace } from "./run-record.js";

const CREATED_AT = "2026-12-07T10:00:00.000Z";

const advanceWith = (trace: TraceEntry[]): Advance =>
  ({ snapshot: {}, trace }) as unknown as Advance;

/** Entries as the interpreter makes them: at the run's start time, or later. */
const steps = fc.array(
  fc.record({
    seq: fc.nat({ max: 8 }),
    node: fc.string(),
    type: fc.constantFrom("switch", "task", "wait"),
    at: fc.constantFrom(CREATED_AT, "2026-12-07T10:00:01.000Z"),
    input: fc.option(fc.jsonValue(), { nil: undefined }),
  }),
  { maxLength: 5 },
) as fc.Arbitrary<TraceEntry[]>;

/** The run's last entry when it completed: its output is the row's (absent, null or a value). */
const end = fc.option(
  fc.record({
    seq: fc.nat(),
    node: fc.constant("done"),
    type: fc.constant("end"),
    at: fc.constantFrom(CREATED_AT, "2026-12-07T10:00:02.000Z"),
    output: fc.option(fc.jsonValue(), { nil: undefined }),
  }),
  { nil: undefined },
) as fc.Arbitrary<TraceEntry | undefined>;

describe("the stored trace", () => {
  it("reads back as the interpreter wrote it, key order included, after any appends", () => {
    fc.assert(
      fc.property(steps, steps, end, (stored, added, last) => {
        const later = last === undefined ? added : [...added, last];
        const appended = appendTrace(
          encodeTrace(stored, CREATED_AT),
          advanceWith(later),
          CREATED_AT,
        );
        // The row's output column, as snapshotColumns writes it for a completed run.
        const output = last === undefined ? null : JSON.stringify(last.output ?? null);
        const decoded = decodeTrace(appended, CREATED_AT, output);
        expect(JSON.stringify(decoded)).toBe(JSON.stringify([...stored, ...later]));
      }),
    );
  });

  it("leaves out the time of an entry made when the run started, and the end's output", () => {
    const trace: TraceEntry[] = [
      { seq: 1, node: "pick", type: "switch", at: CREATED_AT, branch: "done" },
      { seq: 2, node: "done", type: "end", at: "2026-12-07T10:00:05.000Z", output: { ok: 1 } },
    ];
    expect(encodeTrace(trace, CREATED_AT)).toBe(
      '[{"node":"pick","type":"switch","branch":"done"},' +
        '{"node":"done","type":"end","at":"2026-12-07T10:00:05.000Z"}]',
    );
    // Appended entries keep the first one's seq: the stored trace before them is not read.
    expect(encodeTrace(trace.slice(1), CREATED_AT, false)).toBe(
      '[{"seq":2,"node":"done","type":"end","at":"2026-12-07T10:00:05.000Z"}]',
    );
    // A row written before the compact form has everything, and passes through.
    expect(decodeTrace(JSON.stringify(trace), CREATED_AT, '{"ok":1}')).toEqual(trace);
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

describe("the stored route", () => {
  it("reads back as the run started with it, key order included", () => {
    // As the router builds it: the selector, a binding, then a rollout's id, bucket and arm.
    const route = fc
      .tuple(
        fc.constantFrom("live", "latest", "3", "draft"),
        fc.option(fc.string(), { nil: undefined }),
        fc.option(fc.constantFrom("rol_1", "rol_2"), { nil: undefined }),
        fc.option(fc.string({ maxLength: 8 }), { nil: null }),
        fc.boolean(),
      )
      .map(([selector, binding, rolloutId, routingKey, keyedBucket]) => {
        const started: RunRoute = { selector };
        if (binding !== undefined) started.binding = binding;
        if (rolloutId !== undefined) {
          const bucket =
            keyedBucket && routingKey !== null ? bucketOf(rolloutId, routingKey) : 1234;
          Object.assign(started, {
            rolloutId,
            bucket,
            arm: bucket < 5000 ? "candidate" : "stable",
          });
        }
        return { started, routingKey };
      });
    fc.assert(
      fc.property(route, ({ started, routingKey }) => {
        const stored = encodeRoute(started, routingKey);
        expect(stored).not.toContain("rol_");
        const read = decodeRoute(stored, started.rolloutId ?? null, routingKey);
        expect(JSON.stringify(read)).toBe(JSON.stringify(started));
      }),
    );
  });
});
