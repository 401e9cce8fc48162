/**
 * Routing of a workflow's live route (DESIGN.md §3): `/{wf}/rollout` (POST start, PATCH
 * percent, GET status), `/{wf}/rollout/promote|abort`, `/{wf}/rollouts` (history),
 * `/{wf}/route` (what new production runs get now) and `/{wf}/rollback`. Reads are for viewers;
 * every change of the live route is a publisher's.
 */
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import type { StartRolloutInput } from "../../services/rollout-service.js";
import type { StrataServices } from "../../services/strata-services.js";
import { addRoute } from "../route.js";
import { Percent, PositiveInt, RolloutPlanFields, WorkflowParams, closed } from "./schemas.js";

/** Registers the rollout, route and rollback routes. */
export function rolloutRoutes(app: FastifyInstance, services: StrataServices): void {
  const tags = ["routing"];
  const params = WorkflowParams;
  addRoute(app, services, {
    method: "POST",
    url: "/v1/workflows/:wf/rollout",
    role: "publisher",
    tags,
    params,
    status: 201,
    summary: "Start a rollout of version `to` from the live version (`replace` ends one running)",
    errors: ["not_found", "version_retired", "no_live_version", "rollout_in_progress"],
    body: closed({
      to: PositiveInt({ description: "the candidate version" }),
      ...RolloutPlanFields,
      replace: Type.Optional(
        Type.Boolean({ description: "end a rollout in progress (status replaced) first" }),
      ),
    }),
    handler: ({ identity, params: p, body }) =>
      services.rollouts.start(identity, p.wf ?? "", body as StartRolloutInput),
  });
  addRoute(app, services, {
    method: "PATCH",
    url: "/v1/workflows/:wf/rollout",
    role: "publisher",
    tags,
    params,
    summary: "Set the candidate's percentage by hand (an automatic ramp stops)",
    errors: ["not_found"],
    body: closed({ percent: Percent }),
    handler: ({ identity, params: p, body }) =>
      services.rollouts.set(identity, p.wf ?? "", body as { percent: number }),
  });
  addRoute(app, services, {
    method: "GET",
    url: "/v1/workflows/:wf/rollout",
    role: "viewer",
    tags,
    params,
    summary: "The rollout in progress (else the last one) with each arm's figures",
    errors: ["not_found"],
    handler: ({ identity, params: p }) => services.rollouts.status(identity, p.wf ?? ""),
  });
  addRoute(app, services, {
    method: "POST",
    url: "/v1/workflows/:wf/rollout/promote",
    role: "publisher",
    tags,
    params,
    summary: "Promote: the candidate becomes the single live version",
    errors: ["not_found"],
    handler: ({ identity, params: p }) => services.rollouts.promote(identity, p.wf ?? ""),
  });
  addRoute(app, services, {
    method: "POST",
    url: "/v1/workflows/:wf/rollout/abort",
    role: "publisher",
    tags,
    params,
    summary: "Abort: the stable version alone serves again",
    errors: ["not_found"],
    body: Type.Optional(closed({ reason: Type.Optional(Type.String({ maxLength: 500 })) })),
    handler: ({ identity, params: p, body }) =>
      services.rollouts.abort(identity, p.wf ?? "", body ?? {}),
  });
  addRoute(app, services, {
    method: "GET",
    url: "/v1/workflows/:wf/rollouts",
    role: "viewer",
    tags,
    params,
    summary: "The workflow's rollouts, newest first",
    errors: ["not_found"],
    querystring: closed({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
    handler: ({ identity, params: p, query }) =>
      services.rollouts.list(identity, p.wf ?? "", query),
  });
  addRoute(app, services, {
    method: "GET",
    url: "/v1/workflows/:wf/route",
    role: "viewer",
    tags,
    params,
    summary: "The live route: live version, LATEST, and the rollout in progress",
    errors: ["not_found"],
    handler: ({ identity, params: p }) => services.rollouts.route(identity, p.wf ?? ""),
  });
  addRoute(app, services, {
    method: "POST",
    url: "/v1/workflows/:wf/rollback",
    role: "publisher",
    tags,
    params,
    summary:
      "Make version `to` live again (restoring it if retired), at once or at `percent` as a rollout",
    // With a percentage it starts a rollout from the live version, which must exist.
    errors: ["not_found", "no_live_version"],
    body: closed({ to: PositiveInt(), percent: Type.Optional(Percent) }),
    handler: ({ identity, params: p, body }) =>
      services.rollouts.rollback(identity, p.wf ?? "", body as { to: number; percent?: number }),
  });
}
