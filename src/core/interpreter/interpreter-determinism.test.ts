/**
 * Determinism (DESIGN.md §4): the same snapshot, event and environment always give the same
 * result, snapshots survive JSON unchanged, and re-executing any step from its stored snapshot
 * (what the executor does after a crash) decides exactly as the first execution did.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { CompiledDefinition } from "./compile-definition.js";
import { compileDefinition } from "./compile-definition.js";
import { advance, initialSnapshot } from "./interpreter.js";
import type { RunEnv, RunEvent } from "./run-event.js";
import type { RunSnapshot } from "./run-snapshot.js";
import { envAt, loadLoanDefinition } from "./test-support/run-fixture.js";
import type { ScriptedEvent } from "./test-support/run-fixture.js";
import type { TraceEntry } from "./trace-entry.js";

/** The loan example, with randomness and time in its expressions. */
async function noisyLoan(): Promise<CompiledDefinition> {
  const def = structuredClone(await loadLoanDefinition());
  const score = def.nodes.score as { assign: Record<string, string> };
  score.assign.jitter = "$random()";
  score.assign.order = "$shuffle(['a', 'b', 'c', 'd'])";
  score.assign.scoredAt = "$now()";
  const review = def.nodes.review as { assign: Record<string, string> };
  review.assign.reviewedAt = "$millis()";
  review.assign.coin = "$random() < 0.5";
  const notify = def.nodes.notify as { input: Record<string, string> };
  notify.input = { body: "$", nonce: "$random()" };
  def.nodes.approve = { type: "end", output: { score: "score", at: "$now()", luck: "$random()" } };
  return compileDefinition(def);
}

const inputs = fc.record({
  amount: fc.integer({ min: 0, max: 50_000 }),
  applicant: fc.record({
    id: fc.string({ maxLength: 8 }),
    income: fc.integer({ min: 0, max: 200_000 }),
    age: fc.integer({ min: 18, max: 90 }),
    country: fc.constantFrom("DE", "FR", "NL", "US"),
  }),
});

/** What happens to a run that reaches review: a signal or the timer, then task outcomes. */
const scripts = fc
  .tuple(
    fc.boolean(),
    fc.string({ maxLength: 6 }),
    fc.array(fc.boolean(), { maxLength: 3 }),
    fc.array(fc.integer({ min: 1, max: 10 * 86_400_000 }), { minLength: 5, maxLength: 5 }),
  )
  .map(([signal, by, taskOutcomes, gaps]): ScriptedEvent[] => {
    const events: RunEvent[] = [
      signal ? { type: "signal", name: "review", payload: { by } } : { type: "timer" },
      ...taskOutcomes.map((ok): RunEvent =>
        ok
          ? { type: "task_succeeded", result: { ok } }
          : { type: "task_failed", error: { message: "down" } },
      ),
    ];
    let at = 0;
    return events.map((event, index) => ({ event, atMs: (at += gaps[index] ?? 1) }));
  });

/** One step of a driven run: the snapshot before, the event, and the environment. */
interface Step {
  before: RunSnapshot;
  event: RunEvent;
  env: RunEnv;
}

/**
 * Starts a run and applies the script until the run cannot take the next event (it finished,
 * or took another path). With `roundTrip`, snapshots go through JSON between steps.
 */
async function run(
  compiled: CompiledDefinition,
  input: unknown,
  script: ScriptedEvent[],
  roundTrip = false,
) {
  let snapshot = initialSnapshot(compiled, input);
  const steps: Step[] = [];
  const trace: TraceEntry[] = [];
  for (const { event, atMs } of [{ event: { type: "start" } as RunEvent, atMs: 0 }, ...script]) {
    if (steps.length > 0 && !accepts(snapshot, event)) break;
    const before = roundTrip ? (JSON.parse(JSON.stringify(snapshot)) as RunSnapshot) : snapshot;
    const env = envAt(atMs);
    const result = await advance(compiled, before, event, env);
    steps.push({ before, event, env });
    trace.push(...result.trace);
    snapshot = result.snapshot;
  }
  return { steps, trace, final: snapshot };
}

function accepts(snapshot: RunSnapshot, event: RunEvent): boolean {
  if (event.type === "task_succeeded" || event.type === "task_failed") {
    return snapshot.pending?.type === "task";
  }
  return snapshot.status === "waiting";
}

let compiled: CompiledDefinition;
beforeAll(async () => {
  compiled = await noisyLoan();
});

describe("determinism", () => {
  it("gives the same path, state and draws every time, through JSON or not", async () => {
    await fc.assert(
      fc.asyncProperty(inputs, scripts, async (input, script) => {
        const first = await run(compiled, input, script);
        const again = await run(compiled, input, script);
        const stored = await run(compiled, input, script, true);
        expect(again).toEqual(first);
        // jitter and the four-element shuffle draw five numbers before anything else.
        expect(first.final.randomCounter).toBeGreaterThanOrEqual(5);
        expect(stored.trace).toStrictEqual(JSON.parse(JSON.stringify(first.trace)));
        expect(stored.final).toStrictEqual(JSON.parse(JSON.stringify(first.final)));
      }),
      { numRuns: 40 },
    );
  });

  it("decides every step the same when re-executed from its stored snapshot", async () => {
    await fc.assert(
      fc.asyncProperty(inputs, scripts, async (input, script) => {
        const { steps } = await run(compiled, input, script);
        for (const [index, { before, event, env }] of steps.entries()) {
          const stored = JSON.parse(JSON.stringify(before)) as RunSnapshot;
          const once = await advance(compiled, stored, event, env);
          const twice = await advance(compiled, stored, event, env);
          expect(twice).toEqual(once);
          expect(once.snapshot).toEqual(steps[index + 1]?.before ?? once.snapshot);
        }
      }),
      { numRuns: 40 },
    );
  });
});
