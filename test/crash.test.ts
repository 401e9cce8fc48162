/**
 * Durability under crashes (DESIGN.md §4 "Durability", §8 leases). A driver process works
 * through 200 mixed runs — pure flows, tasks with retries and loops, waits for signals, waits
 * that time out — and is killed with SIGKILL at a dozen seeded random moments, then started
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
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Strata } from "../src/index.js";
import type { Run } from "../src/index.js";
import {
  APPROVE_SIGNAL,
  PLAN_SIZE,
  WORKFLOWS,
  expectedOf,
  makePlan,
  seededRandom,
} from "./support/crash-plan.js";
import type { HandlerCall, PlanItem } from "./support/crash-plan.js";
import { DIALECTS, createTestDatabase } from "./support/test-stores.js";
import type { TestDatabase } from "./support/test-stores.js";

/** The default seed; each dialect adds its index, so the two stores see different schedules. */
const SEED = Number(process.env.STRATA_CRASH_SEED ?? 20_240_611);
/** Kills per database (the issue asks for at least 10). */
const KILLS = 12;
/** A kill lands this long after the driver said `ready`: 20–800 ms. */
const KILL_DELAY_MS = { min: 20, max: 800 };
/** The whole kill-and-restart sequence of one database must end within this. */
const DEADLINE_MS = 90_000;
/** A signal that has not answered after this long never will. */
const STUCK_MS = 5000;

const DRIVER = fileURLToPath(new URL("./support/crash-driver.ts", import.meta.url));

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
    // engine with nothing compiled yet) signals a run that an earlier one left waiting.
    const fresh = await createTestDatabase(dialect);
    try {
      await publishWorkflows(fresh.location);
      const before = await Strata.open({ database: fresh.location, actor: "before-restart" });
      const waiting = await before.runs.start("crash-signal", {
        input: { item: 0, n: 7, failTimes: 0 },
      });
      await before.close();
      const after = await Strata.open({ database: fresh.location, actor: "after-restart" });
      const signalled = after.runs.signal(waiting.id, APPROVE_SIGNAL, { by: "r", amount: 1 });
      const outcome = await Promise.race([
        signalled.then((run) => run.status),
        sleep(STUCK_MS).then(() => `stuck: no answer within ${STUCK_MS} ms`),
      ]);
      expect(outcome).toBe("running");
      await after.close(); // not reached when stuck: the stuck engine cannot be closed
    } finally {
      await fresh.cleanup();
    }
  });

  it(`${PLAN_SIZE} runs survive ${KILLS} SIGKILLs of their driver (seed ${seed})`, async () => {
    const plan = makePlan(seed);
    await publishWorkflows(database.location);
    const logPath = join(dir, "handler-calls.jsonl");
    writeFileSync(logPath, "");

    const began = Date.now();
    const { kills, lives } = await driveWithKills(database.location, logPath, seed);
    const calls = readFileSync(logPath, "utf8")
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as HandlerCall);
    expect(kills).toBeGreaterThanOrEqual(10);

    const strata = await Strata.open({ database: database.location, actor: "crash-check" });
    try {
      const repeats = await checkOutcome(strata, plan, calls);
      console.log(
        `${dialect}: ${kills} kills, ${lives} lives, ${calls.length} handler calls ` +
          `(${repeats} repeated attempts), ${((Date.now() - began) / 1000).toFixed(1)} s`,
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

/** A driver process: `ready` settles when it printed `ready` (false if it exited first). */
interface DriverProcess {
  ready: Promise<boolean>;
  exited: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>;
  kill: () => void;
}

function startDriver(location: string, logPath: string, life: number, seed: number) {
  const args = ["--import", "tsx", DRIVER, location, logPath, String(life), String(KILLS + 1)];
  const child = spawn(process.execPath, [...args, String(seed)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let markReady: (ready: boolean) => void = () => undefined;
  const ready = new Promise<boolean>((resolve) => (markReady = resolve));
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes("ready\n")) markReady(true);
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<Awaited<DriverProcess["exited"]>>((resolve) =>
    child.on("close", (code, signal) => {
      markReady(false);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { ready, exited, kill: () => child.kill("SIGKILL") } satisfies DriverProcess;
}

/**
 * Runs the driver {@link KILLS} times, killing each life at a seeded random moment after it
 * is ready, then lets the last life finish. Fails on a life that exits by itself early, or
 * on the deadline.
 */
async function driveWithKills(location: string, logPath: string, seed: number) {
  const random = seededRandom(seed * 7919);
  const deadline = Date.now() + DEADLINE_MS;
  let kills = 0;
  for (let life = 0; life <= KILLS; life++) {
    const driver = startDriver(location, logPath, life, seed);
    const last = life === KILLS;
    const delay = KILL_DELAY_MS.min + random() * (KILL_DELAY_MS.max - KILL_DELAY_MS.min);
    const timer = setTimeout(driver.kill, Math.max(0, deadline - Date.now()));
    try {
      if (!(await driver.ready)) throw lifeFailed(life, await driver.exited);
      if (!last) {
        const early = await Promise.race([
          sleep(delay).then(() => undefined),
          driver.exited.then((result) => result),
        ]);
        if (early !== undefined) throw lifeFailed(life, early);
        driver.kill();
        const result = await driver.exited;
        if (result.signal !== "SIGKILL") throw lifeFailed(life, result);
        kills++;
      } else {
        const result = await driver.exited;
        if (result.code !== 0 || !result.stdout.includes("done")) throw lifeFailed(life, result);
      }
    } finally {
      clearTimeout(timer);
    }
  }
  return { kills, lives: KILLS + 1 };
}

function lifeFailed(life: number, result: Awaited<DriverProcess["exited"]>): Error {
  const how = result.signal === null ? `exited ${result.code}` : `was killed (${result.signal})`;
  return new Error(
    `driver life ${life} ${how} unexpectedly (deadline ${DEADLINE_MS} ms)\n` +
      `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`,
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Checks every run against the plan and every handler call against its run; returns how many
 * handler calls repeated an attempt already made (at-least-once, allowed).
 */
async function checkOutcome(strata: Strata, plan: PlanItem[], calls: HandlerCall[]) {
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

  expect(problems).toEqual([]);
  expect((await strata.audit.verify()).ok).toBe(true);
  return repeats;
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
