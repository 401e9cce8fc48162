/** Workflows: create, list, show, activate and deactivate (DESIGN.md §1, L11). */
import { changePolicy, readPolicy } from "../core/policy.js";
import type { PolicyChange } from "../core/policy.js";
import { hashDefinition } from "../core/definition/index.js";
import { STARTER_DEFINITION, storableDefinition } from "../core/definition-limits.js";
import { StrataError } from "../core/errors.js";
import { newId } from "../core/ids.js";
import { assertWorkflowKey } from "../core/workflow-key.js";
import type { Workflow } from "../core/model.js";
import { appendAuditEvent } from "../store/audit-rows.js";
import { insertDraft } from "../store/version-rows.js";
import { findLiveVersionId, findWorkflow, listWorkflowSummaries } from "../store/workflow-rows.js";
import type { Executor, WorkflowRow } from "../store/workflow-rows.js";
import type { StoreTransaction } from "../store/store.js";
import { runChange } from "./deps.js";
import type { CallContext, ServiceDeps } from "./deps.js";
import { loadWorkflow, toWorkflow } from "./views.js";

/** What creating a workflow takes. */
export interface CreateWorkflowInput {
  key: string;
  /** A display name; the definition's `name`, else the key, when omitted. */
  name?: string;
  /** The first draft's definition; a one-step starter when omitted. */
  definition?: unknown;
}

/** A page of a list, with the cursor of the next page (null on the last). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Workflow operations. */
export class WorkflowService {
  constructor(private readonly deps: ServiceDeps) {}

  /** Creates a workflow and its first draft (L4: a new workflow starts with a draft). */
  async create(ctx: CallContext, input: CreateWorkflowInput): Promise<Workflow> {
    assertWorkflowKey(input.key);
    const definition = input.definition ?? STARTER_DEFINITION;
    const text = storableDefinition(definition, this.deps.maxDefinitionBytes);
    return runChange(this.deps, async (trx, now) => {
      if (
        (await findWorkflow(trx, ctx.tenantId, input.key, this.deps.store.dialect)) !== undefined
      ) {
        throw new StrataError(
          "workflow_exists",
          `a workflow with key ${input.key} already exists; pick another key`,
        );
      }
      const workflowId = newId("wfl");
      const name = input.name ?? definitionName(definition) ?? input.key;
      await trx
        .insertInto("workflows")
        .values({
          tenant_id: ctx.tenantId,
          id: workflowId,
          key: input.key,
          name,
          status: "active",
          created_at: now,
          created_by: ctx.actor,
          updated_at: now,
        })
        .execute();
      const draftId = newId("wflv");
      await insertDraft(trx, {
        tenantId: ctx.tenantId,
        id: draftId,
        workflowId,
        definition: text,
        hash: hashDefinition(definition),
        base: null,
        actor: ctx.actor,
        now,
      });
      await appendAuditEvent(trx, this.deps.store.dialect, {
        tenantId: ctx.tenantId,
        actor: ctx.actor,
        actorTokenId: ctx.actorTokenId ?? null,
        action: "workflow.created",
        workflowId,
        subjectId: workflowId,
        at: now,
        after: {
          key: input.key,
          name,
          status: "active",
          draftId,
          hash: hashDefinition(definition),
        },
      });
      return viewIn(trx, ctx, workflowId);
    });
  }

  /** Lists workflows by key, a page at a time. */
  async list(
    ctx: CallContext,
    options: { limit?: number; cursor?: string } = {},
  ): Promise<Page<Workflow>> {
    const limit = options.limit ?? 100;
    const rows = await listWorkflowSummaries(this.deps.store.db, ctx.tenantId, {
      limit: limit + 1,
      ...(options.cursor === undefined ? {} : { afterKey: options.cursor }),
    });
    const items = rows.slice(0, limit).map(toWorkflow);
    return { items, nextCursor: rows.length > limit ? (items.at(-1)?.key ?? null) : null };
  }

  /** One workflow by id or key. */
  async show(ctx: CallContext, ref: string): Promise<Workflow> {
    const row = await findWorkflow(this.deps.store.db, ctx.tenantId, ref);
    if (row === undefined) throw workflowNotFound(ref);
    const [summary] = await listWorkflowSummaries(this.deps.store.db, ctx.tenantId, {
      ids: [row.id],
    });
    if (summary === undefined) throw workflowNotFound(ref);
    return toWorkflow(summary);
  }

  /** Lets the workflow take production runs again; it needs a live version (L8, L11). */
  async activate(ctx: CallContext, ref: string): Promise<Workflow> {
    return this.setStatus(ctx, ref, "active", async (trx, workflow) => {
      if ((await findLiveVersionId(trx, ctx.tenantId, workflow.id)) === null) {
        throw new StrataError(
          "no_live_version",
          `workflow ${workflow.key} has no live version; roll back to a version or publish one, then activate`,
        );
      }
    });
  }

  /**
   * Changes the workflow's policy: its input-schema compatibility mode (L7), and whether a
   * publish needs approvals first (ADR 0015).
   */
  async setPolicy(ctx: CallContext, ref: string, change: PolicyChange): Promise<Workflow> {
    return runChange(this.deps, async (trx, now) => {
      const workflow = await lockWorkflow(trx, this.deps, ctx, ref);
      const before = readPolicy(workflow.policy);
      const after = changePolicy(before, change);
      if (JSON.stringify(before) === JSON.stringify(after)) return viewIn(trx, ctx, workflow.id);
      await trx
        .updateTable("workflows")
        .set({ policy: JSON.stringify(after), updated_at: now })
        .where("tenant_id", "=", ctx.tenantId)
        .where("id", "=", workflow.id)
        .execute();
      await appendAuditEvent(trx, this.deps.store.dialect, {
        tenantId: ctx.tenantId,
        actor: ctx.actor,
        actorTokenId: ctx.actorTokenId ?? null,
        action: "workflow.policy_changed",
        workflowId: workflow.id,
        subjectId: workflow.id,
        at: now,
        before,
        after,
      });
      return viewIn(trx, ctx, workflow.id);
    });
  }

  /** Stops new production runs on every route; runs in flight finish (L11). */
  async deactivate(ctx: CallContext, ref: string): Promise<Workflow> {
    return this.setStatus(ctx, ref, "deactivated", () => Promise.resolve());
  }

  private async setStatus(
    ctx: CallContext,
    ref: string,
    status: "active" | "deactivated",
    check: (trx: StoreTransaction, workflow: WorkflowRow) => Promise<void>,
  ): Promise<Workflow> {
    return runChange(this.deps, async (trx, now) => {
      const workflow = await lockWorkflow(trx, this.deps, ctx, ref);
      if (workflow.status === status) return viewIn(trx, ctx, workflow.id); // no change, no event
      await check(trx, workflow);
      await trx
        .updateTable("workflows")
        .set({ status, updated_at: now })
        .where("tenant_id", "=", ctx.tenantId)
        .where("id", "=", workflow.id)
        .execute();
      await appendAuditEvent(trx, this.deps.store.dialect, {
        tenantId: ctx.tenantId,
        actor: ctx.actor,
        actorTokenId: ctx.actorTokenId ?? null,
        action: status === "active" ? "workflow.activated" : "workflow.deactivated",
        workflowId: workflow.id,
        subjectId: workflow.id,
        at: now,
        before: { status: workflow.status },
        after: { status },
      });
      return viewIn(trx, ctx, workflow.id);
    });
  }
}

/** Reads a workflow for a change, locking its row; `not_found` when it does not exist. */
export async function lockWorkflow(
  trx: StoreTransaction,
  deps: ServiceDeps,
  ctx: CallContext,
  ref: string,
): Promise<WorkflowRow> {
  const workflow = await findWorkflow(trx, ctx.tenantId, ref, deps.store.dialect);
  if (workflow === undefined) throw workflowNotFound(ref);
  return workflow;
}

/** The workflow as the current transaction leaves it: what a change returns. */
async function viewIn(
  trx: StoreTransaction,
  ctx: CallContext,
  workflowId: string,
): Promise<Workflow> {
  const workflow = await loadWorkflow(trx, ctx.tenantId, workflowId);
  if (workflow === undefined) throw new Error("the workflow vanished inside its own transaction");
  return workflow;
}

/** A workflow by id or key, read without a lock; `not_found` when it does not exist. */
export async function requireWorkflow(
  q: Executor,
  tenantId: string,
  ref: string,
): Promise<WorkflowRow> {
  const workflow = await findWorkflow(q, tenantId, ref);
  if (workflow === undefined) throw workflowNotFound(ref);
  return workflow;
}

/** The id of the workflow a list's optional `workflow` filter names (undefined without one). */
export async function workflowFilter(
  q: Executor,
  tenantId: string,
  ref: string | undefined,
): Promise<string | undefined> {
  return ref === undefined ? undefined : (await requireWorkflow(q, tenantId, ref)).id;
}

/** The error for an unknown workflow id or key. */
export function workflowNotFound(ref: string): StrataError {
  return new StrataError(
    "not_found",
    `no workflow ${ref}; list them with \`strata workflow list\``,
  );
}

/** The definition's own `name`, the default name of a workflow created from it. */
function definitionName(definition: unknown): string | undefined {
  const name = (definition as { name?: unknown }).name;
  return typeof name === "string" && name.trim() !== "" ? name : undefined;
}
