/**
 * The version lifecycle (DESIGN.md §2, L1–L11 and L14), run against both stores.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Strata } from "../src/index.js";
import { insertFinishedRun } from "./support/insert-run.js";
import { DIALECTS, openTestStore, uniqueTenant } from "./support/test-stores.js";
import type { Store } from "../src/store/store.js";

/** A small valid definition whose decision depends on `threshold`. */
function decision(threshold: number): unknown {
  return {
    inputSchema: {
      type: "object",
      required: ["amount"],
      properties: { amount: { type: "number" } },
    },
    start: "route",
    nodes: {
      route: {
        type: "switch",
        cases: [{ when: `amount > ${threshold}`, next: "reject" }],
        default: "approve",
      },
      approve: { type: "end", output: { decision: "'approve'" } },
      reject: { type: "end", output: { decision: "'reject'" } },
    },
  };
}

/** The same value with every object's keys in reverse order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reverseKeys(v)]),
  );
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name: "StrataError", code });
}

describe.each(DIALECTS)("version lifecycle on %s", (dialect) => {
  let store: Store;
  let close: () => Promise<void>;
  let strata: Strata;

  beforeAll(async () => {
    ({ store, close } = await openTestStore(dialect));
  });
  afterAll(() => close());
  beforeEach(() => {
    strata = Strata.fromStore(store, { tenant: uniqueTenant(), actor: "alice" });
  });

  /** Creates `loan` and publishes versions with the given thresholds. */
  async function published(...thresholds: number[]): Promise<void> {
    await strata.workflows.create({ key: "loan", definition: decision(thresholds[0] ?? 0) });
    for (const [index, threshold] of thresholds.entries()) {
      if (index > 0) {
        const draft = await strata.drafts.open("loan");
        await strata.drafts.save("loan", {
          definition: decision(threshold),
          revision: draft.revision,
        });
      }
      await strata.drafts.publish("loan", { description: `v${index + 1}` });
    }
  }

  it("creates a workflow with a draft, then publishes version 1 live (L4, L7)", async () => {
    const workflow = await strata.workflows.create({
      key: "loan",
      name: "Loan",
      definition: decision(1000),
    });
    expect(workflow).toMatchObject({
      key: "loan",
      name: "Loan",
      status: "active",
      liveVersion: null,
      draftRevision: 1,
    });
    const draft = await strata.drafts.show("loan");
    expect(draft).toMatchObject({
      state: "draft",
      number: null,
      revision: 1,
      nextNumber: 1,
      baseVersion: null,
      problems: [],
    });
    const v1 = await strata.drafts.publish("loan", { description: "first" });
    expect(v1).toMatchObject({
      number: 1,
      state: "published",
      live: true,
      description: "first",
      createdBy: "alice",
    });
    expect(v1.summary).toContain("first version");
    expect(v1.publishedAt).not.toBeNull();
    await expectCode(strata.drafts.show("loan"), "not_found");
    expect(await strata.workflows.show(workflow.id)).toMatchObject({
      liveVersion: 1,
      latestVersion: 1,
      draftRevision: null,
    });
  });

  it("names a workflow after its definition unless told otherwise", async () => {
    const named = { ...(decision(1) as object), name: "Loan decision" };
    expect((await strata.workflows.create({ key: "a", definition: named })).name).toBe(
      "Loan decision",
    );
    expect((await strata.workflows.create({ key: "b", definition: named, name: "B" })).name).toBe(
      "B",
    );
    expect((await strata.workflows.create({ key: "c" })).name).toBe("c");
  });

  it("refuses a duplicate key and a bad key", async () => {
    await strata.workflows.create({ key: "loan" });
    await expectCode(strata.workflows.create({ key: "loan" }), "workflow_exists");
    await expectCode(strata.workflows.create({ key: "Not A Slug" }), "validation_failed");
  });

  it("keeps one draft (L1) and opens from live, any version, or retired ones (L4)", async () => {
    await published(10, 20, 30);
    const draft = await strata.drafts.open("loan");
    expect(draft).toMatchObject({ baseVersion: 3, nextNumber: 4, revision: 1 });
    await expectCode(strata.drafts.open("loan"), "draft_exists");
    await strata.drafts.discard("loan");
    await expectCode(strata.drafts.open("loan", { from: 9 }), "not_found");
    await strata.versions.retire("loan", 1);
    const fromRetired = await strata.drafts.open("loan", { from: 1 });
    expect(fromRetired.definition).toEqual((await strata.versions.show("loan", 1)).definition);
    expect(fromRetired.baseVersion).toBe(1);
  });

  it("never changes a published version (L2), in the database too", async () => {
    await published(10);
    const table = store.db;
    await expect(
      table.updateTable("versions").set({ definition: "{}" }).where("number", "=", 1).execute(),
    ).rejects.toThrow(/version_immutable/);
    await expect(
      table.updateTable("versions").set({ number: 7 }).where("number", "=", 1).execute(),
    ).rejects.toThrow(/version_immutable/);
  });

  it("numbers versions 1, 2, 3 and never reuses a deleted number (L3)", async () => {
    await published(10, 20, 30);
    await strata.versions.retire("loan", 3 - 1);
    await strata.versions.delete("loan", 2);
    const draft = await strata.drafts.open("loan");
    expect(draft.nextNumber).toBe(4);
    await strata.drafts.save("loan", { definition: decision(40), revision: draft.revision });
    const v4 = await strata.drafts.publish("loan");
    expect(v4.number).toBe(4);
    const numbers = (await strata.versions.list("loan")).map((v) => v.number);
    expect(numbers).toEqual([4, 3, 1]);
  });

  it("refuses to publish a draft identical to the version it replaces (L3 no_changes)", async () => {
    await published(10);
    await strata.drafts.open("loan");
    await expectCode(strata.drafts.publish("loan"), "no_changes");
    // Key order and whitespace do not count as changes.
    const reordered = reverseKeys(decision(10));
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(decision(10)));
    await strata.drafts.save("loan", { definition: reordered, revision: 1 });
    await expectCode(strata.drafts.publish("loan"), "no_changes");
  });

  it("publishes vK's definition again as a new version when restoring from it", async () => {
    await published(10, 20);
    await strata.drafts.open("loan", { from: 1 });
    const v3 = await strata.drafts.publish("loan");
    expect(v3).toMatchObject({ number: 3, baseVersion: 1, live: true });
    expect(v3.summary).toContain("restored from v1");
    expect(v3.hash).toBe((await strata.versions.show("loan", 1)).hash);
  });

  it("fails with all_versions_retired when every version is retired (L4)", async () => {
    await published(10);
    await strata.workflows.deactivate("loan");
    await strata.versions.retire("loan", 1);
    expect((await strata.workflows.show("loan")).liveVersion).toBeNull();
    await expectCode(strata.drafts.open("loan"), "all_versions_retired");
    await strata.versions.restore("loan", 1);
    expect((await strata.drafts.open("loan")).baseVersion).toBe(1);
  });

  it("saves with revisions and refuses stale ones (L5)", async () => {
    await strata.workflows.create({ key: "loan", definition: decision(1) });
    const saved = await strata.drafts.save("loan", { definition: decision(2), revision: 1 });
    expect(saved).toMatchObject({ revision: 2, lastEditedBy: "alice" });
    const bob = strata.as({ actor: "bob" });
    await expectCode(
      bob.drafts.save("loan", { definition: decision(3), revision: 1 }),
      "revision_mismatch",
    );
    expect((await strata.drafts.show("loan")).definition).toEqual(decision(2));
    const byBob = await bob.drafts.save("loan", { definition: { nodes: {} }, revision: 2 });
    expect(byBob).toMatchObject({ revision: 3, lastEditedBy: "bob", createdBy: "alice" });
    expect(byBob.problems.length).toBeGreaterThan(0); // invalid drafts are kept, with problems
    await expectCode(strata.drafts.publish("loan"), "definition_invalid");
    await expectCode(strata.drafts.publish("loan", { revision: 2 }), "revision_mismatch");
  });

  it("reverts to the live version and discards without touching versions (L6)", async () => {
    await published(10);
    const draft = await strata.drafts.open("loan");
    await strata.drafts.save("loan", { definition: decision(99), revision: draft.revision });
    const reverted = await strata.drafts.revert("loan");
    expect(reverted).toMatchObject({ revision: 3, baseVersion: 1 });
    expect(reverted.definition).toEqual(decision(10));
    const runId = await insertFinishedRun(store, strata.context.tenantId, reverted);
    await strata.drafts.discard("loan"); // the draft's test runs go with it
    expect(
      await store.db.selectFrom("runs").select("id").where("id", "=", runId).execute(),
    ).toEqual([]);
    await expectCode(strata.drafts.discard("loan"), "not_found");
    expect((await strata.versions.show("loan", 1)).definition).toEqual(decision(10));
  });

  it("publishes without activating, and retires the previous version on request (L7)", async () => {
    await published(10);
    const draft = await strata.drafts.open("loan");
    await strata.drafts.save("loan", { definition: decision(20), revision: draft.revision });
    const v2 = await strata.drafts.publish("loan", { activate: false });
    expect(v2).toMatchObject({ number: 2, live: false });
    expect((await strata.workflows.show("loan")).liveVersion).toBe(1);
    await strata.drafts.open("loan");
    await strata.drafts.save("loan", { definition: decision(30), revision: 1 });
    await expectCode(
      strata.drafts.publish("loan", { activate: false, retirePrevious: true }),
      "validation_failed",
    );
    const v3 = await strata.drafts.publish("loan", { retirePrevious: true });
    expect(v3.live).toBe(true);
    const states = (await strata.versions.list("loan")).map((v) => [v.number, v.state, v.live]);
    expect(states).toEqual([
      [3, "published", true],
      [2, "published", false],
      [1, "retired", false],
    ]);
  });

  it("retires only published, non-live versions while active (L8) and restores (L9)", async () => {
    await published(10, 20);
    await expectCode(strata.versions.retire("loan", 2), "version_live");
    const v1 = await strata.versions.retire("loan", 1);
    expect(v1).toMatchObject({ state: "retired", live: false });
    expect(v1.retiredAt).not.toBeNull();
    await expectCode(strata.versions.retire("loan", 1), "version_retired");
    expect((await strata.workflows.show("loan")).latestVersion).toBe(2);
    await strata.drafts.open("loan");
    await expectCode(strata.versions.retire("loan", 3), "not_found");
    await expectCode(strata.versions.restore("loan", 2), "version_not_retired");
    expect(await strata.versions.restore("loan", 1)).toMatchObject({
      state: "published",
      retiredAt: null,
    });
  });

  it("deletes only retired versions without runs (L10)", async () => {
    await published(10, 20, 30);
    await expectCode(strata.versions.delete("loan", 1), "version_not_retired");
    await strata.versions.retire("loan", 1);
    const v1 = await strata.versions.show("loan", 1);
    await insertFinishedRun(store, strata.context.tenantId, v1);
    await expectCode(strata.versions.delete("loan", 1), "version_has_runs");
    expect((await strata.versions.show("loan", 1)).runCounts).toEqual({
      production: {},
      test: { completed: 1 },
    });
    // A run counts for good: a version keeps it even once the run row is gone (a prune).
    await store.db.deleteFrom("runs").where("version_id", "=", v1.id).execute();
    await expectCode(strata.versions.delete("loan", 1), "version_has_runs");
    await strata.versions.retire("loan", 2);
    await strata.versions.delete("loan", 2);
    await expectCode(strata.versions.show("loan", 2), "not_found");
    expect((await strata.versions.show("loan", 1)).state).toBe("retired");
  });

  it("deactivates and activates (L11); activation needs a live version", async () => {
    await published(10);
    expect((await strata.workflows.deactivate("loan")).status).toBe("deactivated");
    await strata.versions.retire("loan", 1); // allowed now, and empties the live route
    await expectCode(strata.workflows.activate("loan"), "no_live_version");
    await strata.versions.restore("loan", 1);
    await strata.drafts.open("loan", { from: 1 });
    await strata.drafts.save("loan", { definition: decision(5), revision: 1 });
    await strata.drafts.publish("loan");
    expect((await strata.workflows.activate("loan")).status).toBe("active");
  });

  it("writes one audit event per change, chained, in the same transaction (L14)", async () => {
    await published(10, 20);
    await expectCode(strata.versions.retire("loan", 2), "version_live"); // refused: no event
    await strata.versions.retire("loan", 1);
    const { items } = await strata.audit.list();
    expect(items.map((e) => e.action)).toEqual([
      "workflow.created",
      "version.published",
      "draft.opened",
      "draft.saved",
      "version.published",
      "version.retired",
    ]);
    expect(items.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(items.every((e) => e.actor === "alice")).toBe(true);
    expect(items[5]).toMatchObject({
      before: { number: 1, state: "published" },
      after: { number: 1, state: "retired" },
    });
    expect(await strata.audit.verify()).toMatchObject({ ok: true, events: 6 });
    const page = await strata.audit.list({ limit: 4 });
    expect(page.items).toHaveLength(4);
    const rest = await strata.audit.list({ cursor: page.nextCursor ?? "" });
    expect(rest.items.map((e) => e.seq)).toEqual([5, 6]);
  });

  it("keeps tenants apart", async () => {
    await published(10);
    const other = strata.as({ tenantId: uniqueTenant() });
    await expectCode(other.workflows.show("loan"), "not_found");
    await other.workflows.create({ key: "loan" });
    expect((await other.audit.list()).items).toHaveLength(1);
  });
});
