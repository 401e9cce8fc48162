/**
 * Durability under crashes (DESIGN.md §4 "Durability", §8 leases). A driver process works
 * through 200 mixed runs — pure flows, tasks with retries and loops, waits for signals, waits
 * that time out — and is killed with SIGKILL at ten seeded random moments, then started
 * again each time. At the end every run has exactly its planned status, output and trace; no
 * run is lost or started twice; every task was called with one idempotency key on every
 * attempt, for every attempt it needed and no other; every timer fired exactly once; and the
 * audit chain is intact.
 *
 * A task runs at least once: a kill between a handler's return and the commit of its result
 * makes the next life call the same attempt again. The test allows such repeats (and counts
 * them), but never a different key, a skipped or extra attempt, or a second trace entry.
 *
 * `STRATA_CRASH_SEED` replays another plan and kill schedule; the seed is in the test name.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Strata } from "../src/index.js";
import { recountRuns } from "../src/store/run-counts.js";
import type { Run } from "../src/index.js";
import {
  ACK_LOG,
  APPROVE_SIGNAL,
  HANDLER_LOG,
  PLAN_SIZE,
  WORKFLOWS,
  expectedOf,
  makePlan,
} from "./support/crash-plan.js";
import type { Acknowledged, HandlerCall, PlanItem } from "./support/crash-plan.js";
import { driveLives } from "./support/crash-lives.js";
import { DIALECTS, createTestDatabase } from "./support/test-stores.js";
import type { TestDatabase } from "./support/test-stores.js";

/** The default seed; each dialect adds its index, so the two stores see different schedules. */
const SEED = Number(process.env.STRATA_CRASH_SEED ?? 20_240_611);
/** Kills per database: the issue asks for at least 10; each costs ~2.5 s of process start. */
const KILLS = 10;
/** A kill lands this long after the driver said `ready`: 20–800 ms. */
const KILL_DELAY_MS = { min: 20, max: 800 };
/** The whole kill-and-restart sequence of one database must end within this. */
const DEADLINE_MS = 90_000;
/** A signal that has not answered after this long never will. */
const STUCK_MS = 5000;

describe.each(DIALECTS)("crash recovery on %s", (dialect) => {
  const seed = SEED + DIALECTS.indexOf(dialect);
  let database: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    dir = mkdtempSync(join(tmpdir(), "strata-crash-"));
  });
  afterAll(async () => {
    await database.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a restarted engine delivers a signal to a run that waited through the restart", async () => {
    // The smallest form of what the driver does after every kill: a new process (here, a new
    // engine with nothing compiled yet) signals a run that an earlier one left waiting. It
    // hangs if the signal's transaction reads the run's version through another connection
    // than its own: SQLite has one, which the transaction holds (Executor#change).
    const fresh = await createTestDatabase(dialect);
    let after: Strata | undefined;
    let stuck = false;
    try {
      await publishWorkflows(fresh.location);
      const before = await Strata.open({ database: fresh.location, actor: "before-restart" });
      const waiting = await before.runs.start("crash-signal", {
        input: { item: 0, n: 7, failTimes: 0 },
      });
      await before.close();
      after = await Strata.open({ database: fresh.location, actor: "after-restart" });
      const signalled = after.runs.signal(waiting.id, APPROVE_SIGNAL, { by: "r", amount: 1 });
      const outcome = await Promise.race([
        signalled.then((run) => run.status),
        sleep(STUCK_MS).then(() => `stuck: no answer within ${STUCK_MS} ms`),
      ]);
      stuck = outcome.startsWith("stuck");
      expect(outcome).toBe("running");
    } finally {
      if (!stuck) await after?.close(); // a stuck engine cannot be closed: its connection is held
      await fresh.cleanup();
    }
  });

  it(`${PLAN_SIZE} runs survive ${KILLS} SIGKILLs of their driver (seed ${seed})`, async () => {
    const plan = makePlan(seed);
    await publishWorkflows(database.location);

    const began = Date.now();
    const { kills } = await driveLives({
      location: database.location,
      logDir: dir,
      seed,
      kills: KILLS,
      killDelayMs: KILL_DELAY_MS,
      deadlineMs: DEADLINE_MS,
    });
    const calls = readLog<HandlerCall>(join(dir, HANDLER_LOG));
    const acks = readLog<Acknowledged>(join(dir, ACK_LOG));
    expect(kills).toBeGreaterThanOrEqual(10);

    const strata = await Strata.open({ database: database.location, actor: "crash-check" });
    try {
      const repeats = await checkOutcome(strata, plan, calls, acks);
      // The run counters moved with every run in the transactions the kills cut short.
      expect(await recountRuns(strata.store.db)).toEqual([]);
      const sameLife = repeatedWithinOneLife(calls);
      console.log(
        `${dialect}: ${kills} kills, ${calls.length} handler calls ` +
          `(${repeats} repeated attempts, ${sameLife} of them within one life), ` +
          `${acks.length} acknowledged starts and signals, ` +
          `${((Date.now() - began) / 1000).toFixed(1)} s`,
      );
    } finally {
      await strata.close();
    }
  }, 150_000);
});

async function publishWorkflows(location: string): Promise<void> {
  const strata = await Strata.open({ database: location, actor: "crash-setup" });
  try {
    for (const [key, definition] of Object.entries(WORKFLOWS)) {
      await strata.workflows.create({ key, definition });
      await strata.drafts.publish(key);
    }
  } finally {
    await strata.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Checks every run against the plan and every handler call against its run; returns how many
 * handler calls repeated an attempt already made (at-least-once, allowed).
 */
async function checkOutcome(
  strata: Strata,
  plan: PlanItem[],
  calls: HandlerCall[],
  acks: Acknowledged[],
) {
  const problems: string[] = [];

  // One run per planned start request, no more: the database itself, keys included.
  const rows = await strata.store.db
    .selectFrom("runs")
    .select(["id", "idempotency_key"])
    .where("tenant_id", "=", strata.context.tenantId)
    .execute();
  expect(rows.length, "runs in the database").toBe(PLAN_SIZE);
  expect(new Set(rows.map((row) => row.idempotency_key))).toEqual(
    new Set(plan.map((item) => item.key)),
  );

  const runs = await listAllRuns(strata);
  const byItem = new Map<number, Run[]>();
  for (const run of runs) {
    const item = (run.input as { item: number }).item;
    byItem.set(item, [...(byItem.get(item) ?? []), run]);
  }
  const runById = new Map(runs.map((run) => [run.id, run]));
  const expectedKeys = new Map<string, { item: PlanItem; attempts: number }>();

  for (const item of plan) {
    const found = byItem.get(item.item) ?? [];
    if (found.length !== 1) {
      problems.push(`item ${item.item} (${item.kind}): ${found.length} runs`);
      continue;
    }
    const run = found[0] as Run;
    const expected = expectedOf(item);
    const where = `item ${item.item} (${item.kind}) run ${run.id}`;
    if (run.status !== expected.status) problems.push(`${where}: status ${run.status}`);
    if (!isDeepStrictEqual(run.output, expected.output))
      problems.push(`${where}: output ${JSON.stringify(run.output)}`);
    if (expected.errorCode !== undefined && run.error?.code !== expected.errorCode)
      problems.push(`${where}: error ${JSON.stringify(run.error)}`);
    const trace = run.trace as { seq: number; node: string; event?: string }[];
    const shape = trace.map((entry) => (entry.event ? `${entry.node}:${entry.event}` : entry.node));
    if (!isDeepStrictEqual(shape, expected.trace))
      problems.push(`${where}: trace ${shape.join(" ")}; expected ${expected.trace.join(" ")}`);
    if (trace.some((entry, index) => entry.seq !== index + 1))
      problems.push(`${where}: trace seq ${trace.map((entry) => entry.seq).join(",")}`);
    const timers = trace.filter((entry) => entry.event === "timer").length;
    if (timers !== (item.kind === "timer" ? 1 : 0))
      problems.push(`${where}: the timer fired ${timers} times`);
    for (const task of expected.tasks) {
      const key = `${run.id}:${task.node}${task.visit === 1 ? "" : `:${task.visit}`}`;
      expectedKeys.set(key, { item, attempts: task.attempts });
    }
  }

  // Handler calls: each under the key its run and visit must have, each planned attempt
  // called at least once, none beyond the last planned attempt.
  const attemptsByKey = new Map<string, number[]>();
  for (const call of calls) {
    const run = runById.get(call.runId);
    const visit = call.i + 1;
    const key = `${call.runId}:${call.node}${visit === 1 ? "" : `:${visit}`}`;
    if (run === undefined) problems.push(`handler call for a run that does not exist: ${key}`);
    else if ((run.input as { item: number }).item !== call.item)
      problems.push(`handler call ${key} carried item ${call.item}`);
    if (call.idempotencyKey !== key)
      problems.push(
        `handler call for ${key} (attempt ${call.attempt}) had key ${call.idempotencyKey}`,
      );
    attemptsByKey.set(key, [...(attemptsByKey.get(key) ?? []), call.attempt]);
  }
  let repeats = 0;
  for (const [key, attempts] of attemptsByKey) {
    const expected = expectedKeys.get(key);
    if (expected === undefined) {
      problems.push(`unexpected handler calls for ${key}: attempts ${attempts.join(",")}`);
      continue;
    }
    const distinct = [...new Set(attempts)].sort((a, b) => a - b);
    const planned = Array.from({ length: expected.attempts }, (_, index) => index + 1);
    if (!isDeepStrictEqual(distinct, planned))
      problems.push(`${key} (item ${expected.item.item}): attempts ${attempts.join(",")}`);
    repeats += attempts.length - distinct.length;
  }
  for (const [key, expected] of expectedKeys) {
    if (!attemptsByKey.has(key)) problems.push(`${key} (item ${expected.item.item}): never called`);
  }

  // What the engine acknowledged stays true: a start that returned a run id returns that id
  // in every later life (the run was not lost and recreated), and a signal that returned was
  // committed (a lost one would leave the run waiting, to be signalled again).
  const signalled = new Map<string, number>();
  for (const ack of acks) {
    const runs = byItem.get(ack.item) ?? [];
    if (ack.type === "start" && (runs.length !== 1 || runs[0]?.id !== ack.runId))
      problems.push(`item ${ack.item}: start returned ${ack.runId} in life ${ack.life}, now gone`);
    if (ack.type === "signal") signalled.set(ack.runId, (signalled.get(ack.runId) ?? 0) + 1);
  }
  for (const [runId, times] of signalled)
    if (times > 1) problems.push(`run ${runId}: signal acknowledged ${times} times`);

  expect(problems).toEqual([]);
  expect((await strata.audit.verify()).ok).toBe(true);
  return repeats;
}

/**
 * Attempts called twice by the same process. Only a lease that lapsed while its process was
 * alive can cause one (the lease is 1 s, a handler call under 50 ms): reported, not failed.
 */
function repeatedWithinOneLife(calls: HandlerCall[]): number {
  const seen = new Set<string>();
  let repeated = 0;
  for (const call of calls) {
    const id = `${call.idempotencyKey}#${call.attempt}@${call.life}`;
    if (seen.has(id)) repeated++;
    seen.add(id);
  }
  return repeated;
}

function readLog<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as T);
}

async function listAllRuns(strata: Strata): Promise<Run[]> {
  const runs: Run[] = [];
  let cursor: string | undefined;
  do {
    const page = await strata.runs.list({
      kind: "all",
      limit: 500,
      ...(cursor === undefined ? {} : { cursor }),
    });
    runs.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return runs;
}
