/** The audit chain detects tampering done with plain SQL (L14, DESIGN.md §6). */
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Strata } from "../src/index.js";
import type { Store } from "../src/store/store.js";
import { DIALECTS, openTestStore, uniqueTenant } from "./support/test-stores.js";

describe.each(DIALECTS)("audit chain on %s", (dialect) => {
  let store: Store;
  let close: () => Promise<void>;
  let strata: Strata;
  let tenant: string;

  // A database per test: tampering drops the guards, and no other test should see that.
  afterEach(() => close());
  beforeEach(async () => {
    ({ store, close } = await openTestStore(dialect));
    tenant = uniqueTenant();
    strata = Strata.fromStore(store, { tenant, actor: "alice" });
    await strata.workflows.create({ key: "loan" });
    await strata.workflows.create({ key: "offer" });
    await strata.workflows.deactivate("offer");
    await strata.drafts.discard("loan");
    expect(await strata.audit.verify()).toMatchObject({ ok: true, events: 4 });
  });

  /** Tampering needs the append-only triggers out of the way, as an attacker would do. */
  async function withoutGuards(work: () => Promise<unknown>): Promise<void> {
    const table = sql.table("audit_events");
    if (dialect === "postgres")
      await sql`ALTER TABLE ${table} DISABLE TRIGGER ALL`.execute(store.db);
    else {
      await sql`DROP TRIGGER audit_events_no_update`.execute(store.db);
      await sql`DROP TRIGGER audit_events_no_delete`.execute(store.db);
    }
    await work();
  }

  it("refuses updates and deletes of events at the database", async () => {
    await expect(
      store.db
        .updateTable("audit_events")
        .set({ actor: "mallory" })
        .where("tenant_id", "=", tenant)
        .execute(),
    ).rejects.toThrow(/audit_append_only/);
    await expect(
      store.db.deleteFrom("audit_events").where("tenant_id", "=", tenant).execute(),
    ).rejects.toThrow(/audit_append_only/);
  });

  it("names the first edited event", async () => {
    await withoutGuards(() =>
      store.db
        .updateTable("audit_events")
        .set({ actor: "mallory" })
        .where("tenant_id", "=", tenant)
        .where("seq", "=", 2)
        .execute(),
    );
    expect(await strata.audit.verify()).toMatchObject({
      ok: false,
      seq: 2,
      reason: expect.stringMatching(/edited/) as unknown,
    });
  });

  it("names a removed event in the middle", async () => {
    await withoutGuards(() =>
      store.db
        .deleteFrom("audit_events")
        .where("tenant_id", "=", tenant)
        .where("seq", "=", 3)
        .execute(),
    );
    expect(await strata.audit.verify()).toMatchObject({
      ok: false,
      seq: 4,
      reason: expect.stringMatching(/removed/) as unknown,
    });
  });

  it("notices removed events at the end", async () => {
    await withoutGuards(() =>
      store.db
        .deleteFrom("audit_events")
        .where("tenant_id", "=", tenant)
        .where("seq", ">=", 3)
        .execute(),
    );
    expect(await strata.audit.verify()).toMatchObject({
      ok: false,
      seq: 3,
      reason: expect.stringMatching(/end were removed/) as unknown,
    });
  });

  it("notices an edit even when the edited event's own hash is recomputed", async () => {
    await withoutGuards(() =>
      store.db
        .updateTable("audit_events")
        .set({ hash: "sha256:forged", before: '{"forged":true}' })
        .where("tenant_id", "=", tenant)
        .where("seq", "=", 1)
        .execute(),
    );
    expect(await strata.audit.verify()).toMatchObject({ ok: false, seq: 1 });
  });
});
