/**
 * Database faults (issue 16): a PostgreSQL that goes away under load — its connections cut by
 * a proxy (a failover, a proxy timeout), or every backend terminated by the server (a restart,
 * an administrator) — never ends the process; requests meanwhile get `503 store_unavailable`
 * with `Retry-After`; the worker backs off and everything resumes by itself, with no run lost,
 * none duplicated and each task outcome recorded once. The classifiers are checked on both
 * dialects' real errors.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.js";
import { Strata, isStrataError } from "../src/index.js";
import { sql } from "kysely";
import { firstAdminAttempt } from "../src/services/token-service.js";
import { classifyPostgresFault } from "../src/store/postgres/postgres-faults.js";
import { classifySqliteFault } from "../src/store/sqlite/sqlite-faults.js";
import { isTransactionConflict } from "../src/store/store-faults.js";
import { TcpProxy, throughProxy } from "./support/tcp-proxy.js";
import {
  DIALECTS,
  createTestDatabase,
  openTestStore,
  testPostgresUrl,
} from "./support/test-stores.js";
import type { TestDatabase } from "./support/test-stores.js";

/** One task, then the end: every run needs the worker once. */
const oneTask = {
  start: "work",
  nodes: {
    work: {
      type: "task",
      handler: "echo",
      input: "$",
      assign: { echoed: "$result.i" },
      next: "done",
    },
    done: { type: "end", output: { i: "echoed" } },
  },
};

/** Starts a run, retrying with the same idempotency key while the database is away. */
async function startWithRetry(strata: Strata, key: string, i: number): Promise<string> {
  for (;;) {
    try {
      return (await strata.runs.start("flow", { input: { i }, idempotencyKey: key })).id;
    } catch (error) {
      if (!isStrataError(error, "store_unavailable")) throw error;
      await sleep(50);
    }
  }
}

/** Waits until `count` runs are completed (bounded by the test's timeout). */
async function untilCompleted(strata: Strata, count: number): Promise<void> {
  for (;;) {
    const row = await strata.store.db
      .selectFrom("runs")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("status", "=", "completed")
      .executeTakeFirst()
      .catch(() => undefined);
    if (Number(row?.n ?? 0) >= count) return;
    await sleep(50);
  }
}

/** Each run's task entries that recorded a success, by run. */
async function successesByRun(strata: Strata): Promise<Map<string, number>> {
  const rows = await strata.store.db.selectFrom("runs").select(["id", "trace"]).execute();
  return new Map(
    rows.map((row) => [
      row.id,
      (JSON.parse(row.trace) as { node: string; event?: string }[]).filter(
        (entry) => entry.node === "work" && entry.event === "task_succeeded",
      ).length,
    ]),
  );
}

describe("PostgreSQL going away under load", () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let strata: Strata;
  let app: FastifyInstance;
  let token: string;
  const calls = new Map<string, number>();

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    const target = new URL(database.location);
    proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    await proxy.listen();
    strata = await Strata.open({
      database: throughProxy(database.location, proxy),
      actor: "faults",
      leaseMs: 5000,
      store: { connectTimeoutMs: 1000 },
    });
    strata.handlers.register("echo", (input, ctx) => {
      calls.set(ctx.idempotencyKey, (calls.get(ctx.idempotencyKey) ?? 0) + 1);
      return Promise.resolve(input);
    });
    await strata.workflows.create({ key: "flow", definition: oneTask });
    await strata.drafts.publish("flow", {});
    token = (await strata.tokens.create({ role: "admin" })).token;
    app = await createApp({ services: strata.serviceLayer, consoleDir: null, rateLimit: 0 });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await strata.close();
    await proxy.close();
    await database.cleanup();
  });

  const get = (url: string) =>
    app.inject({ method: "GET", url, headers: { authorization: `Bearer ${token}` } });

  it("answers 503 store_unavailable with Retry-After while cut off, and recovers by itself", async () => {
    strata.startWorker({ concurrency: 8, pollMs: 50 });
    await Promise.all(Array.from({ length: 40 }, (_, i) => startWithRetry(strata, `a-${i}`, i)));
    await proxy.cut();

    const refused = await get("/v1/workflows");
    expect(refused.statusCode).toBe(503);
    expect(refused.headers["retry-after"]).toBe("2");
    expect(refused.headers["content-type"]).toContain("application/problem+json");
    expect(refused.json()).toMatchObject({ code: "store_unavailable", status: 503 });
    const ready = await app.inject({ method: "GET", url: "/readyz" });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({
      status: "not_ready",
      checks: [{ name: "database", ok: false }, { name: "worker" }],
    });
    expect((await app.inject({ method: "GET", url: "/livez" })).statusCode).toBe(200);
    await expect(strata.runs.start("flow", { input: { i: -1 } })).rejects.toMatchObject({
      code: "store_unavailable",
    });
    // The worker keeps failing to claim meanwhile, and backs off instead of ending.
    await sleep(1500);

    await proxy.restore();
    await untilCompleted(strata, 40);
    expect((await get("/v1/workflows")).statusCode).toBe(200);
    const readyAgain = await app.inject({ method: "GET", url: "/readyz" });
    expect(readyAgain.json()).toMatchObject({ status: "ready" });
    await strata.stopWorker();
  });

  it("survives every backend terminated again and again while runs start and drain", async () => {
    const admin = new pg.Client({ connectionString: testPostgresUrl() });
    await admin.connect();
    const name = new URL(database.location).pathname.slice(1);
    let terminations = 0;
    let terminating = true;
    // A fixed number of rounds, not "until every start went through": on a loaded machine a
    // start can take longer than the gap between two rounds, and would never get through.
    const terminator = (async () => {
      for (let round = 0; round < 20 && terminating; round++) {
        const result = await admin.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
          [name],
        );
        terminations += result.rowCount ?? 0;
        await sleep(150);
      }
    })();
    try {
      strata.startWorker({ concurrency: 16, pollMs: 50 });
      const keys = Array.from({ length: 300 }, (_, i) => `b-${i}`);
      const first = await Promise.all(keys.map((key, i) => startWithRetry(strata, key, i)));
      await terminator;
      // The same key gives the same run, whatever happened in between.
      const again = await Promise.all(keys.map((key, i) => startWithRetry(strata, key, i)));
      expect(again).toEqual(first);
      await untilCompleted(strata, 340);
      await strata.stopWorker();
      expect(terminations).toBeGreaterThan(0);

      const runs = await strata.store.db
        .selectFrom("runs")
        .select(["id", "idempotency_key", "status"])
        .execute();
      // 40 runs of the first test, 300 of this one: none lost, none twice.
      expect(runs).toHaveLength(340);
      expect(new Set(runs.map((run) => run.idempotency_key)).size).toBe(340);
      expect(runs.every((run) => run.status === "completed")).toBe(true);
      // Every outcome recorded once, though a handler may have been called again (at least
      // once: an attempt whose commit was lost runs again after its lease).
      const successes = await successesByRun(strata);
      expect([...successes.values()].every((count) => count === 1)).toBe(true);
      for (const run of runs) expect(calls.get(`${run.id}:work`) ?? 0).toBeGreaterThan(0);
    } finally {
      terminating = false;
      await terminator.catch(() => undefined);
      await admin.end();
    }
  });
});

describe("what counts as the database being away", () => {
  it("classifies PostgreSQL's own refusals and pg's lost connections, nothing else", async () => {
    expect(classifyPostgresFault({ code: "57P01", message: "terminating connection" })?.code).toBe(
      "store_unavailable",
    );
    expect(classifyPostgresFault({ code: "08006" })?.code).toBe("store_unavailable");
    expect(classifyPostgresFault({ code: "ECONNREFUSED" })?.code).toBe("store_unavailable");
    expect(classifyPostgresFault(new Error("Connection terminated unexpectedly"))?.code).toBe(
      "store_unavailable",
    );
    // A standby reached after a failover, and pg giving up on an answer.
    expect(classifyPostgresFault({ code: "25006" })?.code).toBe("store_unavailable");
    expect(classifyPostgresFault(new Error("Query read timeout"))?.code).toBe("store_unavailable");
    // A constraint violation, a syntax error or a protocol violation (a client bug) is the
    // request's fault, not the database's.
    // A transaction PostgreSQL ended to break a deadlock or a serialization conflict: rolled
    // back whole, so it is retried (store_unavailable, marked as a conflict).
    for (const code of ["40P01", "40001"]) {
      const conflict = classifyPostgresFault({ code, message: "deadlock detected" });
      expect(conflict?.code).toBe("store_unavailable");
      expect(isTransactionConflict(conflict)).toBe(true);
    }
    expect(isTransactionConflict(classifyPostgresFault({ code: "57P01" }))).toBe(false);
    expect(classifyPostgresFault({ code: "08P01" })).toBeUndefined();
    expect(classifyPostgresFault({ code: "23505" })).toBeUndefined();
    expect(classifyPostgresFault({ code: "42601" })).toBeUndefined();
    expect(classifyPostgresFault("text")).toBeUndefined();

    // A real one: a server that refuses the connection.
    const url = new URL(testPostgresUrl());
    const closed = new TcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    await closed.listen();
    await closed.cut();
    const client = new pg.Client({ connectionString: throughProxy(url.toString(), closed) });
    const failure = await client.connect().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(classifyPostgresFault(failure)?.code).toBe("store_unavailable");
  });

  it("classifies SQLite's busy, I/O and full-disk errors, nothing else", async () => {
    expect(classifySqliteFault({ code: "SQLITE_BUSY" })?.code).toBe("store_unavailable");
    expect(classifySqliteFault({ code: "SQLITE_IOERR_WRITE" })?.code).toBe("store_unavailable");
    expect(classifySqliteFault({ code: "SQLITE_FULL" })?.code).toBe("store_unavailable");
    expect(classifySqliteFault({ code: "SQLITE_CONSTRAINT_UNIQUE" })).toBeUndefined();
    expect(classifySqliteFault({ code: "SQLITE_BUSYX" })).toBeUndefined();
    // A real one: the write lock held by another connection past the busy timeout.
    const { store, database, close } = await openTestStore("sqlite");
    try {
      const Database = (await import("better-sqlite3")).default;
      const holder = new Database(database.location);
      holder.exec("BEGIN IMMEDIATE");
      try {
        const other = new Database(database.location, { timeout: 10 });
        let failure: unknown;
        try {
          other.exec("BEGIN IMMEDIATE");
        } catch (error) {
          failure = error;
        }
        other.close();
        expect(classifySqliteFault(failure)?.code).toBe("store_unavailable");
      } finally {
        holder.exec("ROLLBACK");
        holder.close();
      }
      expect(await store.health()).toMatchObject({ applied: expect.any(Number) as number });
    } finally {
      await close();
    }
  });
});

describe("prepared statements on PostgreSQL", () => {
  it("recover when the server forgets them or the table gains a column", async () => {
    const database = await createTestDatabase("postgres");
    // One connection, so the statements below all meet the same session.
    const strata = await Strata.open({
      database: database.location,
      store: { maxConnections: 1 },
    });
    try {
      strata.handlers.register("echo", (input) => Promise.resolve(input));
      await strata.workflows.create({ key: "flow", definition: oneTask });
      await strata.drafts.publish("flow", {});
      const claim = () => strata.serviceLayer.executor.claim(1);
      for (let i = 0; i < 3; i++) await strata.runs.start("flow", { input: { i } });
      expect(await claim()).toHaveLength(1); // prepared now
      // A pooler's reset: the server drops the statement, pg still thinks it is prepared.
      // (The claim commits on the store's relaxed connection; only one is ever opened here.)
      await strata.store.relaxedWrite((db) => sql`DEALLOCATE ALL`.execute(db));
      await expect(claim()).rejects.toMatchObject({ code: "26000" });
      expect(await claim()).toHaveLength(1); // prepared again
      // A migration adds a column: the claim names its columns, so its plan still fits.
      await sql`ALTER TABLE runs ADD COLUMN added_later TEXT`.execute(strata.store.db);
      expect(await claim()).toHaveLength(1);
    } finally {
      await strata.close();
      await database.cleanup();
    }
  });
});

describe.each(DIALECTS)("a relaxed write on %s", (dialect) => {
  it("commits by itself without waiting for the disk, and leaves other commits durable", async () => {
    const { store, close } = await openTestStore(dialect);
    try {
      const setting = async (db: typeof store.db): Promise<string> => {
        const query =
          dialect === "postgres"
            ? sql<{ v: string }>`SHOW synchronous_commit`
            : sql<{ v: number }>`PRAGMA synchronous`;
        const row = (await query.execute(db)).rows[0] as Record<string, unknown>;
        return String(Object.values(row)[0]);
      };
      // SQLite: 1 is NORMAL, 2 is FULL (the connection's own setting).
      expect(await store.relaxedWrite(setting)).toBe(dialect === "postgres" ? "off" : "1");
      expect(await setting(store.db)).toBe(dialect === "postgres" ? "on" : "2");
      expect(await store.transaction((trx) => setting(trx))).toBe(
        dialect === "postgres" ? "on" : "2",
      );
      // What it writes is committed: another connection sees it.
      await sql`CREATE TABLE relaxed_probe (n integer)`.execute(store.db);
      await store.relaxedWrite((db) => sql`INSERT INTO relaxed_probe VALUES (7)`.execute(db));
      const rows = await sql<{ n: number }>`SELECT n FROM relaxed_probe`.execute(store.db);
      expect(rows.rows.map((row) => Number(row.n))).toEqual([7]);
    } finally {
      await close();
    }
  });
});

describe("the first admin token", () => {
  it("is found again, not lost, when its first try committed unseen", async () => {
    const { store, close } = await openTestStore("sqlite");
    const strata = Strata.fromStore(store, { actor: "serve" });
    try {
      const attempt = firstAdminAttempt();
      const first = await strata.serviceLayer.tokens.createFirstAdmin(strata.context, "a", attempt);
      const again = await strata.serviceLayer.tokens.createFirstAdmin(strata.context, "a", attempt);
      expect(again).toEqual(first);
      expect(
        await strata.serviceLayer.tokens.createFirstAdmin(strata.context, "a", firstAdminAttempt()),
      ).toBeNull();
      expect(await strata.tokens.list()).toHaveLength(1);
    } finally {
      await strata.close();
      await close();
    }
  });
});
