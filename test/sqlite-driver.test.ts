/**
 * The SQLite driver's one connection is handed out in arrival order, and a query that arrives
 * while a transaction is open waits for it: it never runs inside someone else's transaction,
 * so it never sees rows that are later rolled back.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Strata } from "../src/index.js";
import { openSqliteStore } from "../src/store/sqlite/sqlite-store.js";
import type { Store } from "../src/store/store.js";
import { uniqueTenant } from "./support/test-stores.js";

describe("the SQLite connection", () => {
  let dir: string;
  let store: Store;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "strata-driver-"));
    store = await openSqliteStore(join(dir, "driver.db"));
    await sql`create table probe (n integer not null)`.execute(store.db);
  });

  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const count = async (): Promise<number> =>
    Number(
      (await sql<{ n: number }>`select count(*) as n from probe`.execute(store.db)).rows[0]?.n,
    );

  it("serves queries in the order they arrived", async () => {
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        sql`select ${index} as i`.execute(store.db).then(() => order.push(index)),
      ),
    );
    expect(order).toEqual(Array.from({ length: 200 }, (_, index) => index));
  });

  it("keeps queries that arrive during a transaction out of it", async () => {
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inserted = (): void => undefined;
    const didInsert = new Promise<void>((resolve) => (inserted = resolve));
    const transaction = store
      .transaction(async (trx) => {
        await sql`insert into probe (n) values (1)`.execute(trx);
        inserted();
        await held;
        throw new Error("roll back");
      })
      .catch((error: unknown) => error);
    await didInsert;
    // Issued while the transaction holds the connection and has an uncommitted row.
    const seen = count();
    release();
    expect(await transaction).toMatchObject({ message: "roll back" });
    expect(await seen).toBe(0);
    expect(await count()).toBe(0);
  });

  it("hands the connection on when a transaction fails to begin", async () => {
    await expect(
      store.transaction(async (trx) => {
        await sql`insert into no_such_table values (1)`.execute(trx);
      }),
    ).rejects.toThrow(/no such table/);
    await store.transaction(async (trx) => {
      await sql`insert into probe (n) values (2)`.execute(trx);
    });
    expect(await count()).toBe(1);
  });
});

describe("token lookups shared by concurrent requests", () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "strata-tokens-"));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("answer every request from a lookup made after it arrived", async () => {
    const path = join(dir, "tokens.db");
    const tenant = uniqueTenant();
    const server = Strata.fromStore(await openSqliteStore(path), { tenant, actor: "root" }, true);
    // Another process (here: another connection) revokes the token.
    const other = Strata.fromStore(await openSqliteStore(path), { tenant, actor: "root" }, true);
    try {
      const { id, token } = await server.tokens.create({ role: "operator" });
      const together = await Promise.all(
        Array.from({ length: 50 }, () => server.tokens.authenticate(token)),
      );
      expect(new Set(together.map((identity) => identity.tokenId))).toEqual(new Set([id]));
      await other.tokens.revoke(id);
      await expect(server.tokens.authenticate(token)).rejects.toMatchObject({
        code: "unauthorized",
      });
      const afterRevoke = await Promise.allSettled(
        Array.from({ length: 20 }, () => server.tokens.authenticate(token)),
      );
      expect(afterRevoke.every((result) => result.status === "rejected")).toBe(true);
    } finally {
      await other.close();
      await server.close();
    }
  });
});
