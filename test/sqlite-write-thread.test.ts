/**
 * SQLite's write thread (src/store/sqlite/write-thread.ts): batches commit whole or not at all,
 * errors keep SQLite's codes, the thread and the main connection never write at once, `close`
 * finishes what was handed over, and the thread neither keeps an idle process alive nor lets
 * one exit with a write pending.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../src/store/sqlite/sqlite-store.js";
import { isUniqueViolation } from "../src/store/store.js";
import type { Store } from "../src/store/store.js";

let dir: string;
let count = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "strata-write-thread-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh database file with a `probe` table. */
async function probeStore(): Promise<{ store: Store; path: string }> {
  const path = join(dir, `probe-${++count}.db`);
  const store = await openSqliteStore(path);
  await sql`create table probe (n integer primary key)`.execute(store.db);
  return { store, path };
}

const insert = (store: Store, n: number) =>
  sql`insert into probe (n) values (${n})`.compile(store.db);

async function values(store: Store): Promise<number[]> {
  const { rows } = await sql<{ n: number }>`select n from probe order by n`.execute(store.db);
  return rows.map((row) => row.n);
}

function thread(store: Store) {
  const { writeBatch } = store;
  if (writeBatch === undefined) throw new Error("no write thread");
  return writeBatch;
}

describe("the SQLite write thread", () => {
  it("is there for a file and not for :memory:", async () => {
    const memory = await openSqliteStore(":memory:");
    expect(memory.writeBatch).toBeUndefined();
    await memory.close();
    const { store } = await probeStore();
    expect(store.writeBatch).toBeTypeOf("function");
    await store.close();
    const off = await openSqliteStore(join(dir, "off.db"), { writeThread: false });
    expect(off.writeBatch).toBeUndefined();
    await off.close();
  });

  it("commits a batch whole, answers rows changed, and rolls it back whole on an error", async () => {
    const { store } = await probeStore();
    try {
      expect(await thread(store)([insert(store, 1), insert(store, 2)])).toEqual([1, 1]);
      const failure = await thread(store)([insert(store, 3), insert(store, 1)]).catch(
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(Error);
      expect(isUniqueViolation(failure)).toBe(true);
      expect(await values(store)).toEqual([1, 2]);
      // The thread goes on after a failed batch.
      expect(await thread(store)([insert(store, 3)])).toEqual([1]);
      expect(await values(store)).toEqual([1, 2, 3]);
    } finally {
      await store.close();
    }
  });

  it("stores text, numbers and nulls exactly as they were handed over", async () => {
    const { store } = await probeStore();
    try {
      await sql`create table texts (n integer, t text, r real)`.execute(store.db);
      const text = 'a "quoted" {"json": [1, 2]}\n\\ 7:s3: é 🙂';
      await thread(store)([
        sql`insert into texts values (${1}, ${text}, ${0.1})`.compile(store.db),
        sql`insert into texts values (${2}, ${null}, ${-1e300})`.compile(store.db),
      ]);
      const { rows } = await sql`select n, t, r from texts order by n`.execute(store.db);
      expect(rows).toEqual([
        { n: 1, t: text, r: 0.1 },
        { n: 2, t: null, r: -1e300 },
      ]);
    } finally {
      await store.close();
    }
  });

  it("commits batches handed over together, and fails only the bad one among them", async () => {
    const { store } = await probeStore();
    try {
      // All handed over before the first commits: the thread takes the queue in one go.
      const outcomes = await Promise.allSettled(
        [1, 2, 3, 2, 4].map((n) => thread(store)([insert(store, n), insert(store, n + 100)])),
      );
      expect(outcomes.map((outcome) => outcome.status)).toEqual([
        "fulfilled",
        "fulfilled",
        "fulfilled",
        "rejected",
        "fulfilled",
      ]);
      const failure = (outcomes[3] as PromiseRejectedResult).reason as unknown;
      expect(isUniqueViolation(failure)).toBe(true);
      expect(await values(store)).toEqual([1, 2, 3, 4, 101, 102, 103, 104]);
    } finally {
      await store.close();
    }
  });

  it("never writes while the main connection's transaction does", async () => {
    const { store } = await probeStore();
    try {
      // Read-modify-write transactions on the main connection interleaved with batches on the
      // thread: with both writing at once, SQLite would answer SQLITE_BUSY or a transaction
      // would see the other's rows appear halfway.
      const work: Promise<unknown>[] = [];
      for (let i = 0; i < 40; i++) {
        work.push(thread(store)([insert(store, 1000 + i)]));
        work.push(
          store.transaction(async (trx) => {
            const before = await sql<{ c: number }>`select count(*) as c from probe`.execute(trx);
            await sql`insert into probe (n) values (${2000 + i})`.execute(trx);
            const after = await sql<{ c: number }>`select count(*) as c from probe`.execute(trx);
            expect(Number(after.rows[0]?.c)).toBe(Number(before.rows[0]?.c) + 1);
          }),
        );
      }
      await Promise.all(work);
      expect(await values(store)).toHaveLength(80);
    } finally {
      await store.close();
    }
  });

  it("runs relaxed writes there too: each statement by itself, with its RETURNING rows", async () => {
    const { store } = await probeStore();
    try {
      await thread(store)([insert(store, 1), insert(store, 2), insert(store, 3)]);
      // Relaxed writes handed over beside a durable batch and a main-connection transaction.
      const [returned, , counted] = await Promise.all([
        store.relaxedWrite((db) =>
          sql<{ n: number }>`update probe set n = n + 10 where n in (2, 3) returning n`.execute(db),
        ),
        thread(store)([insert(store, 50)]),
        store.relaxedWrite((db) => sql`delete from probe where n = 1`.execute(db)),
      ]);
      expect(returned.rows.map((row) => row.n).sort()).toEqual([12, 13]);
      expect(counted.numAffectedRows).toBe(1n);
      expect(await values(store)).toEqual([12, 13, 50]);
      // The thread's connection runs them: the main connection's setting stays FULL (2).
      const main = await sql<{ synchronous: number }>`pragma synchronous`.execute(store.db);
      expect(main.rows[0]?.synchronous).toBe(2);
      // There is no transaction to open: each statement commits alone.
      await expect(
        store.relaxedWrite((db) => db.transaction().execute(() => Promise.resolve())),
      ).rejects.toThrow(/each statement by itself/);
      // A failing statement fails alone, with SQLite's code, and the thread goes on.
      await expect(
        store.relaxedWrite((db) => sql`insert into probe (n) values (12)`.execute(db)),
      ).rejects.toSatisfy(isUniqueViolation);
      await store.relaxedWrite((db) => sql`insert into probe (n) values (60)`.execute(db));
      expect(await values(store)).toEqual([12, 13, 50, 60]);
    } finally {
      await store.close();
    }
  });

  it("finishes the writes it was handed before close returns", async () => {
    const { store, path } = await probeStore();
    const pending = Array.from({ length: 20 }, (_, i) => thread(store)([insert(store, i)]));
    await store.close();
    await Promise.all(pending);
    const reopened = await openSqliteStore(path);
    try {
      expect(await values(reopened)).toHaveLength(20);
      await expect(thread(store)([insert(store, 99)])).rejects.toThrow(/closed/);
    } finally {
      await reopened.close();
    }
  });

  it("keeps a process alive while a write is pending, and not once it is done", async () => {
    const { store, path } = await probeStore();
    await store.close();
    const script = fileURLToPath(new URL("./support/write-thread-child.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", script, path], { stdio: "inherit" });
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error("the child process did not exit: the idle thread kept it alive"));
      }, 20_000);
      child.on("exit", (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    expect(code).toBe(0);
    const reopened = await openSqliteStore(path);
    try {
      expect(await values(reopened)).toEqual([42]);
    } finally {
      await reopened.close();
    }
  });
});
