/**
 * `worker.drain.floor`: the `worker.drain` target (a worker drains one-task runs at ≥ 80% of
 * the rate they were started) measured on the simplest program that does the same work with
 * the same guarantees, to tell how far the target is from what the database allows.
 *
 * Each case has a fresh database whose schema Strata creates (`Strata.open`, the bench's echo
 * flow published, one run started to copy a real row from), so the floor pays for the same
 * row width, foreign keys and indexes. After that it uses only the raw drivers: better-sqlite3
 * with Strata's connection settings (WAL, `synchronous = FULL`) and a `pg` Pool.
 *
 * - Start floor (this process): 20,000 rows (× scale) shaped like the real run's (status
 *   `running`, due now, the task's handler, the snapshot and trace a start writes), 256 rows per
 *   transaction, each committed durably: rows/s.
 * - Drain floor (one forked process, like `worker.drain`'s worker): claim up to 32 due runs
 *   with a lease in one statement (as src/store/queries/claim-due-runs.ts: `FOR UPDATE SKIP
 *   LOCKED` on PostgreSQL, `BEGIN IMMEDIATE` on SQLite), call the instant handler, and commit
 *   every outcome with its revision and lease check (as src/store/queries/commit-outcomes.ts:
 *   `WHERE rev = ? AND lease_owner = ?`, rev + 1, lease released, due_at NULL): one transaction
 *   per batch on SQLite, one UPDATE … FROM (VALUES …) on PostgreSQL. An outcome counts once its
 *   durable commit has returned. A claim, as Strata's, commits without waiting for the disk (a
 *   claim lost in a crash only delays its runs until the lease runs out). Tasks/s from `go` to
 *   the last commit, as `worker.drain` measures.
 *
 * Variants: `sequential` claims, commits, then claims again. `pipelined` does not wait for a
 * batch's outcomes to commit before the next claim: on PostgreSQL the claims go on one
 * connection while up to {@link PIPELINE_DEPTH} outcome statements commit on others; on SQLite,
 * whose single writer cannot overlap two write transactions, a batch's outcomes and the next
 * claim share one transaction (one transaction per batch instead of two; one fsync either way).
 * On PostgreSQL the claim is a named statement; one more `pipelined` case sends it unnamed, as
 * Kysely does (see {@link benchDrainFloor}).
 *
 * At the end the runs table is checked: every run completed, at revision 1 (its one outcome
 * applied once), no lease left, nothing due; and no outcome was refused.
 */
import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import pg from "pg";
import { Strata } from "../src/index.js";
import { configureConnection } from "../src/store/sqlite/connection-settings.js";
import { report, round } from "./support.js";
import { FLOW, HANDLER, echoFlow } from "./worker.js";
import type { BenchDatabase } from "./support.js";

const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CHILD_FLAG = "--drain-floor-child";
/** Rows per start transaction, as `runs.start` batches them. */
const START_BATCH = 256;
/** Runs per claim, as the worker's default concurrency. */
const CLAIM_LIMIT = 32;
/** `pipelined` on PostgreSQL: outcome statements committing at once, besides the claims. */
const PIPELINE_DEPTH = 4;
const LEASE_MS = 30_000;
/** How long the drain process may take to start, or to drain. */
const CHILD_READY_MS = 60_000;
const DRAIN_TIMEOUT_MS = 10 * 60_000;

type Variant = "sequential" | "pipelined";
type Db = BenchDatabase["db"];
type Row = Record<string, unknown>;

/** Epoch milliseconds, comparable across processes. */
const now = (): number => performance.timeOrigin + performance.now();

/** The 1-, 5- and 15-minute load averages (empty where /proc is missing). */
function loadAverage(): string {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    return "";
  }
}

/** A run row's id, as long as Strata's (`run_` + 26 characters). */
function runId(i: number): string {
  return `run_floor${String(i).padStart(21, "0")}`;
}

/** What a start writes for run `id` with input `{ i }` at `at` (the interpreter's first step). */
function startColumns(i: number, id: string, at: string): Row {
  return {
    input: JSON.stringify({ i }),
    snapshot: JSON.stringify({
      status: "running",
      node: "echo",
      state: { i },
      input: { i },
      steps: 1,
      randomCounter: 0,
      visits: { echo: 1 },
      pending: {
        type: "task",
        node: "echo",
        handler: HANDLER,
        input: { i },
        attempt: 1,
        idempotencyKey: `${id}:echo`,
      },
    }),
    trace: JSON.stringify([
      { seq: 1, node: "echo", type: "task", at, event: "start", input: { i }, attempt: 1 },
    ]),
    due_at: at,
    created_at: at,
    updated_at: at,
  };
}

/** One outcome to commit: the run as claimed, and what the instant handler's result writes. */
interface Outcome {
  tenantId: string;
  id: string;
  rev: number;
  status: string;
  snapshot: string;
  output: string;
  trace: string;
  at: string;
}

/** The handler: answers at once with the task's input. */
const echo = (input: unknown): unknown => input;

/**
 * Runs a claimed row's task and builds its outcome: reads the pending task from the snapshot,
 * calls the handler, appends the task's result and the end to the trace (as Strata's run of
 * this flow writes them).
 */
function runTask(row: Row, at: string): Outcome {
  const snapshot = JSON.parse(String(row.snapshot)) as {
    steps: number;
    pending: { node: string; input: unknown; attempt: number };
  };
  const result = echo(snapshot.pending.input);
  const trace = JSON.parse(String(row.trace)) as unknown[];
  const node = snapshot.pending.node;
  trace.push(
    {
      seq: trace.length + 1,
      node,
      type: "task",
      at,
      event: "task_succeeded",
      attempt: snapshot.pending.attempt,
      result,
      assigned: { [node]: result },
      branch: "done",
    },
    // Stored as Strata stores it (ADR 0014): this seq follows the one before, the output is
    // the row's.
    { node: "done", type: "end", at },
  );
  return {
    tenantId: String(row.tenant_id),
    id: String(row.id),
    rev: Number(row.rev),
    status: "completed",
    snapshot: "{}",
    output: JSON.stringify({ ok: true }),
    trace: JSON.stringify(trace),
    at,
  };
}

/**
 * The claim, as claim-due-runs.ts builds it: up to `limit` runs due, unleased (or their lease
 * expired), whose task has our handler, oldest due first, leased to `owner` in one statement.
 */
/** Runs a claimed batch's (instant) tasks, counting the time in `stats.taskMs`. */
function runBatch(rows: readonly Row[], stats: ChildStats): Outcome[] {
  const began = performance.now();
  const at = new Date().toISOString();
  const outcomes = rows.map((row) => runTask(row, at));
  stats.taskMs += performance.now() - began;
  return outcomes;
}

function claimSql(p: {
  owner: string;
  leaseUntil: string;
  now: string;
  handler: string;
  limit: string;
  lock: string;
}): string {
  return (
    `UPDATE runs SET lease_owner = ${p.owner}, lease_until = ${p.leaseUntil} ` +
    "WHERE (tenant_id, id) IN (SELECT tenant_id, id FROM runs " +
    `WHERE due_at <= ${p.now} AND (lease_until IS NULL OR lease_until < ${p.now}) ` +
    `AND (task_handler IS NULL OR task_handler IN (${p.handler})) ` +
    `ORDER BY due_at LIMIT ${p.limit}${p.lock}) RETURNING *`
  );
}

// ---------------------------------------------------------------------------------------------
// The drain process.

/** How the parent configures the drain process. */
interface ChildConfig {
  db: Db;
  location: string;
  variant: Variant;
  /**
   * PostgreSQL: the claim as a named prepared statement (planned generically after five runs)
   * or unnamed, planned anew with each claim's values, as Kysely (so Strata) sends it.
   */
  namedClaim: boolean;
}

/** What the drain process did. Times are epoch ms. */
interface ChildStats {
  goAt: number;
  lastCommitAt: number;
  /** Outcomes applied (committed), and refused by the revision or lease check. */
  applied: number;
  refused: number;
  claims: number;
  /** The most runs claimed whose outcome was not committed yet, at once. */
  maxUnsettled: number;
  /**
   * Where the time went, in ms: claim statements, the tasks (JSON in and out, the handler),
   * outcome statements (on PostgreSQL each with its commit, summed even where they overlap),
   * and on SQLite the rest of the transactions (BEGIN, COMMIT and its fsync).
   */
  claimMs: number;
  taskMs: number;
  outcomeMs: number;
  commitMs: number;
}

type ChildMessage = { type: "ready" } | { type: "done"; stats: ChildStats };
type ParentMessage = { type: "go" };

/** SQLite: claims and outcome commits on one better-sqlite3 connection. */
function drainSqlite(config: ChildConfig, owner: string, stats: ChildStats): void {
  const db = new Database(config.location);
  configureConnection(db, "FULL");
  const claim = db.prepare(
    claimSql({
      owner: "@owner",
      leaseUntil: "@leaseUntil",
      now: "@now",
      handler: "@handler",
      limit: "@limit",
      lock: "",
    }),
  );
  const commit = db.prepare(
    "UPDATE runs SET status = ?, snapshot = ?, output = ?, error = NULL, wait_signal = NULL, " +
      "task_handler = NULL, due_at = NULL, ended_at = ?, trace = ?, updated_at = ?, " +
      "lease_owner = NULL, lease_until = NULL, rev = ? " +
      "WHERE tenant_id = ? AND id = ? AND rev = ? AND lease_owner = ?",
  );
  const claimBatch = (): Row[] => {
    const began = performance.now();
    const t = Date.now();
    stats.claims++;
    const rows = claim.all({
      owner,
      leaseUntil: new Date(t + LEASE_MS).toISOString(),
      now: new Date(t).toISOString(),
      handler: HANDLER,
      limit: CLAIM_LIMIT,
    }) as Row[];
    stats.claimMs += performance.now() - began;
    return rows;
  };
  const applyOutcomes = (outcomes: readonly Outcome[]): number => {
    const began = performance.now();
    let applied = 0;
    for (const o of outcomes)
      applied += commit.run(
        o.status,
        o.snapshot,
        o.output,
        o.at,
        o.trace,
        o.at,
        o.rev + 1,
        o.tenantId,
        o.id,
        o.rev,
        owner,
      ).changes;
    stats.outcomeMs += performance.now() - began;
    return applied;
  };
  const settle = (outcomes: readonly Outcome[], applied: number): void => {
    stats.applied += applied;
    stats.refused += outcomes.length - applied;
    stats.lastCommitAt = now();
  };
  /** `work` in a BEGIN IMMEDIATE transaction; its time besides the statements is commitMs. */
  const immediate = <A extends unknown[], R>(work: (...args: A) => R) => {
    const transaction = db.transaction(work);
    return (...args: A): R => {
      const began = performance.now();
      const statements = stats.claimMs + stats.outcomeMs;
      const result = transaction.immediate(...args);
      stats.commitMs += performance.now() - began - (stats.claimMs + stats.outcomeMs - statements);
      return result;
    };
  };
  // A claim lost in a crash costs nothing (its runs are claimable again once the lease runs
  // out), so, as Strata's, it commits without the fsync (NORMAL); its WAL frames become durable
  // with the next FULL commit.
  const claimInTx = immediate(claimBatch);
  const claimTx = (): Row[] => {
    db.pragma("synchronous = NORMAL");
    try {
      return claimInTx();
    } finally {
      db.pragma("synchronous = FULL");
    }
  };
  const commitTx = immediate(applyOutcomes);
  // Pipelined: the batch's outcomes, then the next claim, in one transaction.
  const fusedTx = immediate((outcomes: readonly Outcome[]) => ({
    applied: applyOutcomes(outcomes),
    claimed: claimBatch(),
  }));
  const run = (rows: readonly Row[]): Outcome[] => runBatch(rows, stats);
  try {
    if (config.variant === "sequential") {
      for (;;) {
        const rows = claimTx();
        if (rows.length === 0) break;
        stats.maxUnsettled = Math.max(stats.maxUnsettled, rows.length);
        const outcomes = run(rows);
        settle(outcomes, commitTx(outcomes));
      }
    } else {
      let pending: Outcome[] = [];
      for (;;) {
        const { applied, claimed } = fusedTx(pending);
        if (pending.length > 0) settle(pending, applied);
        if (claimed.length === 0) break;
        stats.maxUnsettled = Math.max(stats.maxUnsettled, claimed.length);
        pending = run(claimed);
      }
    }
  } finally {
    db.close();
  }
}

/** The outcome statement of `count` runs (PostgreSQL), as commit-outcomes.ts writes it. */
function outcomeStatement(outcomes: readonly Outcome[], owner: string): pg.QueryConfig {
  const values: unknown[] = [owner];
  const rows = outcomes.map((o) => {
    const row = [o.tenantId, o.id, o.rev, o.status, o.snapshot, o.output, o.at, o.trace, o.at];
    return `(${row
      .map((value, index) => {
        values.push(value);
        return index === 2 ? `CAST($${values.length} AS INTEGER)` : `$${values.length}`;
      })
      .join(", ")})`;
  });
  return {
    name: `floor-outcomes-${outcomes.length}`,
    text:
      "UPDATE runs AS r SET status = v.column4, snapshot = v.column5, output = v.column6, " +
      "error = NULL, wait_signal = NULL, task_handler = NULL, due_at = NULL, " +
      "ended_at = v.column7, trace = v.column8, updated_at = v.column9, " +
      "lease_owner = NULL, lease_until = NULL, rev = r.rev + 1 " +
      `FROM (VALUES ${rows.join(", ")}) AS v ` +
      "WHERE r.tenant_id = v.column1 AND r.id = v.column2 AND r.rev = v.column3 " +
      "AND r.lease_owner = $1 RETURNING r.id",
    values,
  };
}

/** PostgreSQL: claims on one pooled connection, outcomes on the same or (pipelined) others. */
async function drainPostgres(config: ChildConfig, owner: string, stats: ChildStats) {
  const pool = new pg.Pool({ connectionString: config.location, max: PIPELINE_DEPTH + 2 });
  const claimText = claimSql({
    owner: "$1",
    leaseUntil: "$2",
    now: "$3",
    handler: "$4",
    limit: "$5",
    lock: " FOR UPDATE SKIP LOCKED",
  });
  // Claims on a connection of their own that commits without waiting for the WAL flush: a
  // claim lost in a crash costs nothing (as Strata's: `synchronous_commit = off`). Outcomes
  // commit on other connections, durably.
  const claimer = await pool.connect();
  await claimer.query("SET synchronous_commit = off");
  const committer = await pool.connect();
  const claimBatch = async (): Promise<Row[]> => {
    const began = performance.now();
    const t = Date.now();
    stats.claims++;
    const result = await claimer.query<Row>({
      ...(config.namedClaim ? { name: "floor-claim" } : {}),
      text: claimText,
      values: [
        owner,
        new Date(t + LEASE_MS).toISOString(),
        new Date(t).toISOString(),
        HANDLER,
        CLAIM_LIMIT,
      ],
    });
    stats.claimMs += performance.now() - began;
    return result.rows;
  };
  let unsettled = 0;
  const commit = async (client: pg.PoolClient | pg.Pool, outcomes: Outcome[]): Promise<void> => {
    const began = performance.now();
    const result = await client.query(outcomeStatement(outcomes, owner));
    stats.outcomeMs += performance.now() - began;
    const applied = result.rowCount ?? 0;
    stats.applied += applied;
    stats.refused += outcomes.length - applied;
    stats.lastCommitAt = now();
    unsettled -= outcomes.length;
  };
  const run = (rows: readonly Row[]): Outcome[] => runBatch(rows, stats);
  try {
    if (config.variant === "sequential") {
      for (;;) {
        const rows = await claimBatch();
        if (rows.length === 0) break;
        unsettled += rows.length;
        stats.maxUnsettled = Math.max(stats.maxUnsettled, unsettled);
        await commit(committer, run(rows));
      }
    } else {
      const committing = new Set<Promise<void>>();
      const failed: { error?: Error } = {};
      const rethrow = (): void => {
        if (failed.error !== undefined) throw failed.error;
      };
      for (;;) {
        while (committing.size >= PIPELINE_DEPTH) await Promise.race(committing);
        rethrow();
        const rows = await claimBatch();
        if (rows.length === 0) break; // what is left is ours, committing
        unsettled += rows.length;
        stats.maxUnsettled = Math.max(stats.maxUnsettled, unsettled);
        const done: Promise<void> = commit(pool, run(rows))
          .catch((error: unknown) => {
            failed.error ??= error instanceof Error ? error : new Error(String(error));
          })
          .finally(() => committing.delete(done));
        committing.add(done);
      }
      await Promise.all(committing);
      rethrow();
    }
  } finally {
    claimer.release();
    committer.release();
    await pool.end();
  }
}

/** The drain process: opens nothing until `go`, drains, reports, exits. */
function childMain(): void {
  const config = JSON.parse(process.argv[3] ?? "null") as ChildConfig;
  const owner = `floor-${process.pid}`;
  const send = (message: ChildMessage): void => {
    if (process.connected) process.send?.(message);
  };
  process.on("disconnect", () => process.exit(0));
  process.on("message", (message: ParentMessage) => {
    if (message.type !== "go") return;
    const stats: ChildStats = {
      goAt: now(),
      lastCommitAt: now(),
      applied: 0,
      refused: 0,
      claims: 0,
      maxUnsettled: 0,
      claimMs: 0,
      taskMs: 0,
      outcomeMs: 0,
      commitMs: 0,
    };
    const drained =
      config.db === "sqlite"
        ? Promise.resolve().then(() => drainSqlite(config, owner, stats))
        : drainPostgres(config, owner, stats);
    drained.then(
      () => {
        send({ type: "done", stats });
        process.disconnect();
      },
      (error: unknown) => {
        process.stderr.write(`drain floor: ${String(error)}\n`);
        process.exit(1);
      },
    );
  });
  send({ type: "ready" });
}

// ---------------------------------------------------------------------------------------------
// The bench process.

/** A raw connection of the bench process: inserts and the final check. */
interface Raw {
  /** Inserts `rows` (all with the columns of `columns`) in one durable transaction. */
  insertBatch(columns: readonly string[], rows: readonly Row[]): Promise<void>;
  query(sql: string): Promise<Row[]>;
  close(): Promise<void>;
}

function openRaw(db: Db, location: string): Raw {
  if (db === "sqlite") {
    const database = new Database(location);
    configureConnection(database, "FULL");
    const inserts = new Map<string, Database.Statement>();
    return {
      insertBatch(columns, rows) {
        const key = columns.join(",");
        let insert = inserts.get(key);
        if (insert === undefined) {
          insert = database.prepare(
            `INSERT INTO runs (${key}) VALUES (${columns.map(() => "?").join(", ")})`,
          );
          inserts.set(key, insert);
        }
        const statement = insert;
        database
          .transaction(() => {
            for (const row of rows) statement.run(columns.map((column) => row[column]));
          })
          .immediate();
        return Promise.resolve();
      },
      query: (sql) => Promise.resolve(database.prepare(sql).all() as Row[]),
      close: () => {
        database.close();
        return Promise.resolve();
      },
    };
  }
  const pool = new pg.Pool({ connectionString: location, max: 1 });
  return {
    async insertBatch(columns, rows) {
      const values: unknown[] = [];
      const tuples = rows.map(
        (row) =>
          `(${columns
            .map((column) => {
              values.push(row[column]);
              return `$${values.length}`;
            })
            .join(", ")})`,
      );
      await pool.query({
        name: `floor-insert-${rows.length}`,
        text: `INSERT INTO runs (${columns.join(", ")}) VALUES ${tuples.join(", ")}`,
        values,
      });
    },
    query: async (sql) => (await pool.query<Row>(sql)).rows,
    close: () => pool.end(),
  };
}

/**
 * Creates the schema and the echo flow with Strata, starts one run and returns its row (the
 * template of the floor's rows), removed again so the floor's rows are all the table holds.
 */
async function realRow(location: string): Promise<Row> {
  const strata = await Strata.open({ database: location, actor: "bench" });
  try {
    strata.handlers.register(HANDLER, () => Promise.resolve(null));
    await strata.workflows.create({ key: FLOW, definition: echoFlow });
    await strata.drafts.publish(FLOW);
    await strata.runs.start(FLOW, { input: { i: 0 } });
    const row = await strata.store.db.selectFrom("runs").selectAll().executeTakeFirstOrThrow();
    await strata.store.db.deleteFrom("runs").execute();
    // The floor's rows must be what a start writes: warn if Strata's shape has moved on.
    const rebuilt = startColumns(0, row.id, row.created_at);
    for (const column of ["input", "snapshot", "trace"] as const)
      if (rebuilt[column] !== row[column])
        process.stderr.write(
          `worker.drain.floor: the floor's ${column} differs from a real start's:\n` +
            `  real  ${row[column]}\n  floor ${String(rebuilt[column])}\n`,
        );
    return row;
  } finally {
    await strata.close();
  }
}

/** Inserts `runs` rows shaped like `template`, {@link START_BATCH} a transaction; seconds. */
async function startFloor(raw: Raw, template: Row, runs: number): Promise<number> {
  const columns = Object.keys(template);
  const began = now();
  for (let from = 0; from < runs; from += START_BATCH) {
    const at = new Date().toISOString();
    const rows: Row[] = [];
    for (let i = from; i < Math.min(runs, from + START_BATCH); i++) {
      const id = runId(i);
      rows.push({ ...template, id, ...startColumns(i, id, at) });
    }
    await raw.insertBatch(columns, rows);
  }
  return (now() - began) / 1000;
}

/** Forks the drain process, lets it drain, and returns what it did. */
async function drainFloor(config: ChildConfig): Promise<ChildStats> {
  const child: ChildProcess = fork(SELF, [CHILD_FLAG, JSON.stringify(config)], {
    cwd: ROOT,
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", 2, 2, "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const next = <T extends ChildMessage["type"]>(type: T, ms: number) =>
    new Promise<Extract<ChildMessage, { type: T }>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} from the drain floor`)), ms);
      child.on("message", (message: ChildMessage) => {
        if (message.type !== type) return;
        clearTimeout(timer);
        resolve(message as Extract<ChildMessage, { type: T }>);
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`the drain floor exited before ${type}`));
      });
    });
  try {
    await next("ready", CHILD_READY_MS);
    const done = next("done", DRAIN_TIMEOUT_MS);
    child.send({ type: "go" } satisfies ParentMessage);
    return (await done).stats;
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  }
}

/** Problems with the drained table: every run completed once, nothing leased or due. */
async function checkRuns(raw: Raw, runs: number, stats: ChildStats): Promise<string[]> {
  const [counts] = await raw.query(
    "SELECT COUNT(*) AS total, " +
      "SUM(CASE WHEN status = 'completed' AND rev = 1 THEN 1 ELSE 0 END) AS once, " +
      "SUM(CASE WHEN lease_owner IS NOT NULL OR due_at IS NOT NULL THEN 1 ELSE 0 END) AS open " +
      "FROM runs",
  );
  const total = Number(counts?.total);
  const once = Number(counts?.once);
  const open = Number(counts?.open);
  return [
    total !== runs ? `${total} rows for ${runs} runs` : "",
    once !== runs ? `${once} of ${runs} runs completed at revision 1` : "",
    open > 0 ? `${open} runs still leased or due` : "",
    stats.applied !== runs ? `${stats.applied} outcomes applied for ${runs} runs` : "",
    stats.refused > 0 ? `${stats.refused} outcomes refused` : "",
  ].filter((p) => p !== "");
}

/** One case on a fresh database: the real schema, the start floor, then the drain floor. */
async function floorCase(
  database: BenchDatabase,
  variant: Variant,
  namedClaim: boolean,
  runs: number,
): Promise<void> {
  const loadavg = loadAverage();
  const template = await realRow(database.location);
  let raw = openRaw(database.db, database.location);
  let startSeconds: number;
  try {
    startSeconds = await startFloor(raw, template, runs);
  } finally {
    await raw.close();
  }
  const stats = await drainFloor({
    db: database.db,
    location: database.location,
    variant,
    namedClaim,
  });
  raw = openRaw(database.db, database.location);
  let problems: string[];
  try {
    problems = await checkRuns(raw, runs, stats);
  } finally {
    await raw.close();
  }
  if (problems.length > 0) {
    process.stderr.write(
      `worker.drain.floor (${database.db}, ${variant}): ${problems.join("; ")}\n`,
    );
    process.exitCode = 1;
  }
  const drainSeconds = (stats.lastCommitAt - stats.goAt) / 1000;
  const startRate = runs / startSeconds;
  const drainRate = stats.applied / drainSeconds;
  // A run halfway, as started and as completed (the sizes vary with the digits of `i`).
  const at = new Date().toISOString();
  const sample: Row = {
    id: runId(runs >> 1),
    rev: 0,
    ...startColumns(runs >> 1, runId(runs >> 1), at),
  };
  const completed = runTask({ tenant_id: "default", ...sample }, at);
  report({
    bench: "worker.drain.floor",
    db: database.db,
    variant,
    claimStatement: database.db === "sqlite" ? null : namedClaim ? "named" : "unnamed",
    note:
      variant === "sequential"
        ? "raw driver: claim 32, commit their outcomes, claim again"
        : database.db === "sqlite"
          ? "raw driver: one transaction commits a batch's outcomes and claims the next"
          : `raw driver: claims on one connection, up to ${PIPELINE_DEPTH} outcome commits in flight`,
    runs,
    startRowsPerSec: round(startRate),
    startSeconds: round(startSeconds),
    drainTasksPerSec: round(drainRate),
    drainSeconds: round(drainSeconds),
    ratio: round(drainRate / startRate),
    claims: stats.claims,
    maxUnsettled: stats.maxUnsettled,
    claimMs: round(stats.claimMs),
    taskMs: round(stats.taskMs),
    outcomeMs: round(stats.outcomeMs),
    commitMs: database.db === "sqlite" ? round(stats.commitMs) : null,
    snapshotBytes: String(sample.snapshot).length,
    traceBytes: String(sample.trace).length,
    completedTraceBytes: completed.trace.length,
    exactlyOnce: problems.length === 0,
    loadavg,
    cores: availableParallelism(),
  });
}

/**
 * `worker.drain.floor`: `sequential` and `pipelined`, each on a fresh database (the first on
 * `database`). On PostgreSQL `pipelined` again with the claim unnamed, as Kysely sends
 * Strata's: on a fresh table (no statistics) each claim is then planned with its values as a
 * bitmap scan of every due run and a sort, where the named statement's generic plan walks
 * `runs_due` in order and stops after 32.
 */
export async function benchDrainFloor(
  database: BenchDatabase,
  scale: number,
  fresh: () => Promise<BenchDatabase>,
): Promise<void> {
  const runs = Math.round(20_000 * scale);
  const cases: [Variant, boolean][] = [
    ["sequential", true],
    ["pipelined", true],
    ...(database.db === "postgres" ? ([["pipelined", false]] as [Variant, boolean][]) : []),
  ];
  for (const [index, [variant, namedClaim]] of cases.entries()) {
    const target = index === 0 ? database : await fresh();
    try {
      await floorCase(target, variant, namedClaim, runs);
    } finally {
      if (target !== database) await target.drop();
    }
  }
}

if (process.argv[2] === CHILD_FLAG && process.argv[1] === SELF) childMain();
