/**
 * Backtests (DESIGN.md §5): `POST /{wf}/backtests` stores a job (a worker picks it up),
 * `GET /v1/backtests` lists them, `GET /v1/backtests/{id}` shows one with its progress and,
 * once done, its report, `POST /v1/backtests/{id}/cancel` stops it. They read runs and write
 * nothing but their report, so editors may start them and viewers read them.
 */
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import type { StrataServices } from "../../services/strata-services.js";
import { addRoute } from "../route.js";
import { PositiveInt, WorkflowParams, closed } from "./schemas.js";

const BacktestParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

/** Registers the backtest routes. */
export function backtestRoutes(app: FastifyInstance, services: StrataServices): void {
  const tags = ["replay"];
  addRoute(app, services, {
    method: "POST",
    url: "/v1/workflows/:wf/backtests",
    role: "editor",
    tags,
    params: WorkflowParams,
    status: 201,
    summary: "Store a backtest: replay past production runs against a version or the draft",
    errors: ["not_found", "no_live_version"],
    body: Type.Optional(
      closed({
        target: Type.Optional(Type.Union([Type.Literal("draft"), PositiveInt()])),
        version: Type.Optional(PositiveInt({ description: "only runs of this version" })),
        since: Type.Optional(
          Type.String({ maxLength: 40, description: "an ISO time, or an age such as 30d" }),
        ),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
        adapter: Type.Optional(Type.String({ maxLength: 10_000 })),
        mocks: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      }),
    ),
    handler: ({ identity, params, body }) =>
      services.backtests.create(identity, params.wf ?? "", body ?? {}),
  });
  addRoute(app, services, {
    method: "GET",
    url: "/v1/backtests",
    role: "viewer",
    tags,
    errors: ["not_found"],
    summary: "Backtests, newest first",
    querystring: closed({
      workflow: Type.Optional(Type.String({ maxLength: 100 })),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
      cursor: Type.Optional(Type.String({ maxLength: 100 })),
    }),
    handler: ({ identity, query }) => services.backtests.list(identity, query),
  });
  addRoute(app, services, {
    method: "GET",
    url: "/v1/backtests/:id",
    role: "viewer",
    tags,
    params: BacktestParams,
    errors: ["not_found"],
    summary: "A backtest with its progress and, once done, its report",
    handler: ({ identity, params }) => services.backtests.show(identity, params.id ?? ""),
  });
  addRoute(app, services, {
    method: "POST",
    url: "/v1/backtests/:id/cancel",
    role: "editor",
    tags,
    params: BacktestParams,
    errors: ["not_found"],
    summary: "Cancel a backtest: a queued one at once, a running one within a batch",
    handler: ({ identity, params }) => services.backtests.cancel(identity, params.id ?? ""),
  });
}
