/**
 * The queries of every run start must not bind a value that decides whether a partial index
 * applies (`rollouts_one_active … WHERE status = 'active'`): SQLite then re-prepares the
 * statement each time it is executed with a fresh binding, which made the live route lookup
 * cost 100 µs instead of 30 under load (docs/performance.md).
 */
import { afterEach, expect, it } from "vitest";
import type { CompiledQuery, Kysely } from "kysely";
import { resolveRunTarget } from "../src/store/queries/resolve-run-target.js";
import type { StrataSchema } from "../src/store/schema.js";
import { openSqliteStore } from "../src/store/sqlite/sqlite-store.js";
import type { Store } from "../src/store/store.js";

let store: Store | undefined;
afterEach(async () => {
  await store?.close();
});

/** `db`, recording the queries run through it. */
function recording(db: Kysely<StrataSchema>, seen: CompiledQuery[]): Kysely<StrataSchema> {
  return new Proxy(db, {
    get(target, key) {
      if (key === "executeQuery") {
        return (query: CompiledQuery) => {
          seen.push(query);
          return target.executeQuery(query);
        };
      }
      // Kysely's private fields need the real object as `this`.
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === "function" ? (value as () => unknown).bind(target) : value;
    },
  });
}

it("looks up the active rollout with the status written into the SQL, not bound", async () => {
  store = await openSqliteStore(":memory:");
  const seen: CompiledQuery[] = [];
  const db = recording(store.db, seen);
  await resolveRunTarget(db, "default", "loan", "live");
  expect(seen).toHaveLength(1);
  expect(seen[0]?.sql).toContain(`"ro"."status" = 'active'`);
  expect(seen[0]?.parameters).not.toContain("active");
});
