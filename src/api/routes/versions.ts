/**
 * `/{wf}/versions`, `/{wf}/versions/{n}` (GET, DELETE), `/{wf}/versions/{n}/retire|restore`,
 * and `/{wf}/versions/{n}/impact` (what retiring or deleting it would do).
 */
import type { FastifyInstance } from "fastify";
import type { StrataServices } from "../../services/strata-services.js";
import { addRoute } from "../route.js";
import { VersionParams, WorkflowParams } from "./schemas.js";

/** Registers the version routes. */
export function versionRoutes(app: FastifyInstance, services: StrataServices): void {
  const tags = ["versions"];
  const number = (params: Record<string, string>): number => Number(params.n);
  addRoute(app, services, {
    method: "GET",
    url: "/v1/workflows/:wf/versions",
    role: "viewer",
    tags,
    params: WorkflowParams,
    errors: ["not_found"],
    summary: "Every version, the draft first, with state, live flag and run counts",
    handler: ({ identity, params }) => services.versions.list(identity, params.wf ?? ""),
  });
  addRoute(app, services, {
    method: "GET",
    url: "/v1/workflows/:wf/versions/:n",
    role: "viewer",
    tags,
    params: VersionParams,
    errors: ["not_found"],
    summary: "Show a version",
    handler: ({ identity, params }) =>
      services.versions.show(identity, params.wf ?? "", number(params)),
  });
  addRoute(app, services, {
    method: "DELETE",
    url: "/v1/workflows/:wf/versions/:n",
    role: "admin",
    tags,
    params: VersionParams,
    status: 204,
    errors: ["not_found", "version_not_retired", "version_has_runs"],
    summary: "Delete a retired version that never ran",
    handler: ({ identity, params }) =>
      services.versions.delete(identity, params.wf ?? "", number(params)),
  });
  addRoute(app, services, {
    method: "POST",
    url: "/v1/workflows/:wf/versions/:n/retire",
    role: "publisher",
    tags,
    params: VersionParams,
    errors: ["not_found", "version_live", "version_retired"],
    summary: "Retire a version: no new runs choose it",
    handler: ({ identity, params }) =>
      services.versions.retire(identity, params.wf ?? "", number(params)),
  });
  addRoute(app, services, {
    method: "POST",
    url: "/v1/workflows/:wf/versions/:n/restore",
    role: "publisher",
    tags,
    params: VersionParams,
    errors: ["not_found", "version_not_retired"],
    summary: "Restore a retired version",
    handler: ({ identity, params }) =>
      services.versions.restore(identity, params.wf ?? "", number(params)),
  });
  addRoute(app, services, {
    method: "GET",
    url: "/v1/workflows/:wf/versions/:n/impact",
    role: "viewer",
    tags,
    params: VersionParams,
    errors: ["not_found"],
    summary:
      "What retiring or deleting a version would do: allowed or why not, bindings, runs in flight",
    handler: ({ identity, params }) =>
      services.versions.impact(identity, params.wf ?? "", number(params)),
  });
}
