/** Migrations: applied on open, safe when two processes open an empty database at once. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { isStrataError } from "../src/core/errors.js";
import { loadMigrations } from "../src/store/migrate.js";
import { openStore } from "../src/store/open-store.js";
import { DIALECTS, createTestDatabase } from "./support/test-stores.js";
import type { TestDatabase } from "./support/test-stores.js";

/** Opens a store in a separate OS process and reports what it applied. */
function openInChild(location: string): Promise<{ code: number | null; out: string }> {
  const script = fileURLToPath(new URL("./support/open-store-child.ts", import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, location], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("close", (code) => resolve({ code, out: out.trim() }));
  });
}

describe("opening a database that cannot be opened", () => {
  it("fails with database_unavailable and says what to check", async () => {
    const failure = await openStore("/nonexistent-dir/x/strata.db").catch(
      (error: unknown) => error,
    );
    expect(isStrataError(failure, "database_unavailable")).toBe(true);
    expect(String((failure as Error).message)).toMatch(/--db/);
    const pgFailure = await openStore("postgres://nobody@127.0.0.1:1/none").catch(
      (error: unknown) => error,
    );
    expect(isStrataError(pgFailure, "database_unavailable")).toBe(true);
  });
});

describe.each(DIALECTS)("migrations on %s", (dialect) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.cleanup();
    database = undefined;
  });

  it("applies every migration once, even with two processes opening an empty database at once", async () => {
    database = await createTestDatabase(dialect);
    const location = database.location;
    const results = await Promise.all([
      openInChild(location),
      openInChild(location),
      openInChild(location),
    ]);
    const expected = String(loadMigrations(dialect).length);
    expect(results).toEqual([
      { code: 0, out: expected },
      { code: 0, out: expected },
      { code: 0, out: expected },
    ]);
  });

  it("refuses a database migrated by a newer Strata", async () => {
    database = await createTestDatabase(dialect);
    const store = await openStore(database.location);
    await store.db
      .insertInto("strata_migrations" as never)
      .values({ id: 9999, name: "from_the_future", applied_at: new Date().toISOString() })
      .execute();
    await store.close();
    const failure = await openStore(database.location).then(
      () => null,
      (error: unknown) => error,
    );
    expect(isStrataError(failure, "database_newer")).toBe(true);
    expect(String((failure as Error).message)).toMatch(/9999 \(from_the_future\).*upgrade Strata/);
  });
});
