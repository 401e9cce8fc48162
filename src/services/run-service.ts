/**
 * Runs: start (resolving the version selector, DESIGN.md §3), show, list, signal and cancel.
 * The executor does the running; this layer decides which version a new run uses and who may
 * see what (test runs stay out of lists unless asked, L13).
 */
import { bucketOf, inCandidate, randomBucket } from "../core/routing/bucket.js";
import { createHash } from "node:crypto";
import { canonicalJson } from "../core/definition/canonical.js";
import { StrataError } from "../core/errors.js";
import { assertAcceptsProductionRuns } from "../core/lifecycle.js";
import type { Run, RunKind, RunRoute, RunStatus } from "../core/model.js";
import type { Executor, StartVersion } from "../engine/executor.js";
import { toRun } from "../engine/run-record.js";
import { resolveRunTarget } from "../store/queries/resolve-run-target.js";
import type { RunTarget } from "../store/queries/resolve-run-target.js";
import { findRunByIdempotencyKey, listRunRows } from "../store/run-rows.js";
import { isUniqueViolation } from "../store/store.js";
import { ReadCoalescer } from "./coalesce-reads.js";
import type { CallContext, ServiceDeps } from "./deps.js";
import type { Page } from "./workflow-service.js";
import { workflowFilter, workflowNotFound } from "./workflow-service.js";

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
  readonly #targets = new ReadCoalescer<RunTarget | undefined>();

  constructor(
    private readonly deps: ServiceDeps,
    private readonly executor: Executor,
  ) {}

  /** Starts a run of workflow `ref` on the version its selector names. */
  async start(ctx: CallContext, ref: string, request: StartRunInput): Promise<Run> {
    return this.startVia(ctx, ref, request, null);
  }

  /**
   * Starts a run, through `binding` when one is given (the run records it). On the live route
   * during a rollout, the run's bucket picks the side: from the request's routing key, else
   * the key the stable version's `routingKey` expression computes, else at random.
   */
  async startVia(
    ctx: CallContext,
    ref: string,
    request: StartRunInput,
    binding: { id: string; name: string } | null,
  ): Promise<Run> {
    const selector = request.version ?? "live";
    const kind = selector === "draft" ? "test" : (request.kind ?? "production");
    if (selector === "draft" && request.kind === "production") {
      throw new StrataError(
        "validation_failed",
        "runs of the draft are always test runs (L13); leave kind out or use test",
      );
    }
    const target = await this.#targets.get(`${ctx.tenantId}\u0000${ref}\u0000${selector}`, () =>
      resolveRunTarget(this.deps.store.db, ctx.tenantId, ref, selector),
    );
    if (target === undefined) throw workflowNotFound(ref);
    const { workflow } = target;
    if (kind === "production") assertAcceptsProductionRuns(workflow.key, workflow.status);
    const requestHash =
      request.idempotencyKey === undefined ? null : hashRequest(selector, kind, request);
    if (request.idempotencyKey !== undefined && requestHash !== null) {
      const earlier = await findRunByIdempotencyKey(
        this.deps.store.db,
        ctx.tenantId,
        workflow.id,
        request.idempotencyKey,
      );
      if (earlier !== undefined)
        return sameRequestOrFail(earlier, requestHash, request.idempotencyKey);
    }
    let version = checkTarget(workflow.key, selector, target.version);
    let routingKey = request.routingKey ?? null;
    const route: RunRoute = { selector: String(selector) };
    if (binding !== null) route.binding = binding.name;
    const rollout = target.rollout;
    if (rollout !== null && selector === "live") {
      routingKey ??= await this.executor.routingKeyFor(ctx.tenantId, version, request.input);
      const bucket = routingKey === null ? randomBucket() : bucketOf(rollout.id, routingKey);
      const arm = inCandidate(bucket, rollout.share) ? "candidate" : "stable";
      if (arm === "candidate") version = { ...rollout.candidate, definition: null };
      Object.assign(route, { rolloutId: rollout.id, bucket, arm });
    }
    const started = this.executor.start({
      tenantId: ctx.tenantId,
      actor: ctx.actor,
      workflowId: workflow.id,
      version,
      kind,
      input: request.input,
      route,
      bindingId: binding?.id ?? null,
      routingKey,
      idempotencyKey: request.idempotencyKey ?? null,
      requestHash,
    });
    const key = request.idempotencyKey;
    if (key === undefined || requestHash === null) return started;
    // Two starts with one key at once both miss the lookup above; the database lets only one
    // in, and the other answers with that run (or idempotency_key_reused).
    return started.catch(async (error: unknown) => {
      if (!isUniqueViolation(error)) throw error;
      const earlier = await findRunByIdempotencyKey(
        this.deps.store.db,
        ctx.tenantId,
        workflow.id,
        key,
      );
      if (earlier === undefined) throw error;
      return sameRequestOrFail(earlier, requestHash, key);
    });
  }

  /** One run. */
  async show(ctx: CallContext, runId: string): Promise<Run> {
    return this.executor.get(ctx.tenantId, runId);
  }

  /** Runs, newest first; test runs only when asked for (L13). */
  async list(ctx: CallContext, options: ListRunsOptions = {}): Promise<Page<Run>> {
    const db = this.deps.store.db;
    if (options.version !== undefined && options.workflow === undefined) {
      throw new StrataError(
        "validation_failed",
        "a version number names a version of one workflow; give the workflow too",
      );
    }
    const workflowId = await workflowFilter(db, ctx.tenantId, options.workflow);
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
    const items = rows.slice(0, limit).map((row) => toRun(row));
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
}

/** The version a selector resolved to, or the error that says why there is none. */
function checkTarget(
  key: string,
  selector: VersionSelector,
  version: RunTarget["version"],
): StartVersion {
  if (version === null) {
    if (selector === "draft")
      throw new StrataError("not_found", `workflow ${key} has no draft to run; open one first`);
    if (selector === "live")
      throw new StrataError(
        "no_live_version",
        `workflow ${key} has no live version; publish one, or name a version`,
      );
    if (selector === "latest")
      throw new StrataError(
        "no_live_version",
        `workflow ${key} has no published, unretired version for LATEST`,
      );
    throw new StrataError("not_found", `workflow ${key} has no version ${selector}`);
  }
  if (version.retiredAt !== null && typeof selector === "number") {
    throw new StrataError(
      "version_retired",
      `version ${selector} of ${key} is retired; restore it or run another version`,
    );
  }
  return {
    id: version.id,
    number: version.number,
    hash: version.hash,
    definition: version.definition,
  };
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
