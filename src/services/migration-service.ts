/**
 * Migrating waiting runs (DESIGN.md §5, L12's one exception): runs waiting at a node of
 * version `from` move to version `to`, at the node a plan maps theirs to. Only runs waiting at
 * a mapped wait node move; a dry run says for each run whether it can and why not. Each move is
 * atomic — the run's version, node and wait change together, the move is recorded on the run
 * and in the audit log, in one transaction — and a run that changed meanwhile is left alone.
 */
import { StrataError } from "../core/errors.js";
import type { Definition } from "../core/definition/definition.js";
import type { RunMigration } from "../core/model.js";
import { compileDefinition } from "../core/interpreter/compile-definition.js";
import { inputErrors } from "../core/interpreter/input-errors.js";
import type { PendingWait, RunSnapshot } from "../core/interpreter/run-snapshot.js";
import { parseDuration } from "../core/definition/duration.js";
import { appendAuditEvent } from "../store/audit-rows.js";
import { findVersionByNumber, OPEN_STATUSES } from "../store/version-rows.js";
import type { VersionRow } from "../store/version-rows.js";
import { runChange } from "./deps.js";
import type { CallContext, ServiceDeps } from "./deps.js";
import { requireWorkflow } from "./workflow-service.js";

/** A migration plan. */
export interface MigrationPlan {
  from: number;
  to: number;
  /** Old wait node → new wait node; runs waiting anywhere else stay. */
  map: Record<string, string>;
  /** Only report what would happen. */
  dryRun?: boolean;
}

/** What a migration did (or, dry, would do) to each run waiting on `from`. */
export interface MigrationReport {
  workflowId: string;
  from: number;
  to: number;
  map: Record<string, string>;
  dryRun: boolean;
  /** Runs that moved (or would move). */
  moved: number;
  /** Runs left where they are, each with why. */
  skipped: number;
  runs: Array<{
    runId: string;
    node: string | null;
    toNode: string | null;
    /** Whether it moves (or would). */
    moves: boolean;
    reason: string | null;
  }>;
}

/** Migration operations. */
export class MigrationService {
  constructor(private readonly deps: ServiceDeps) {}

  /** Plans, and unless `dryRun`, performs a migration of the runs waiting on `from`. */
  async migrate(ctx: CallContext, ref: string, plan: MigrationPlan): Promise<MigrationReport> {
    const db = this.deps.store.db;
    const workflow = await requireWorkflow(db, ctx.tenantId, ref);
    const from = await this.version(ctx, workflow.id, workflow.key, plan.from);
    const to = await this.version(ctx, workflow.id, workflow.key, plan.to);
    if (to.retired_at !== null) {
      throw new StrataError(
        "version_retired",
        `version ${plan.to} of ${workflow.key} is retired; restore it before moving runs to it`,
      );
    }
    if (from.id === to.id) {
      throw new StrataError("validation_failed", "from and to are the same version");
    }
    const fromDef = JSON.parse(from.definition) as Definition;
    const toCompiled = compileDefinition(JSON.parse(to.definition) as Definition);
    assertPlan(plan.map, fromDef, toCompiled.definition, plan.from, plan.to);
    const rows = await db
      .selectFrom("runs")
      .select(["id", "status", "snapshot", "input", "rev"])
      .where("tenant_id", "=", ctx.tenantId)
      .where("version_id", "=", from.id)
      .where("status", "in", OPEN_STATUSES)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    const report: MigrationReport = {
      workflowId: workflow.id,
      from: plan.from,
      to: plan.to,
      map: plan.map,
      dryRun: plan.dryRun === true,
      moved: 0,
      skipped: 0,
      runs: [],
    };
    for (const row of rows) {
      const snapshot = JSON.parse(row.snapshot) as RunSnapshot;
      const node = snapshot.pending?.node ?? snapshot.node;
      const verdict = judge(row.status, snapshot, plan.map, plan.from);
      let reason = verdict;
      const toNode = node === null ? null : (plan.map[node] ?? null);
      if (reason === null && inputErrors(toCompiled, JSON.parse(row.input) as unknown).length > 0) {
        reason = `its input does not fit version ${plan.to}'s input schema`;
      }
      if (reason === null && plan.dryRun !== true && toNode !== null) {
        const moved = await this.move(
          ctx,
          workflow.id,
          row.id,
          Number(row.rev),
          from,
          to,
          snapshot,
          toNode,
          toCompiled.definition,
        );
        if (!moved) reason = "it changed while the migration ran (a signal, a timer or a cancel)";
      }
      report.runs.push({
        runId: row.id,
        node,
        toNode: reason === null ? toNode : null,
        moves: reason === null,
        reason,
      });
      if (reason === null) report.moved += 1;
      else report.skipped += 1;
    }
    return report;
  }

  /** Moves one run, if it is still where it was read; its own transaction. */
  private async move(
    ctx: CallContext,
    workflowId: string,
    runId: string,
    rev: number,
    from: VersionRow,
    to: VersionRow,
    snapshot: RunSnapshot,
    toNode: string,
    target: Definition,
  ): Promise<boolean> {
    return runChange(this.deps, async (trx, now) => {
      const oldWait = snapshot.pending as PendingWait;
      const node = target.nodes[toNode] as { signal?: string; timeout?: string };
      // Time already waited counts: an old deadline stays; a new timeout starts now.
      const deadline =
        node.timeout === undefined
          ? undefined
          : (oldWait.deadline ??
            new Date(Date.parse(now) + parseDuration(node.timeout)).toISOString());
      const pending: PendingWait = {
        type: "wait",
        node: toNode,
        ...(node.signal === undefined ? {} : { signal: node.signal }),
        ...(deadline === undefined ? {} : { deadline }),
      };
      const current = await trx
        .selectFrom("runs")
        .select("migrations")
        .where("tenant_id", "=", ctx.tenantId)
        .where("id", "=", runId)
        .executeTakeFirst();
      const migration: RunMigration = {
        fromVersion: from.number ?? 0,
        toVersion: to.number ?? 0,
        fromNode: oldWait.node,
        toNode,
        at: now,
        by: ctx.actor,
      };
      const migrations = [
        ...(current?.migrations == null ? [] : (JSON.parse(current.migrations) as RunMigration[])),
        migration,
      ];
      const result = await trx
        .updateTable("runs")
        .set({
          version_id: to.id,
          version_number: to.number,
          // A version's run stores no hash: it finds its definition through its version.
          definition_hash: "",
          snapshot: JSON.stringify({ ...snapshot, node: toNode, pending }),
          wait_signal: pending.signal ?? null,
          due_at: pending.deadline ?? null,
          migrations: JSON.stringify(migrations),
          rev: rev + 1,
          updated_at: now,
        })
        .where("tenant_id", "=", ctx.tenantId)
        .where("id", "=", runId)
        .where("rev", "=", rev)
        .where("version_id", "=", from.id)
        .where("status", "=", "waiting")
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      await appendAuditEvent(trx, this.deps.store.dialect, {
        tenantId: ctx.tenantId,
        actor: ctx.actor,
        actorTokenId: ctx.actorTokenId ?? null,
        action: "run.migrated",
        workflowId,
        subjectId: runId,
        at: now,
        before: { version: migration.fromVersion, node: migration.fromNode },
        after: { version: migration.toVersion, node: toNode },
      });
      return true;
    });
  }

  private async version(
    ctx: CallContext,
    workflowId: string,
    key: string,
    number: number,
  ): Promise<VersionRow> {
    const row = await findVersionByNumber(this.deps.store.db, ctx.tenantId, workflowId, number);
    if (row === undefined || row.published_at === null) {
      throw new StrataError("not_found", `workflow ${key} has no version ${number}`);
    }
    return row;
  }
}

/** Why a run cannot move, or null when it can. */
function judge(
  status: string,
  snapshot: RunSnapshot,
  map: Record<string, string>,
  from: number,
): string | null {
  if (status !== "waiting" || snapshot.pending?.type !== "wait") {
    return `it is ${status}${snapshot.pending?.type === "task" ? ` at task ${snapshot.pending.node}` : ""}, not waiting`;
  }
  if (!Object.hasOwn(map, snapshot.pending.node)) {
    return `it waits at ${snapshot.pending.node}, which the plan does not map (v${from})`;
  }
  return null;
}

/** Every mapped pair must be a wait node of `from` and a wait node of `to`. */
function assertPlan(
  map: Record<string, string>,
  from: Definition,
  to: Definition,
  fromNumber: number,
  toNumber: number,
): void {
  const problems: string[] = [];
  if (Object.keys(map).length === 0) problems.push("the plan maps no node: give old=new pairs");
  for (const [oldNode, newNode] of Object.entries(map)) {
    if (from.nodes[oldNode]?.type !== "wait")
      problems.push(`${oldNode} is not a wait node of v${fromNumber}`);
    if (to.nodes[newNode]?.type !== "wait")
      problems.push(`${newNode} is not a wait node of v${toNumber}`);
  }
  if (problems.length > 0) {
    throw new StrataError(
      "validation_failed",
      `the migration plan does not fit: ${problems.join("; ")}`,
      {
        details: problems,
      },
    );
  }
}
