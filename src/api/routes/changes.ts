/**
 * Seeing a change before and after it ships (DESIGN.md §5, §6, L7): `/{wf}/diff?from=&to=`,
 * `/{wf}/replay` (a past run through any version, side by side), `/{wf}/adapters` (input
 * adapters for a pair of versions) and `/{wf}/policy` (the compatibility mode publishes keep).
 * Diff and replay only read, so viewers may; a test run is replayed only by those who may see
 * it (editors and up).
 */
import type { FastifyInstance } from "fastify";
import { MAX_APPROVALS } from "../../core/policy.js";
import type { PolicyChange } from "../../core/policy.js";
import { Type } from "typebox";
import { StrataError } from "../../core/errors.js";
import { hasRole } from "../../core/roles.js";
import type { MigrationPlan } from "../../services/migration-service.js";
import type { ReplayRequest } from "../../services/replay-service.js";
import type { StrataServices } from "../../services/strata-services.js";
import type { DiffSide } from "../../services/version-service.js";
import { addRoute } from "../route.js";
import { PositiveInt, WorkflowParams, closed } from "./schemas.js";

/** `3`, `draft` or `live`, as a query value. */
const DiffSideText = Type.String({ pattern: "^(draft|live|[1-9][0-9]{0,9})$" });

function diffSide(text: string): DiffSide {
  return text === "draft" || text === "live" ? text : Number(text);
}

/** A selector as replay takes it: `live`, `latest`, `draft` or a number. */
const ReplayVersion = Type.Union([
  Type.Literal("live"),
  Type.Literal("latest"),
  Type.Literal("draft"),
  PositiveInt(),
]);

/** The same, as a query value (`?version=`). */
const ReplayVersionText = Type.String({ pattern: "^(live|latest|draft|[1-9][0-9]{0,9})$" });

/** Registers the diff, replay, adapter and policy routes. */
export function changeRoutes(app: FastifyInstance, services: StrataServices): void {
  const params = WorkflowParams;
  addRoute(app, services, {
    method: "GET",
    url: "/v1/workflows/:wf/diff",
    role: "viewer",
    tags: ["versions"],
    params,
    summary: "What changed between two versions (numbers, draft or live)",
    errors: ["not_found"],
    querystring: closed({ from: DiffSideText, to: DiffSideText }),
    handler: ({ identity, params: p, query }) => {
      const { from, to } = query as { from: string; to: string };
      return services.versions.diff(identity, p.wf ?? "", diffSide(from), diffSide(to));
    },
  });
  addRoute(app, services, {
    method: "POST",
    url: "/v1/workflows/:wf/replay",
    role: "viewer",
    tags: ["replay"],
    params,
    summary:
      "Replay a past run through a version (body `version`, or `?version=`), with no side effects",
    errors: [
      "not_found",
      "no_live_version",
      "input_schema_drift",
      "adapter_failed",
      "definition_invalid",
    ],
    querystring: closed({ version: Type.Optional(ReplayVersionText) }),
    body: closed({
      runId: Type.String({ minLength: 1, maxLength: 100 }),
      version: Type.Optional(ReplayVersion),
      adapter: Type.Optional(Type.String({ maxLength: 10_000 })),
      mocks: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
    handler: async ({ identity, params: p, body, query }) => {
      const request = body as ReplayRequest;
      // The body's version wins when both are given; the query's is checked either way.
      const fromQuery = (query as { version?: string }).version;
      const version =
        request.version ??
        (fromQuery === undefined
          ? undefined
          : /^[0-9]+$/.test(fromQuery)
            ? Number(fromQuery)
            : (fromQuery as "live" | "latest" | "draft"));
      const run = await services.runs.show(identity, request.runId);
      if (run.kind === "test" && !hasRole(identity.role, "editor")) {
        throw new StrataError("not_found", `no run ${request.runId}`);
      }
      return services.replays.replay(identity, p.wf ?? "", {
        ...request,
        ...(version === undefined ? {} : { version }),
      });
    },
  });
  addRoute(app, services, {
    method: "POST",
    url: "/v1/workflows/:wf/adapters",
    role: "editor",
    tags: ["replay"],
    params,
    status: 201,
    summary: "Register (or replace) the input adapter from version `from` to version `to`",
    errors: ["not_found"],
    body: closed({
      from: PositiveInt(),
      to: PositiveInt(),
      expression: Type.String({ minLength: 1, maxLength: 10_000 }),
    }),
    handler: ({ identity, params: p, body }) =>
      services.replays.registerAdapter(
        identity,
        p.wf ?? "",
        body as { from: number; to: number; expression: string },
      ),
  });
  addRoute(app, services, {
    method: "GET",
    url: "/v1/workflows/:wf/adapters",
    role: "viewer",
    tags: ["replay"],
    params,
    summary: "The input adapters registered for the workflow",
    errors: ["not_found"],
    handler: ({ identity, params: p }) => services.replays.listAdapters(identity, p.wf ?? ""),
  });
  addRoute(app, services, {
    method: "POST",
    url: "/v1/workflows/:wf/migrations",
    role: "publisher",
    tags: ["runs"],
    params,
    summary:
      "Move runs waiting on version `from` to version `to` by a map of wait nodes (`dryRun`: report only)",
    errors: ["not_found", "version_retired"],
    body: closed({
      from: PositiveInt(),
      to: PositiveInt(),
      map: Type.Record(Type.String({ maxLength: 200 }), Type.String({ maxLength: 200 })),
      dryRun: Type.Optional(Type.Boolean()),
    }),
    handler: ({ identity, params: p, body }) =>
      services.migrations.migrate(identity, p.wf ?? "", body as MigrationPlan),
  });
  addRoute(app, services, {
    method: "PUT",
    url: "/v1/workflows/:wf/policy",
    role: "admin",
    tags: ["workflows"],
    params,
    summary:
      "Set the workflow's policy: the input-schema compatibility mode publishes keep, and whether they need approvals first",
    errors: ["not_found"],
    body: closed({
      compatibility: Type.Optional(
        Type.Union(["backward", "forward", "full", "none"].map((mode) => Type.Literal(mode))),
      ),
      review: Type.Optional(
        closed({
          required: Type.Boolean({
            description: "publishing needs approvals of the published revision",
          }),
          approvals: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: MAX_APPROVALS,
              description: "how many approvals, from different people (default 1)",
            }),
          ),
        }),
      ),
    }),
    handler: ({ identity, params: p, body }) =>
      services.workflows.setPolicy(identity, p.wf ?? "", body as PolicyChange),
  });
}
