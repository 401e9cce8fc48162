/**
 * `/livez`, `/readyz` and `/v1/workers` (DESIGN.md §10). The two probes need no token, so a
 * load balancer or an orchestrator can ask them; they say nothing about any tenant's data.
 */
import type { FastifyInstance } from "fastify";
import type { StrataServices } from "../../services/strata-services.js";
import { addRoute } from "../route.js";

/** The probes' paths, which the rate limit leaves alone. */
export const PROBE_PATHS: ReadonlySet<string> = new Set(["/healthz", "/livez", "/readyz"]);

/** Registers the probes and the worker list. */
export function operationsRoutes(app: FastifyInstance, services: StrataServices): void {
  // Up: the process answers. Nothing else is asked, so a database outage never gets a
  // healthy process restarted.
  app.get("/livez", { schema: { hide: true } }, () => ({ status: "ok" }));
  // Ready: the database answers, its schema is current, and the worker loop (where this
  // process runs one) comes round. 503 otherwise, with each check.
  app.get("/readyz", { schema: { hide: true } }, async (_request, reply) => {
    const readiness = await services.operations.readiness();
    void reply.code(readiness.ready ? 200 : 503);
    return { status: readiness.ready ? "ready" : "not_ready", checks: readiness.checks };
  });
  // The fleet is shared by every tenant; what it shows (hosts, handler names, slots) is no
  // tenant's data, and operators are who watch it.
  addRoute(app, services, {
    method: "GET",
    url: "/v1/workers",
    role: "operator",
    tags: ["operations"],
    errors: [],
    summary: "Processes running a worker loop: handlers, slots in use, last heartbeat",
    handler: () => services.operations.listWorkers(),
  });
}
