/**
 * Runs: start (resolving the version selector, DESIGN.md §3), show, list, signal and cancel.
 * The executor does the running; this layer decides which version a new run uses and who may
 * see what (test runs stay out of lists unless asked, L13).
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "../core/definition/canonical.js";
import { StrataError } from "../core/errors.js";
import { assertAcceptsProductionRuns } from "../core/lifecycle.js";
import type { Run, RunKind, RunStatus } from "../core/model.js";
import type { Executor, StartVersion } from "../engine/executor.js";
import { toRun } from "../engine/run-record.js";
import { resolveLatestVersion } from "../store/queries/resolve-latest-version.js";
import { findRunByIdempotencyKey, listRunRows } from "../store/run-rows.js";
import { findDraft, findVersionById, findVersionByNumber } from "../store/version-rows.js";
import type { VersionRow } from "../store/version-rows.js";
import { findLiveVersionId, findWorkflow } from "../store/workflow-rows.js";
import type { WorkflowRow } from "../store/workflow-rows.js";
import type { CallContext, ServiceDeps } from "./deps.js";
import type { Page } from "./workflow-service.js";
import { workflowNotFound } from "./workflow-service.js";

/** Which version a new run uses: the live route, LATEST, a number, or the draft. */
export type VersionSelector = "live" | "latest" | "draft" | number;

/** What starting a run takes. */
export interface StartRunInput {
  input: unknown;
  /** Default `live`. */
  version?: VersionSelector;
  /** `test` keeps the run out of production figures; runs of the draft are always tests. */
  kind?: RunKind;
  /** Keeps one customer on one version during a rollout. */
  routingKey?: string;
  /** The same key with the same request returns the same run instead of starting another. */
  idempotencyKey?: string;
}

/** Filters for listing runs. */
export interface ListRunsOptions {
  workflow?: string;
  version?: number;
  /** `production` (the default), `test`, or `all`. */
  kind?: RunKind | "all";
  status?: RunStatus;
  limit?: number;
  cursor?: string;
}

/** Run operations. */
export class RunService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly executor: Executor,
  ) {}

  /** Starts a run of workflow `ref` on the version its selector names. */
  async start(ctx: CallContext, ref: string, request: StartRunInput): Promise<Run> {
    const db = this.deps.store.db;
    const workflow = await findWorkflow(db, ctx.tenantId, ref);
    if (workflow === undefined) throw workflowNotFound(ref);
    const selector = request.version ?? "live";
    const kind = selector === "draft" ? "test" : (request.kind ?? "production");
    if (selector === "draft" && request.kind === "production") {
      throw new StrataError(
        "validation_failed",
        "runs of the draft are always test runs (L13); leave kind out or use test",
      );
    }
    if (kind === "production") assertAcceptsProductionRuns(workflow.key, workflow.status);
    const requestHash = hashRequest(selector, kind, request);
    if (request.idempotencyKey !== undefined) {
      const earlier = await findRunByIdempotencyKey(
        db,
        ctx.tenantId,
        workflow.id,
        request.idempotencyKey,
      );
      if (earlier !== undefined)
        return sameRequestOrFail(earlier, requestHash, request.idempotencyKey);
    }
    const version = await this.resolve(ctx, workflow, selector);
    return this.executor.start({
      tenantId: ctx.tenantId,
      actor: ctx.actor,
      workflowId: workflow.id,
      version,
      kind,
      input: request.input,
      route: { selector: String(selector) },
      routingKey: request.routingKey ?? null,
      idempotencyKey: request.idempotencyKey ?? null,
      requestHash,
    });
  }

  /** One run. */
  async show(ctx: CallContext, runId: string): Promise<Run> {
    return this.executor.get(ctx.tenantId, runId);
  }

  /** Runs, newest first; test runs only when asked for (L13). */
  async list(ctx: CallContext, options: ListRunsOptions = {}): Promise<Page<Run>> {
    const db = this.deps.store.db;
    let workflowId: string | undefined;
    if (options.workflow !== undefined) {
      const workflow = await findWorkflow(db, ctx.tenantId, options.workflow);
      if (workflow === undefined) throw workflowNotFound(options.workflow);
      workflowId = workflow.id;
    }
    const limit = options.limit ?? 50;
    const kind = options.kind ?? "production";
    const rows = await listRunRows(db, ctx.tenantId, {
      limit: limit + 1,
      ...(workflowId === undefined ? {} : { workflowId }),
      ...(options.version === undefined ? {} : { versionNumber: options.version }),
      ...(kind === "all" ? {} : { kinds: [kind] }),
      ...(options.status === undefined ? {} : { status: options.status }),
      ...(options.cursor === undefined ? {} : { before: decodeCursor(options.cursor) }),
    });
    const items = rows.slice(0, limit).map(toRun);
    const last = items.at(-1);
    return {
      items,
      nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last) : null,
    };
  }

  /** Sends signal `name` to a waiting run. */
  async signal(ctx: CallContext, runId: string, name: string, payload?: unknown): Promise<Run> {
    return this.executor.signal(ctx.tenantId, runId, name, payload ?? null);
  }

  /** Cancels a running or waiting run. */
  async cancel(ctx: CallContext, runId: string): Promise<Run> {
    return this.executor.cancel(ctx.tenantId, runId, ctx.actor);
  }

  /** Resolves a selector at request time, never from a cache (DESIGN.md §3). */
  private async resolve(
    ctx: CallContext,
    workflow: WorkflowRow,
    selector: VersionSelector,
  ): Promise<StartVersion> {
    const db = this.deps.store.db;
    let row: VersionRow | undefined;
    if (selector === "draft") {
      row = await findDraft(db, ctx.tenantId, workflow.id);
      if (row === undefined)
        throw new StrataError(
          "not_found",
          `workflow ${workflow.key} has no draft to run; open one first`,
        );
    } else if (selector === "latest") {
      row = await resolveLatestVersion(db, ctx.tenantId, workflow.id);
      if (row === undefined)
        throw new StrataError(
          "no_live_version",
          `workflow ${workflow.key} has no published, unretired version for LATEST`,
        );
    } else if (selector === "live") {
      const liveId = await findLiveVersionId(db, ctx.tenantId, workflow.id);
      row = liveId === null ? undefined : await findVersionById(db, ctx.tenantId, liveId);
      if (row === undefined)
        throw new StrataError(
          "no_live_version",
          `workflow ${workflow.key} has no live version; publish one, or name a version`,
        );
    } else {
      row = await findVersionByNumber(db, ctx.tenantId, workflow.id, selector);
      if (row === undefined)
        throw new StrataError("not_found", `workflow ${workflow.key} has no version ${selector}`);
      if (row.retired_at !== null) {
        throw new StrataError(
          "version_retired",
          `version ${selector} of ${workflow.key} is retired; restore it or run another version`,
        );
      }
    }
    return { id: row.id, number: row.number, hash: row.hash, definition: row.definition };
  }
}

/** Identifies a start request, so a reused idempotency key can be told apart from a retry. */
function hashRequest(selector: VersionSelector, kind: RunKind, request: StartRunInput): string {
  const body = canonicalJson({
    selector,
    kind,
    input: request.input ?? null,
    routingKey: request.routingKey ?? null,
  });
  return `sha256:${createHash("sha256").update(body).digest("hex")}`;
}

function sameRequestOrFail(
  earlier: Parameters<typeof toRun>[0],
  requestHash: string,
  key: string,
): Run {
  if (earlier.request_hash === requestHash) return toRun(earlier);
  throw new StrataError(
    "idempotency_key_reused",
    `idempotency key ${key} was used for a different request (run ${earlier.id}); use a new key for a new run`,
    { details: { runId: earlier.id } },
  );
}

function encodeCursor(run: Run): string {
  return Buffer.from(`${run.createdAt}|${run.id}`).toString("base64url");
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const [createdAt, id] = Buffer.from(cursor, "base64url").toString().split("|");
  if (createdAt === undefined || id === undefined || id === "") {
    throw new StrataError(
      "validation_failed",
      "invalid cursor; pass back the nextCursor of a previous page",
    );
  }
  return { createdAt, id };
}
