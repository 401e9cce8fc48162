/** `/v1/workflows`, `/{wf}`, `/{wf}/activate|deactivate`. */
import { Type } from "typebox";
import type { FastifyInstance } from "fastify";
import type { StrataServices } from "../../services/strata-services.js";
import { addRoute } from "../route.js";
import { Definition, PageQuery, WorkflowParams, closed } from "./schemas.js";

/** Registers the workflow routes. */
export function workflowRoutes(app: FastifyInstance, services: StrataServices): void {
  const tags = ["workflows"];
  addRoute(app, services, {
    method: "GET",
    url: "/v1/workflows",
    role: "viewer",
    tags,
    summary: "List workflows",
    errors: [],
    querystring: PageQuery,
    handler: ({ identity, query }) => services.workflows.list(identity, query),
  });
  addRoute(app, services, {
    method: "POST",
    url: "/v1/workflows",
    role: "editor",
    tags,
    status: 201,
    summary: "Create a workflow and its first draft",
    errors: ["workflow_exists", "payload_too_large"],
    body: closed({
      key: Type.String({ minLength: 1, maxLength: 64 }),
      name: Type.Optional(Type.String({ maxLength: 200 })),
      definition: Type.Optional(Definition),
    }),
    handler: ({ identity, body }) => services.workflows.create(identity, body as { key: string }),
  });
  addRoute(app, services, {
    method: "GET",
    url: "/v1/workflows/:wf",
    role: "viewer",
    tags,
    summary: "Show a workflow",
    errors: ["not_found"],
    params: WorkflowParams,
    handler: ({ identity, params }) => services.workflows.show(identity, params.wf ?? ""),
  });
  addRoute(app, services, {
    method: "POST",
    url: "/v1/workflows/:wf/activate",
    role: "publisher",
    tags,
    summary: "Activate: production runs resume",
    errors: ["not_found", "no_live_version"],
    params: WorkflowParams,
    handler: ({ identity, params }) => services.workflows.activate(identity, params.wf ?? ""),
  });
  addRoute(app, services, {
    method: "POST",
    url: "/v1/workflows/:wf/deactivate",
    role: "publisher",
    tags,
    summary: "Deactivate: no new production runs",
    errors: ["not_found"],
    params: WorkflowParams,
    handler: ({ identity, params }) => services.workflows.deactivate(identity, params.wf ?? ""),
  });
}
