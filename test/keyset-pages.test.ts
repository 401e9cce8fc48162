/**
 * Keyset pages (issue 17): a page of runs after the first bounds its index scan by the
 * cursor, `(created_at, id) < (?, ?)`, on both databases, for each filter the runs list
 * offers (none, a workflow, a workflow and a status) and for a backtest's source pages. Checked
 * with the query plan: SQLite's EXPLAIN QUERY PLAN names the cursor among the index's
 * constraints; PostgreSQL's EXPLAIN puts it in the Index Cond, not in a Filter. And the pages
 * themselves: walked to the end they give every run once, newest first. The lists of
 * backtests and of audit events page by one column (`id < ?`, `seq > ?`), which is bounded the
 * same way on the indexes that end in it.
 */
import { sql } from "kysely";
import type { Compilable } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Strata } from "../src/index.js";
import { auditListQuery } from "../src/store/audit-rows.js";
import { backtestListQuery } from "../src/store/backtest-rows.js";
import { listRunRows, runListQuery } from "../src/store/run-rows.js";
import type { RunFilter } from "../src/store/run-rows.js";
import type { Store } from "../src/store/store.js";
import { DIALECTS, openTestStore } from "./support/test-stores.js";

/** Ends at once: completed, or failed when the input says so (a rare status to filter by). */
const decision = {
  start: "pick",
  nodes: {
    pick: { type: "switch", cases: [{ when: "fail = true", next: "bad" }], default: "done" },
    done: { type: "end", output: { ok: "true" } },
    bad: { type: "fail", code: "refused" },
  },
};

const RUNS = 120;
/** Test runs of version 1 besides: the `kind` filter's partial index pages them. */
const TESTS = 16;
/** Runs pinned to version 2, which is never live: the `version` filter finds few runs. */
const PINNED = 8;

describe.each(DIALECTS)("pages of runs on %s", (dialect) => {
  let store: Store;
  let close: () => Promise<void>;
  let strata: Strata;
  let workflowId: string;
  /** Version 2, which only the pinned runs use. */
  let pinnedVersionId: string;

  beforeAll(async () => {
    ({ store, close } = await openTestStore(dialect));
    strata = Strata.fromStore(store, { actor: "keyset" });
    const workflow = await strata.workflows.create({ key: "flow", definition: decision });
    workflowId = workflow.id;
    await strata.drafts.publish("flow", {});
    // Several runs share each created_at (the same millisecond): the id breaks the ties.
    for (let i = 0; i < RUNS; i += 8)
      await Promise.all(
        Array.from({ length: 8 }, (_, j) =>
          strata.runs.start("flow", { input: { n: i + j, fail: (i + j) % 10 === 0 } }),
        ),
      );
    for (let i = 0; i < TESTS; i += 8)
      await Promise.all(
        Array.from({ length: 8 }, (_, j) =>
          strata.runs.start("flow", { input: { n: i + j, fail: false }, kind: "test", version: 1 }),
        ),
      );
    await strata.drafts.open("flow");
    const draft = await strata.drafts.show("flow");
    await strata.drafts.save("flow", {
      definition: { ...decision, description: "v2" },
      revision: draft.revision,
    });
    pinnedVersionId = (await strata.drafts.publish("flow", { activate: false })).id;
    await Promise.all(
      Array.from({ length: PINNED }, (_, n) =>
        strata.runs.start("flow", { input: { n, fail: false }, version: 2 }),
      ),
    );
    for (let i = 0; i < 6; i++) await strata.backtests.create("flow", { target: 1, limit: 5 });
    // Statistics, as a table in use has (a fresh one looks empty to PostgreSQL's planner).
    if (dialect === "postgres") await sql`ANALYZE runs, backtests, audit_events`.execute(store.db);
  });

  afterAll(async () => {
    await strata.close();
    await close();
  });

  /** The plan of `query` as text: SQLite's details, or PostgreSQL's JSON plan. */
  async function plan(query: Compilable): Promise<string> {
    const compiled = query.compile();
    if (dialect === "sqlite") {
      const explained = await store.db.executeQuery<{ detail: string }>({
        ...compiled,
        sql: `EXPLAIN QUERY PLAN ${compiled.sql}`,
      });
      return explained.rows.map((row) => row.detail).join("\n");
    }
    // A table this small would be read whole; the question is what the index can bound.
    return store.transaction(async (trx) => {
      await sql`SET LOCAL enable_seqscan = off`.execute(trx);
      await sql`SET LOCAL enable_bitmapscan = off`.execute(trx);
      const explained = await trx.executeQuery<{ "QUERY PLAN": unknown }>({
        ...compiled,
        sql: `EXPLAIN (FORMAT JSON) ${compiled.sql}`,
      });
      return JSON.stringify(explained.rows[0]?.["QUERY PLAN"]);
    });
  }

  /** A filter, the index that pages it, and how many runs it finds. */
  const filters: [string, () => Omit<RunFilter, "limit" | "before">, string, number][] = [
    ["no filter", () => ({}), "runs_by_time", RUNS + TESTS + PINNED],
    ["a workflow", () => ({ workflowId }), "runs_by_workflow", RUNS + TESTS + PINNED],
    [
      "a workflow and a status",
      () => ({ workflowId, status: "completed" }),
      "runs_by_workflow",
      RUNS - RUNS / 10 + TESTS + PINNED,
    ],
    // A rare status has an index of its own (partial: runs that did not complete).
    [
      "a workflow and a rare status",
      () => ({ workflowId, status: "failed" }),
      "runs_by_workflow_status",
      RUNS / 10,
    ],
    [
      "a workflow and a version",
      () => ({ workflowId, versionNumber: 2 }),
      "runs_by_version",
      PINNED,
    ],
    // Test runs too (partial: test runs only).
    ["a workflow's test runs", () => ({ workflowId, kinds: ["test"] }), "runs_of_tests", TESTS],
  ];

  it.each(filters)("bounds the scan by the cursor with %s", async (_name, filter, index) => {
    const first = await listRunRows(store.db, "default", { ...filter(), limit: 10 });
    const last = first.at(-1);
    expect(last).toBeDefined();
    const before = { createdAt: last?.created_at ?? "", id: last?.id ?? "" };
    const text = await plan(runListQuery(store.db, "default", { ...filter(), limit: 10, before }));
    // With one workflow in the tenant, PostgreSQL's statistics say the workflow alone keeps
    // every row, and it may page on runs_by_time instead; bounded by the cursor either way.
    if (dialect === "sqlite" || index !== "runs_by_workflow") expect(text).toContain(index);
    if (dialect === "sqlite") {
      expect(text).toMatch(
        new RegExp(`SEARCH runs USING INDEX ${index} \\(.*\\(created_at,id\\)<\\(\\?,\\?\\)\\)`),
      );
      expect(text).not.toContain("USE TEMP B-TREE");
    } else {
      const parsed = JSON.parse(text) as [{ Plan: PlanNode }];
      // The version filter reads the version's id by the versions' key first.
      const scans = indexScans(parsed[0].Plan).filter((scan) =>
        scan["Index Name"]?.startsWith("runs_"),
      );
      expect(scans).toHaveLength(1);
      expect(scans[0]?.["Index Cond"]).toMatch(/ROW\(created_at, id\) < ROW\(/);
      expect(scans[0]?.Filter ?? "").not.toMatch(/created_at/);
      expect(JSON.stringify(parsed)).not.toContain('"Sort"');
    }
  });

  const lists: [string, () => Compilable, RegExp, RegExp][] = [
    [
      "backtests",
      () => backtestListQuery(store.db, "default", { beforeId: "backtest_zzzz", limit: 10 }),
      /SEARCH backtests USING INDEX sqlite_autoindex_backtests_1 \(tenant_id=\? AND id<\?\)/,
      /id < /,
    ],
    [
      "a workflow's backtests",
      () =>
        backtestListQuery(store.db, "default", {
          workflowId,
          beforeId: "backtest_zzzz",
          limit: 10,
        }),
      /SEARCH backtests USING INDEX backtests_by_workflow \(tenant_id=\? AND workflow_id=\? AND id<\?\)/,
      /workflow_id = .* AND \(id < /,
    ],
    [
      "audit events",
      () => auditListQuery(store.db, "default", { afterSeq: 3, limit: 10 }),
      /SEARCH audit_events USING INDEX sqlite_autoindex_audit_events_1 \(tenant_id=\? AND seq>\?\)/,
      /seq > /,
    ],
    [
      "a workflow's audit events",
      () => auditListQuery(store.db, "default", { workflowId, afterSeq: 3, limit: 10 }),
      /SEARCH audit_events USING INDEX audit_events_by_workflow \(tenant_id=\? AND workflow_id=\? AND seq>\?\)/,
      /workflow_id = .* AND \(seq > /,
    ],
  ];

  it.each(lists)("bounds the scan of %s by the cursor", async (_name, query, sqlite, postgres) => {
    const text = await plan(query());
    if (dialect === "sqlite") {
      expect(text).toMatch(sqlite);
      expect(text).not.toContain("USE TEMP B-TREE");
    } else {
      const parsed = JSON.parse(text) as [{ Plan: PlanNode }];
      const scans = indexScans(parsed[0].Plan);
      expect(scans).toHaveLength(1);
      expect(scans[0]?.["Index Cond"]).toMatch(postgres);
      expect(JSON.stringify(parsed)).not.toContain('"Sort"');
    }
  });

  it("finds a version's runs by index, as the foreign key does when a version is deleted", async () => {
    // Deleting a version or a draft makes both databases look for runs that still reference
    // it, `WHERE tenant_id = ? AND version_id = ?`: without an index that starts so and holds
    // every run, each delete would read all the tenant's runs.
    const query = store.db
      .selectFrom("runs")
      .select("id")
      .where("tenant_id", "=", "default")
      .where("version_id", "=", pinnedVersionId);
    const text = await plan(query);
    if (dialect === "sqlite") {
      expect(text).toMatch(
        /USING (COVERING )?INDEX runs_by_version \(tenant_id=\? AND version_id=\?\)/,
      );
    } else {
      const parsed = JSON.parse(text) as [{ Plan: PlanNode }];
      const scans = indexScans(parsed[0].Plan);
      expect(scans.map((scan) => scan["Index Name"])).toEqual(["runs_by_version"]);
      expect(scans[0]?.["Index Cond"]).toMatch(/version_id = /);
    }
  });

  it("walks a workflow's backtests once, newest first", async () => {
    const seen: string[] = [];
    let beforeId: string | undefined;
    for (;;) {
      const page = await backtestListQuery(store.db, "default", {
        workflowId,
        limit: 4,
        ...(beforeId === undefined ? {} : { beforeId }),
      }).execute();
      seen.push(...page.map((row) => row.id));
      beforeId = page.at(-1)?.id;
      if (beforeId === undefined) break;
    }
    expect(seen).toHaveLength(6);
    expect(seen).toEqual([...seen].sort().reverse());
  });

  it.each(filters)(
    "walks every run once, newest first, with %s",
    async (_name, filter, _index, expected) => {
      const seen: { created_at: string; id: string; status: string }[] = [];
      let before: RunFilter["before"];
      for (;;) {
        const page = await listRunRows(store.db, "default", {
          ...filter(),
          limit: 7,
          ...(before === undefined ? {} : { before }),
        });
        seen.push(...page);
        const last = page.at(-1);
        if (last === undefined) break;
        before = { createdAt: last.created_at, id: last.id };
      }
      const f = filter();
      expect(seen).toHaveLength(expected);
      expect(new Set(seen.map((run) => run.id)).size).toBe(expected);
      if (f.status !== undefined) expect(seen.every((run) => run.status === f.status)).toBe(true);
      const sorted = [...seen].sort((a, b) =>
        a.created_at === b.created_at
          ? b.id.localeCompare(a.id)
          : b.created_at.localeCompare(a.created_at),
      );
      expect(seen).toEqual(sorted);
    },
  );
});

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Index Cond"?: string;
  Filter?: string;
  Plans?: PlanNode[];
}

/** The index scans of a PostgreSQL plan, depth first. */
function indexScans(node: PlanNode): PlanNode[] {
  const own = node["Node Type"].startsWith("Index") ? [node] : [];
  return [...own, ...(node.Plans ?? []).flatMap(indexScans)];
}
