/**
 * Replay of one past run against any version (DESIGN.md §5), and the input adapters that carry
 * old inputs across a schema change. Replay reads only: the run's recorded input and trace, the
 * target's definition; it performs no effect and writes nothing.
 */
import { LruCache } from "../core/lru-cache.js";
import jsonata from "jsonata";
import { StrataError } from "../core/errors.js";
import type { Run } from "../core/model.js";
import type { CompiledDefinition } from "../core/interpreter/compile-definition.js";
import { compileDefinition } from "../core/interpreter/compile-definition.js";
import { describeInputErrors, inputErrors } from "../core/interpreter/input-errors.js";
import { jsonataMessage } from "../core/interpreter/expressions.js";
import { toJsonValue } from "../core/interpreter/json-value.js";
import type { Definition } from "../core/definition/definition.js";
import { compareRuns, pathOf, replayRun } from "../core/replay/replay-run.js";
import type { RecordedRun } from "../core/replay/replay-run.js";
import type { ReplayReport } from "../core/replay/replay-types.js";
import type { Executor } from "../engine/executor.js";
import { appendAuditEvent } from "../store/audit-rows.js";
import { resolveRunTarget } from "../store/queries/resolve-run-target.js";
import { findVersionById, findVersionByNumber } from "../store/version-rows.js";
import type { Executor as Queries, WorkflowRow } from "../store/workflow-rows.js";
import { runChange } from "./deps.js";
import type { CallContext, ServiceDeps } from "./deps.js";
import type { VersionSelector } from "./run-service.js";
import { lockWorkflow, requireWorkflow } from "./workflow-service.js";

export type { ReplayReport };
/** What a replay takes. */
export interface ReplayRequest {
  /** The past run, of this workflow. */
  runId: string;
  /** The version to replay through: `live` (default), `latest`, a number, or `draft`. */
  version?: VersionSelector;
  /** A JSONata expression from the run's input to one the target accepts. */
  adapter?: string;
  /** Task results (or signal payloads) by node, for effects the original never had. */
  mocks?: Record<string, unknown>;
}

/** An adapter registered for a pair of versions. */
export interface InputAdapter {
  workflowId: string;
  from: number;
  to: number;
  expression: string;
  createdAt: string;
  createdBy: string;
}

/** The version replay resolves a selector to: compiled, with its identity. */
export interface ReplayTargetVersion {
  selector: string;
  versionId: string;
  versionNumber: number | null;
  definition: string | null;
  compiled: CompiledDefinition;
}

/** How many compiled input adapters one process keeps. */
const ADAPTER_CACHE_LIMIT = 256;

/** Replay and adapter operations. */
export class ReplayService {
  /**
   * Compiled adapters by expression text, the most recently used kept: callers may send a new
   * adapter with every replay, and a long-running server must not keep them all.
   */
  readonly #adapters = new LruCache<string, jsonata.Expression>(ADAPTER_CACHE_LIMIT);

  constructor(
    private readonly deps: ServiceDeps,
    private readonly executor: Executor,
  ) {}

  /** Replays run `runId` of workflow `ref` through the version `version` selects. */
  async replay(ctx: CallContext, ref: string, request: ReplayRequest): Promise<ReplayReport> {
    const db = this.deps.store.db;
    const workflow = await requireWorkflow(db, ctx.tenantId, ref);
    const run = await this.executor.get(ctx.tenantId, request.runId);
    if (run.workflowId !== workflow.id) {
      throw new StrataError("not_found", `no run ${request.runId} of workflow ${workflow.key}`);
    }
    const target = await this.target(ctx, workflow, request.version ?? "live");
    const { input, adapter } = await this.adaptInput(ctx, workflow, run, target, request.adapter);
    const replayed = await replayRun(
      recordedRun(run),
      {
        compiled: target.compiled,
        versionId: target.versionId,
        versionNumber: target.versionNumber,
      },
      input,
      request.mocks ?? {},
    );
    return {
      runId: run.id,
      workflowId: workflow.id,
      original: {
        versionNumber: run.versionNumber,
        status: run.status,
        output: run.output,
        path: pathOf(recordedRun(run).trace),
      },
      target: { selector: target.selector, versionNumber: target.versionNumber },
      input,
      adapter,
      replay: { ...replayed, path: pathOf(replayed.trace) },
      comparison: compareRuns(recordedRun(run), replayed),
    };
  }

  /** The version a selector names now, compiled (a draft must be valid to replay through). */
  async target(
    ctx: CallContext,
    workflow: WorkflowRow,
    selector: VersionSelector,
  ): Promise<ReplayTargetVersion> {
    const db = this.deps.store.db;
    const resolved = await resolveRunTarget(db, ctx.tenantId, workflow.id, selector);
    const version = resolved?.version ?? null;
    if (version === null) {
      throw new StrataError(
        selector === "live" || selector === "latest" ? "no_live_version" : "not_found",
        selector === "draft"
          ? `workflow ${workflow.key} has no draft; open one to replay through it`
          : `workflow ${workflow.key} has no version for ${String(selector)}`,
      );
    }
    let definition = version.definition;
    if (definition === null) {
      definition = (await findVersionById(db, ctx.tenantId, version.id))?.definition ?? null;
    }
    if (definition === null) throw new StrataError("not_found", `version ${version.id} is gone`);
    const compiled =
      version.number === null
        ? compileDefinition(JSON.parse(definition) as Definition)
        : await this.executor.compiledVersion(ctx.tenantId, {
            id: version.id,
            number: version.number,
            hash: version.hash,
            definition,
          });
    return {
      selector: String(selector),
      versionId: version.id,
      versionNumber: version.number,
      definition,
      compiled,
    };
  }

  /**
   * The input the target gets: the original's when it fits the target's schema; else the
   * adapter's result (the one given, else one registered for the pair) when that fits; else
   * `input_schema_drift` with every validation error.
   */
  async adaptInput(
    ctx: CallContext,
    workflow: WorkflowRow,
    run: Pick<Run, "input" | "versionNumber">,
    target: Pick<ReplayTargetVersion, "compiled" | "versionNumber">,
    given: string | undefined,
  ): Promise<{ input: unknown; adapter: "none" | "given" | "registered" }> {
    let expression = given;
    let adapter: "none" | "given" | "registered" = given === undefined ? "none" : "given";
    if (expression === undefined && run.versionNumber !== null && target.versionNumber !== null) {
      const registered = await findAdapter(
        this.deps.store.db,
        ctx.tenantId,
        workflow.id,
        run.versionNumber,
        target.versionNumber,
      );
      if (registered !== undefined) {
        expression = registered;
        adapter = "registered";
      }
    }
    const input =
      expression === undefined ? run.input : await this.applyAdapter(expression, run.input);
    const errors = inputErrors(target.compiled, input);
    if (errors.length > 0) {
      throw new StrataError(
        "input_schema_drift",
        `the run's input does not fit the target's input schema (${describeInputErrors(errors)})` +
          (adapter === "none"
            ? "; give an input adapter (a JSONata expression from the old input to the new), or register one for this pair of versions"
            : "; the adapter's result does not fit either"),
        { details: { errors, adapter } },
      );
    }
    return { input, adapter };
  }

  /** Registers (or replaces) the adapter from version `from`'s inputs to version `to`'s. */
  async registerAdapter(
    ctx: CallContext,
    ref: string,
    input: { from: number; to: number; expression: string },
  ): Promise<InputAdapter> {
    this.compileAdapter(input.expression);
    return runChange(this.deps, async (trx, now) => {
      const workflow = await lockWorkflow(trx, this.deps, ctx, ref);
      for (const number of [input.from, input.to]) {
        const version = await findVersionByNumber(trx, ctx.tenantId, workflow.id, number);
        if (version === undefined || version.published_at === null) {
          throw new StrataError("not_found", `workflow ${workflow.key} has no version ${number}`);
        }
      }
      const where = (qb: Queries) =>
        qb
          .deleteFrom("input_adapters")
          .where("tenant_id", "=", ctx.tenantId)
          .where("workflow_id", "=", workflow.id)
          .where("from_number", "=", input.from)
          .where("to_number", "=", input.to);
      await where(trx).execute();
      await trx
        .insertInto("input_adapters")
        .values({
          tenant_id: ctx.tenantId,
          workflow_id: workflow.id,
          from_number: input.from,
          to_number: input.to,
          expression: input.expression,
          created_at: now,
          created_by: ctx.actor,
        })
        .execute();
      await appendAuditEvent(trx, this.deps.store.dialect, {
        tenantId: ctx.tenantId,
        actor: ctx.actor,
        actorTokenId: ctx.actorTokenId ?? null,
        action: "adapter.registered",
        workflowId: workflow.id,
        subjectId: workflow.id,
        at: now,
        before: null,
        after: { from: input.from, to: input.to, expression: input.expression },
      });
      return {
        workflowId: workflow.id,
        from: input.from,
        to: input.to,
        expression: input.expression,
        createdAt: now,
        createdBy: ctx.actor,
      };
    });
  }

  /** The adapters registered for a workflow. */
  async listAdapters(ctx: CallContext, ref: string): Promise<InputAdapter[]> {
    const db = this.deps.store.db;
    const workflow = await requireWorkflow(db, ctx.tenantId, ref);
    const rows = await db
      .selectFrom("input_adapters")
      .selectAll()
      .where("tenant_id", "=", ctx.tenantId)
      .where("workflow_id", "=", workflow.id)
      .orderBy("from_number")
      .orderBy("to_number")
      .execute();
    return rows.map((row) => ({
      workflowId: row.workflow_id,
      from: Number(row.from_number),
      to: Number(row.to_number),
      expression: row.expression,
      createdAt: row.created_at,
      createdBy: row.created_by,
    }));
  }

  /** Runs an adapter over an input; a failure or an empty result is `adapter_failed`. */
  async applyAdapter(expression: string, input: unknown): Promise<unknown> {
    const compiled = this.compileAdapter(expression);
    let result: unknown;
    try {
      result = toJsonValue(await compiled.evaluate(input));
    } catch (thrown) {
      const reason = jsonataMessage(thrown);
      throw new StrataError("adapter_failed", `the input adapter failed: ${reason}`, {
        cause: thrown,
      });
    }
    if (result === undefined) {
      throw new StrataError("adapter_failed", "the input adapter gave nothing for this input");
    }
    return result;
  }

  /** Compiles an adapter once (`validation_failed` when it is not JSONata). */
  compileAdapter(expression: string): jsonata.Expression {
    let compiled = this.#adapters.get(expression);
    if (compiled === undefined) {
      try {
        compiled = jsonata(expression);
      } catch (thrown) {
        const reason = jsonataMessage(thrown);
        throw new StrataError(
          "validation_failed",
          `the input adapter is not a valid JSONata expression: ${reason}`,
        );
      }
      this.#adapters.set(expression, compiled);
    }
    return compiled;
  }
}

/** The registered adapter for a pair of versions, if any. */
export async function findAdapter(
  q: Queries,
  tenantId: string,
  workflowId: string,
  from: number,
  to: number,
): Promise<string | undefined> {
  const row = await q
    .selectFrom("input_adapters")
    .select("expression")
    .where("tenant_id", "=", tenantId)
    .where("workflow_id", "=", workflowId)
    .where("from_number", "=", from)
    .where("to_number", "=", to)
    .executeTakeFirst();
  return row?.expression;
}

/** The input adapters registered to version `to`, by the version each adapts from. */
export async function registeredAdaptersTo(
  q: Queries,
  tenantId: string,
  workflowId: string,
  to: number,
): Promise<Record<string, string>> {
  const rows = await q
    .selectFrom("input_adapters")
    .select(["from_number", "expression"])
    .where("tenant_id", "=", tenantId)
    .where("workflow_id", "=", workflowId)
    .where("to_number", "=", to)
    .execute();
  return Object.fromEntries(rows.map((r) => [String(r.from_number), r.expression]));
}

/** A run as replay reads it. */
export function recordedRun(run: Run): RecordedRun {
  return {
    id: run.id,
    kind: run.kind,
    input: run.input,
    status: run.status,
    output: run.output,
    trace: run.trace as RecordedRun["trace"],
    createdAt: run.createdAt,
  };
}
