/**
 * `data.growth` (issue 17): the everyday calls as the runs table grows. One database is filled
 * through the library (`strata.runs.start`, 256 in flight) to 10k, 100k and 1M runs (× scale)
 * of a decision flow with three versions and a 50% rollout with a guard; one run in ten fails.
 * At each size every call is timed 20 times in a row, and the median and p99 are reported
 * with the 10k figure beside them (`vsFirst`): the target is every call at 1M within 2× of
 * its time at 10k, plus a few ms.
 *
 * The calls: a run start, the versions list (run counts), rollout status (the guard's
 * figures), the first page of runs and pages 50% and 90% deep (target: within 2× of the first
 * page), a workflow's runs with a rare status, and one round of the guard. Then, with the
 * guard looking every second, runs are started one after another for a few seconds: the
 * slowest start is reported (target: none slower than 50 ms). Bytes per run (table and
 * indexes) close each size.
 */
import { sql } from "kysely";
import { Strata } from "../src/index.js";
import { percentiles, report, round, timeEach } from "./support.js";
import type { BenchDatabase } from "./support.js";

/** A decision that fails when the input says so: a rare status to filter by. */
function decision(version: number): unknown {
  return {
    start: "pick",
    nodes: {
      pick: { type: "switch", cases: [{ when: "fail = true", next: "bad" }], default: "done" },
      done: { type: "end", output: { version: String(version), score: "n * 2" } },
      bad: { type: "fail", code: "refused" },
    },
  };
}

const SIZES = [10_000, 100_000, 1_000_000];
const SAMPLES = 20;
/** How long runs are started one by one while the guard looks every second. */
const GUARD_WATCH_MS = 5_000;

/** Fills `database` step by step and times the calls at each size. */
export async function benchGrowth(database: BenchDatabase, scale: number): Promise<void> {
  const strata = await Strata.open({ database: database.location, actor: "bench" });
  const key = "growth";
  try {
    await strata.workflows.create({ key, definition: decision(1) });
    await strata.drafts.publish(key);
    await strata.drafts.open(key);
    await saveDraft(strata, key, decision(2));
    await strata.drafts.publish(key);
    await strata.drafts.open(key);
    await saveDraft(strata, key, decision(3));
    // The guard compares the candidate with the stable version; it needs many runs to judge,
    // so it keeps looking (and counting) through the whole bench.
    await strata.drafts.publish(key, {
      rollout: {
        percent: 50,
        guard: { maxFailureRateIncrease: 50, minRuns: 1_000_000_000, every: "1s" },
      },
    });
    const workflow = await strata.workflows.show(key);
    let started = 0;
    const firstBySize = new Map<string, number>();
    for (const size of SIZES.map((n) => Math.max(100, Math.round(n * scale)))) {
      const fillStart = process.hrtime.bigint();
      const from = started;
      await fill(strata, key, size - started, () => started++);
      const fillSeconds = Number(process.hrtime.bigint() - fillStart) / 1e9;
      if (database.db === "postgres") await sql`ANALYZE runs`.execute(strata.store.db);
      report({
        bench: "data.growth.fill",
        db: database.db,
        runs: size,
        runsPerSec: round((size - from) / fillSeconds),
      });
      const cursorAt = async (fraction: number): Promise<string> => {
        const row = await strata.store.db
          .selectFrom("runs")
          .select(["created_at", "id"])
          .where("tenant_id", "=", strata.context.tenantId)
          .where("workflow_id", "=", workflow.id)
          .orderBy("created_at", "desc")
          .orderBy("id", "desc")
          .offset(Math.floor(size * fraction))
          .limit(1)
          .executeTakeFirstOrThrow();
        // The runs list's cursor (src/services/run-service.ts): the last run's time and id.
        return Buffer.from(`${row.created_at}|${row.id}`).toString("base64url");
      };
      const half = await cursorAt(0.5);
      const deep = await cursorAt(0.9);
      const calls: [string, (i: number) => Promise<unknown>][] = [
        [
          "runs.start",
          (i) => strata.runs.start(key, { input: input(1e9 + i), routingKey: `s${i}` }),
        ],
        ["versions.list", () => strata.versions.list(key)],
        ["rollouts.status", () => strata.rollouts.status(key)],
        ["runs.list first page", () => strata.runs.list({ workflow: key, limit: 50 })],
        ["runs.list 50% deep", () => strata.runs.list({ workflow: key, limit: 50, cursor: half })],
        ["runs.list 90% deep", () => strata.runs.list({ workflow: key, limit: 50, cursor: deep })],
        [
          "runs.list rare status",
          () => strata.runs.list({ workflow: key, status: "failed", limit: 50 }),
        ],
        ["guard round", () => strata.runAutomation()],
      ];
      for (const [call, work] of calls) {
        const { samples } = await timeEach(SAMPLES, work);
        const { p50Ms, p99Ms } = percentiles(samples);
        const id = `${database.db}:${call}`;
        if (!firstBySize.has(id)) firstBySize.set(id, p50Ms);
        report({
          bench: "data.growth",
          db: database.db,
          runs: size,
          call,
          p50Ms: round(p50Ms),
          p99Ms: round(p99Ms),
          vsFirst: round(p50Ms / (firstBySize.get(id) ?? p50Ms)),
        });
      }
      await watchStartsDuringGuard(strata, key, database.db, size);
      report({
        bench: "data.growth.bytes",
        db: database.db,
        runs: size,
        ...(await bytesPerRun(strata, database.db)),
      });
    }
  } finally {
    await strata.close();
  }
}

async function saveDraft(strata: Strata, key: string, definition: unknown): Promise<void> {
  const draft = await strata.drafts.show(key);
  await strata.drafts.save(key, { definition, revision: draft.revision });
}

function input(i: number): unknown {
  return { n: i, fail: i % 10 === 0 };
}

/** Starts `count` runs, 256 in flight, each with its own routing key (half on the candidate). */
async function fill(strata: Strata, key: string, count: number, next: () => number): Promise<void> {
  let left = count;
  const lane = async (): Promise<void> => {
    while (left > 0) {
      left--;
      const i = next();
      await strata.runs.start(key, { input: input(i), routingKey: `k${i}` });
    }
  };
  await Promise.all(Array.from({ length: 256 }, lane));
}

/**
 * Starts runs one after another while the worker's automation runs the guard every second
 * (`automationMs` 1000): the slowest start says whether the guard holds starts up.
 */
async function watchStartsDuringGuard(
  strata: Strata,
  key: string,
  db: string,
  size: number,
): Promise<void> {
  strata.startWorker({ automationMs: 1000, pollMs: 1000, concurrency: 1 });
  try {
    const samples: bigint[] = [];
    const until = Date.now() + GUARD_WATCH_MS;
    for (let i = 0; Date.now() < until; i++) {
      const t0 = process.hrtime.bigint();
      await strata.runs.start(key, { input: input(2e9 + i), routingKey: `g${size}-${i}` });
      samples.push(process.hrtime.bigint() - t0);
    }
    const { p50Ms, p99Ms } = percentiles(samples);
    const maxMs = Number(samples.reduce((a, b) => (b > a ? b : a), 0n)) / 1e6;
    report({
      bench: "data.growth.guard",
      db,
      runs: size,
      note: "run starts one by one while the guard looks every second",
      starts: samples.length,
      p50Ms: round(p50Ms),
      p99Ms: round(p99Ms),
      maxMs: round(maxMs),
      target: 50,
      pass: maxMs <= 50,
    });
  } finally {
    await strata.stopWorker();
  }
}

/** What the runs table and its indexes take, per run. */
async function bytesPerRun(
  strata: Strata,
  db: string,
): Promise<{ bytesPerRun: number; tableBytesPerRun: number }> {
  const q = strata.store.db;
  const count = Number(
    (
      await q
        .selectFrom("runs")
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );
  if (db === "sqlite") {
    const { rows } = await sql<{ name: string; bytes: number }>`
      SELECT name, sum(pgsize) AS bytes FROM dbstat
      WHERE name = 'runs' OR name IN (SELECT name FROM sqlite_master WHERE tbl_name = 'runs' AND type = 'index')
      GROUP BY name`.execute(q);
    const total = rows.reduce((sum, row) => sum + Number(row.bytes), 0);
    const table = Number(rows.find((row) => row.name === "runs")?.bytes ?? 0);
    return { bytesPerRun: Math.round(total / count), tableBytesPerRun: Math.round(table / count) };
  }
  const { rows } = await sql<{ total: string; table: string }>`
    SELECT pg_total_relation_size('runs') AS total, pg_table_size('runs') AS table`.execute(q);
  return {
    bytesPerRun: Math.round(Number(rows[0]?.total) / count),
    tableBytesPerRun: Math.round(Number(rows[0]?.table) / count),
  };
}
