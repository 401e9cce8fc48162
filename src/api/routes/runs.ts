/**
 * Runs: `/{wf}/runs` (start), `/v1/runs`, `/v1/runs/{id}` (+ `/signals/{name}`, `/cancel`).
 * Test runs are for editors and admins only (L13): below `editor` they cannot be started,
 * listed, or even seen (`not_found`).
 */
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { StrataError } from "../../core/errors.js";
import type { Run } from "../../core/model.js";
import { hasRole } from "../../core/roles.js";
import type { ListRunsOptions, StartRunInput } from "../../services/run-service.js";
import type { StrataServices } from "../../services/strata-services.js";
import type { RequestIdentity } from "../auth.js";
import { idempotencyKey } from "../headers.js";
import { addRoute } from "../route.js";
import { PositiveInt, WorkflowParams, closed } from "./schemas.js";

const RunParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

function assertCanSeeTests(identity: RequestIdentity): void {
  if (!hasRole(identity.role, "editor"))
    throw new StrataError("forbidden", "test runs are for editors and admins");
}

/** Test runs do not exist for roles below editor. */
function visible(identity: RequestIdentity, run: Run): Run {
  if (run.kind === "test" && !hasRole(identity.role, "editor"))
    throw new StrataError("not_found", `no run ${run.id}`);
  return run;
}

/** Registers the run routes. */
export function runRoutes(app: FastifyInstance, services: StrataServices): void {
  const tags = ["runs"];
  addRoute(app, services, {
    method: "POST",
    url: "/v1/workflows/:wf/runs",
    role: "operator",
    tags,
    params: WorkflowParams,
    status: 201,
    summary: "Start a run (header Idempotency-Key: same key and body → the same run)",
    errors: [
      "not_found",
      "input_invalid",
      "workflow_deactivated",
      "no_live_version",
      "version_retired",
      "idempotency_key_reused",
    ],
    body: closed({
      input: Type.Unknown(),
      version: Type.Optional(
        Type.Union([
          Type.Literal("live"),
          Type.Literal("latest"),
          Type.Literal("draft"),
          PositiveInt(),
        ]),
      ),
      routingKey: Type.Optional(Type.String({ maxLength: 200 })),
      kind: Type.Optional(Type.Union([Type.Literal("production"), Type.Literal("test")])),
    }),
    handler: ({ identity, params, body, request }) => {
      const start = body as StartRunInput;
      if (start.kind === "test" || start.version === "draft") assertCanSeeTests(identity);
      const key = idempotencyKey(request);
      return services.runs.start(identity, params.wf ?? "", {
        ...start,
        ...(key === undefined ? {} : { idempotencyKey: key }),
      });
    },
  });
  addRoute(app, services, {
    method: "GET",
    url: "/v1/runs",
    role: "viewer",
    tags,
    errors: [],
    summary: "List runs, newest first (test runs only when asked)",
    querystring: closed({
      workflow: Type.Optional(Type.String({ maxLength: 100 })),
      version: Type.Optional(PositiveInt()),
      kind: Type.Optional(
        Type.Union([Type.Literal("production"), Type.Literal("test"), Type.Literal("all")]),
      ),
      status: Type.Optional(
        Type.Union(
          ["running", "waiting", "completed", "failed", "cancelled"].map((s) => Type.Literal(s)),
        ),
      ),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
      cursor: Type.Optional(Type.String({ maxLength: 500 })),
    }),
    handler: ({ identity, query }) => {
      const options = query as ListRunsOptions;
      if (options.kind === "test" || options.kind === "all") assertCanSeeTests(identity);
      return services.runs.list(identity, options);
    },
  });
  addRoute(app, services, {
    method: "GET",
    url: "/v1/runs/:id",
    role: "viewer",
    tags,
    params: RunParams,
    errors: ["not_found"],
    summary: "Show a run with its trace",
    handler: async ({ identity, params }) =>
      visible(identity, await services.runs.show(identity, params.id ?? "")),
  });
  addRoute(app, services, {
    method: "POST",
    url: "/v1/runs/:id/signals/:name",
    role: "operator",
    tags,
    errors: ["not_found", "run_not_waiting"],
    params: Type.Object({
      id: Type.String({ minLength: 1, maxLength: 100 }),
      name: Type.String({ minLength: 1, maxLength: 200 }),
    }),
    body: Type.Optional(Type.Unknown({ description: "the signal's payload, bound as $signal" })),
    summary: "Send a signal to a waiting run",
    rawBody: true,
    handler: async ({ identity, params, body }) => {
      visible(identity, await services.runs.show(identity, params.id ?? ""));
      return services.runs.signal(identity, params.id ?? "", params.name ?? "", body ?? null);
    },
  });
  addRoute(app, services, {
    method: "POST",
    url: "/v1/runs/:id/cancel",
    role: "operator",
    tags,
    params: RunParams,
    errors: ["not_found", "run_finished"],
    summary: "Cancel a running or waiting run",
    handler: async ({ identity, params }) => {
      visible(identity, await services.runs.show(identity, params.id ?? ""));
      return services.runs.cancel(identity, params.id ?? "");
    },
  });
}
