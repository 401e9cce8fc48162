/**
 * Bindings (DESIGN.md §3): named entry points bound to a workflow and a selector (`live`,
 * `latest` or a pinned version), optionally subscribed to an event type or a cron schedule.
 * Their status is computed on every read from the same facts a run start reads; a broken
 * binding refuses runs with the code the start would give. Events start one run per
 * subscribed binding; schedules fire from the worker, once per tick however many workers run.
 */
import { Cron } from "croner";
import { StrataError } from "../core/errors.js";
import { newId } from "../core/ids.js";
import type { Binding, BindingSelector, Run } from "../core/model.js";
import { bindingProblems } from "../core/routing/binding-health.js";
import { appendAuditEvent } from "../store/audit-rows.js";
import {
  advanceBindingTick,
  bindingsForEvent,
  deleteBindingRow,
  dueBindings,
  findBinding,
  insertBinding,
  listBindingRows,
  updateBinding,
} from "../store/binding-rows.js";
import type { BindingRow } from "../store/binding-rows.js";
import { resolveRunTarget } from "../store/queries/resolve-run-target.js";
import type { StoreTransaction } from "../store/store.js";
import type { Executor, WorkflowRow } from "../store/workflow-rows.js";
import { findVersionByNumber } from "../store/version-rows.js";
import { runChange } from "./deps.js";
import type { CallContext, ServiceDeps } from "./deps.js";
import type { RunService } from "./run-service.js";
import type { Page } from "./workflow-service.js";
import { lockWorkflow, workflowFilter, workflowNotFound } from "./workflow-service.js";

/** Who scheduled runs are attributed to. */
export const SCHEDULE_RUN_ACTOR = "strata:schedule";

/** A binding name or event type: a lowercase slug with dots (`loan.submitted`). */
const NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,127}$/;

/** What creating a binding takes. */
export interface CreateBindingInput {
  name: string;
  /** The workflow's id or key. */
  workflow: string;
  /** Default `live`. */
  selector?: BindingSelector;
  /** Subscribe to this event type. */
  event?: string | null;
  /** Fire on this cron schedule (5 or 6 fields, croner syntax). */
  cron?: string | null;
  /** The IANA time zone the schedule is read in (default UTC). */
  timezone?: string | null;
  /** The input of scheduled runs (default `{}`). */
  input?: unknown;
}

/** What updating a binding takes: any field; `null` clears event, cron and timezone. */
export type UpdateBindingInput = Partial<Omit<CreateBindingInput, "name">>;

/** What a run through a binding takes. */
export interface BindingRunInput {
  input: unknown;
  routingKey?: string;
  idempotencyKey?: string;
}

/** One published event: its type, its data (the runs' input), and an optional routing key. */
export interface PublishEventInput {
  type: string;
  data: unknown;
  key?: string;
}

/** What publishing an event did: the runs it started, and the bindings that refused. */
export interface PublishedEvent {
  type: string;
  runs: Array<{ binding: string; runId: string; versionNumber: number | null; status: string }>;
  refused: Array<{ binding: string; code: string; message: string }>;
}

/** Binding, event and schedule operations. */
export class BindingService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly runs: RunService,
  ) {}

  /** Creates a binding. */
  async create(ctx: CallContext, input: CreateBindingInput): Promise<Binding> {
    assertName(input.name, "binding name");
    const fields = checkFields(input, this.deps.clock.now());
    return runChange(this.deps, async (trx, now) => {
      const workflow = await lockWorkflow(trx, this.deps, ctx, input.workflow);
      if ((await findBinding(trx, ctx.tenantId, input.name)) !== undefined) {
        throw new StrataError(
          "binding_exists",
          `a binding named ${input.name} already exists; pick another name or update it`,
        );
      }
      await assertPinnable(trx, ctx, workflow, input.selector ?? "live");
      const id = newId("bnd");
      await insertBinding(trx, {
        tenant_id: ctx.tenantId,
        id,
        name: input.name,
        workflow_id: workflow.id,
        ...fields,
        created_at: now,
        created_by: ctx.actor,
        updated_at: now,
        updated_by: ctx.actor,
      });
      await this.audit(trx, ctx, workflow.id, id, now, "binding.created", null, {
        name: input.name,
        ...publicFields(fields),
      });
      return this.viewIn(trx, ctx, id);
    });
  }

  /** One binding by name or id, with its status. */
  async show(ctx: CallContext, ref: string): Promise<Binding> {
    const row = await findBinding(this.deps.store.db, ctx.tenantId, ref);
    if (row === undefined) throw bindingNotFound(ref);
    return this.view(this.deps.store.db, ctx, row);
  }

  /** Bindings by name, with their status; optionally of one workflow. */
  async list(
    ctx: CallContext,
    options: { workflow?: string; limit?: number; cursor?: string } = {},
  ): Promise<Page<Binding>> {
    const db = this.deps.store.db;
    const workflowId = await workflowFilter(db, ctx.tenantId, options.workflow);
    const limit = options.limit ?? 50;
    const rows = await listBindingRows(db, ctx.tenantId, {
      limit: limit + 1,
      ...(workflowId === undefined ? {} : { workflowId }),
      ...(options.cursor === undefined ? {} : { afterName: options.cursor }),
    });
    const items = await Promise.all(rows.slice(0, limit).map((row) => this.view(db, ctx, row)));
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last !== undefined ? last.name : null };
  }

  /** Changes a binding: re-pin it, move it to another workflow, change its event or schedule. */
  async update(ctx: CallContext, ref: string, input: UpdateBindingInput): Promise<Binding> {
    return runChange(this.deps, async (trx, now) => {
      const row = await findBinding(trx, ctx.tenantId, ref, this.deps.store.dialect);
      if (row === undefined) throw bindingNotFound(ref);
      const workflow =
        input.workflow === undefined
          ? await lockWorkflow(trx, this.deps, ctx, row.workflow_id)
          : await lockWorkflow(trx, this.deps, ctx, input.workflow);
      const merged: CreateBindingInput = {
        name: row.name,
        workflow: workflow.id,
        selector: input.selector ?? parseSelector(row.selector),
        event: input.event === undefined ? row.event_type : input.event,
        cron: input.cron === undefined ? row.cron : input.cron,
        // Clearing the schedule clears its time zone too, unless a new one is given.
        timezone:
          input.timezone !== undefined ? input.timezone : input.cron === null ? null : row.timezone,
        input: input.input === undefined ? parseInput(row.input) : input.input,
      };
      // Only a new pin is checked: a binding already pinned to a version retired since stays
      // as it is (broken until it is restored or re-pinned), and an update of its event or
      // schedule does not fail for it.
      if (input.selector !== undefined || input.workflow !== undefined)
        await assertPinnable(trx, ctx, workflow, merged.selector ?? "live");
      const fields = checkFields(merged, new Date(now));
      // Keep the pending tick when the schedule did not change, so an update never skips one.
      if (merged.cron === row.cron && merged.timezone === row.timezone) {
        fields.next_fire_at = row.next_fire_at;
      }
      await updateBinding(trx, ctx.tenantId, row.id, {
        workflow_id: workflow.id,
        ...fields,
        updated_at: now,
        updated_by: ctx.actor,
      });
      await this.audit(
        trx,
        ctx,
        workflow.id,
        row.id,
        now,
        "binding.updated",
        publicFields(rowFields(row)),
        { ...publicFields(fields), workflowId: workflow.id },
      );
      return this.viewIn(trx, ctx, row.id);
    });
  }

  /** Deletes a binding; runs that came through it keep its name in their route. */
  async delete(ctx: CallContext, ref: string): Promise<void> {
    await runChange(this.deps, async (trx, now) => {
      const row = await findBinding(trx, ctx.tenantId, ref, this.deps.store.dialect);
      if (row === undefined) throw bindingNotFound(ref);
      await deleteBindingRow(trx, ctx.tenantId, row.id);
      await this.audit(
        trx,
        ctx,
        row.workflow_id,
        row.id,
        now,
        "binding.deleted",
        { name: row.name, ...publicFields(rowFields(row)) },
        null,
      );
    });
  }

  /**
   * Starts a run through a binding: its workflow, on the version its selector resolves to now.
   * A broken binding refuses with the code the start would give (`version_retired`,
   * `workflow_deactivated`, `no_live_version`…).
   */
  async run(ctx: CallContext, ref: string, request: BindingRunInput): Promise<Run> {
    const row = await findBinding(this.deps.store.db, ctx.tenantId, ref);
    if (row === undefined) throw bindingNotFound(ref);
    return this.runThrough(ctx, row, request);
  }

  /** Publishes an event: one run per subscribed binding, in name order. */
  async publishEvent(ctx: CallContext, event: PublishEventInput): Promise<PublishedEvent> {
    assertName(event.type, "event type");
    const rows = await bindingsForEvent(this.deps.store.db, ctx.tenantId, event.type);
    const result: PublishedEvent = { type: event.type, runs: [], refused: [] };
    for (const row of rows) {
      try {
        const run = await this.runThrough(ctx, row, {
          input: event.data,
          ...(event.key === undefined ? {} : { routingKey: event.key }),
        });
        result.runs.push({
          binding: row.name,
          runId: run.id,
          versionNumber: run.versionNumber,
          status: run.status,
        });
      } catch (thrown) {
        if (!(thrown instanceof StrataError)) throw thrown;
        result.refused.push({ binding: row.name, code: thrown.code, message: thrown.message });
      }
    }
    return result;
  }

  /**
   * Fires the scheduled bindings whose tick is due, any tenant: each due tick starts one run
   * (its idempotency key names the binding and the tick, so a tick two workers both see still
   * starts one run), then the schedule moves to the first tick after now. Ticks missed while
   * nothing ran are coalesced into that one run. A broken binding skips its tick. Returns the
   * number of ticks handled.
   */
  async fireDue(limit = 50): Promise<number> {
    const now = this.deps.clock.now();
    const rows = await dueBindings(this.deps.store.db, now.toISOString(), limit);
    for (const row of rows) {
      const tick = row.next_fire_at;
      if (tick === null) continue;
      const ctx = { tenantId: row.tenant_id, actor: SCHEDULE_RUN_ACTOR };
      try {
        await this.runThrough(ctx, row, {
          input: parseInput(row.input),
          idempotencyKey: `schedule:${row.id}:${tick}`,
        });
      } catch (thrown) {
        if (!(thrown instanceof StrataError)) throw thrown;
      }
      const next = nextTick(row.cron, row.timezone, now);
      await this.deps.store.transaction((trx) =>
        advanceBindingTick(trx, row.tenant_id, row.id, tick, next),
      );
    }
    return rows.length;
  }

  /** Starts a run through `row`; a refusal says which binding is broken and how to fix it. */
  private async runThrough(
    ctx: CallContext,
    row: BindingRow,
    request: BindingRunInput,
  ): Promise<Run> {
    return this.runs
      .startVia(
        ctx,
        row.workflow_id,
        {
          input: request.input,
          version: parseSelector(row.selector),
          ...(request.routingKey === undefined ? {} : { routingKey: request.routingKey }),
          ...(request.idempotencyKey === undefined
            ? {}
            : { idempotencyKey: request.idempotencyKey }),
        },
        { id: row.id, name: row.name },
      )
      .catch((thrown: unknown) => {
        throw brokenBinding(row, thrown);
      });
  }

  private async viewIn(trx: StoreTransaction, ctx: CallContext, id: string): Promise<Binding> {
    const row = await findBinding(trx, ctx.tenantId, id);
    if (row === undefined) throw new Error("the binding vanished inside its own transaction");
    return this.view(trx, ctx, row);
  }

  /** The binding as the public object, its status computed from a fresh resolve. */
  private async view(q: Executor, ctx: CallContext, row: BindingRow): Promise<Binding> {
    const selector = parseSelector(row.selector);
    const target = await resolveRunTarget(q, ctx.tenantId, row.workflow_id, selector);
    if (target === undefined) throw workflowNotFound(row.workflow_id);
    const version = target.version;
    const resolved =
      version === null || version.number === null
        ? null
        : { number: version.number, retired: version.retiredAt !== null };
    const problems = bindingProblems({
      workflowKey: target.workflow.key,
      workflowStatus: target.workflow.status,
      selector,
      resolved,
    });
    return {
      id: row.id,
      name: row.name,
      workflowId: row.workflow_id,
      workflowKey: target.workflow.key,
      selector,
      event: row.event_type,
      cron: row.cron,
      timezone: row.timezone,
      input: parseInput(row.input),
      nextFireAt: row.next_fire_at,
      status: problems.length === 0 ? "ok" : "broken",
      problem: problems[0] ?? null,
      problems,
      resolvedVersion: resolved?.number ?? null,
      createdAt: row.created_at,
      createdBy: row.created_by,
      updatedAt: row.updated_at,
      updatedBy: row.updated_by,
    };
  }

  private async audit(
    trx: StoreTransaction,
    ctx: CallContext,
    workflowId: string,
    subjectId: string,
    at: string,
    action: string,
    before: unknown,
    after: unknown,
  ): Promise<void> {
    await appendAuditEvent(trx, this.deps.store.dialect, {
      tenantId: ctx.tenantId,
      actor: ctx.actor,
      actorTokenId: ctx.actorTokenId ?? null,
      action,
      workflowId,
      subjectId,
      at,
      before,
      after,
    });
  }
}

/**
 * L8: a retired version cannot be newly pinned, so a binding is never born broken. A number
 * names a published version of the workflow that is not retired (`not_found`,
 * `version_retired` otherwise); `live` and `latest` are checked when runs start.
 */
async function assertPinnable(
  trx: StoreTransaction,
  ctx: CallContext,
  workflow: WorkflowRow,
  selector: BindingSelector,
): Promise<void> {
  if (typeof selector !== "number") return;
  const version = await findVersionByNumber(trx, ctx.tenantId, workflow.id, selector);
  if (version === undefined || version.published_at === null) {
    throw new StrataError(
      "not_found",
      `workflow ${workflow.key} has no version ${selector} to pin; list them with \`strata versions ${workflow.key}\``,
    );
  }
  if (version.retired_at !== null) {
    throw new StrataError(
      "version_retired",
      `version ${selector} of ${workflow.key} is retired and cannot be newly pinned (L8); restore it first (\`strata version restore ${workflow.key} ${selector}\`), or pin another version`,
    );
  }
}

/** The stored columns of a binding's settings. */
interface BindingFields {
  selector: string;
  event_type: string | null;
  cron: string | null;
  timezone: string | null;
  input: string | null;
  next_fire_at: string | null;
}

/** Checks the settings and computes the first tick of a schedule. */
function checkFields(input: CreateBindingInput, now: Date): BindingFields {
  const selector = input.selector ?? "live";
  if (
    selector !== "live" &&
    selector !== "latest" &&
    !(typeof selector === "number" && Number.isSafeInteger(selector) && selector >= 1)
  ) {
    throw new StrataError(
      "validation_failed",
      `a binding's selector is live, latest or a version number, not ${String(selector)}`,
    );
  }
  const event = input.event ?? null;
  if (event !== null) assertName(event, "event type");
  const cron = input.cron ?? null;
  const timezone = input.timezone ?? null;
  if (timezone !== null && cron === null) {
    throw new StrataError("validation_failed", "a time zone applies to a schedule: give cron too");
  }
  const text = input.input === undefined ? null : JSON.stringify(input.input);
  return {
    selector: String(selector),
    event_type: event,
    cron,
    timezone,
    input: text,
    next_fire_at: cron === null ? null : nextTick(cron, timezone, now),
  };
}

/** The first tick of `cron` after `after`, or null when the pattern never fires again. */
export function nextTick(cron: string | null, timezone: string | null, after: Date): string | null {
  if (cron === null) return null;
  let schedule: Cron;
  try {
    schedule = new Cron(cron, { paused: true, ...(timezone === null ? {} : { timezone }) });
  } catch (thrown) {
    const reason = thrown instanceof Error ? thrown.message : String(thrown);
    throw invalidSchedule(cron, timezone, reason);
  }
  try {
    return schedule.nextRun(after)?.toISOString() ?? null;
  } catch (thrown) {
    // croner checks the time zone only when it computes a time.
    throw invalidSchedule(
      cron,
      timezone,
      thrown instanceof Error ? thrown.message : String(thrown),
    );
  }
}

function invalidSchedule(cron: string, timezone: string | null, reason: string): StrataError {
  return new StrataError(
    "validation_failed",
    `the schedule ${JSON.stringify(cron)}${timezone === null ? "" : ` in ${timezone}`} is not valid (${reason}); use five fields such as "0 * * * *" and an IANA time zone such as Europe/Berlin`,
  );
}

function rowFields(row: BindingRow): BindingFields {
  return {
    selector: row.selector,
    event_type: row.event_type,
    cron: row.cron,
    timezone: row.timezone,
    input: row.input,
    next_fire_at: row.next_fire_at,
  };
}

/** The settings as the audit log records them. */
function publicFields(fields: BindingFields): Record<string, unknown> {
  return {
    selector: parseSelector(fields.selector),
    event: fields.event_type,
    cron: fields.cron,
    timezone: fields.timezone,
  };
}

function parseSelector(text: string): BindingSelector {
  return text === "live" || text === "latest" ? text : Number(text);
}

function parseInput(text: string | null): unknown {
  return text === null ? {} : (JSON.parse(text) as unknown);
}

function assertName(name: string, what: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new StrataError(
      "validation_failed",
      `a ${what} is lowercase letters, digits, dots, dashes and underscores (up to 128), not ${JSON.stringify(name)}`,
    );
  }
}

/** What a binding's refusal says: the start's own error, naming the binding and the fix. */
function brokenBinding(row: BindingRow, thrown: unknown): unknown {
  if (!(thrown instanceof StrataError)) return thrown;
  const fixes: Partial<Record<string, string>> = {
    version_retired: `restore the version, or re-pin the binding: strata binding update ${row.name} --selector <n>`,
    not_found: `re-pin the binding: strata binding update ${row.name} --selector <n>`,
    no_live_version: "publish a version, or roll back to one",
    workflow_deactivated: "activate the workflow",
  };
  const fix = fixes[thrown.code];
  if (fix === undefined || (thrown.code === "not_found" && !/has no version/.test(thrown.message)))
    return thrown;
  return new StrataError(thrown.code, `binding ${row.name} is broken: ${thrown.message}; ${fix}`, {
    details: thrown.details,
    cause: thrown,
  });
}

/** The error for an unknown binding. */
export function bindingNotFound(ref: string): StrataError {
  return new StrataError("not_found", `no binding ${ref}; list them with \`strata binding list\``);
}
