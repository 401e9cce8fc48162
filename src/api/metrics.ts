/**
 * `/metrics` in Prometheus' text format: HTTP requests by route and status with their latency,
 * and runs started, completed and failed by workflow and version (test runs left out, L13).
 * Counts are this process's since it started, as Prometheus expects; run metrics carry the
 * tenant, and a token only ever sees its own tenant's.
 */
import type { FastifyInstance } from "fastify";
import { Counter, Histogram, Registry } from "prom-client";
import type { StrataServices } from "../services/strata-services.js";
import { authorize } from "./auth.js";

/** Registers the metrics and the `/metrics` route on `app`. */
export function registerMetrics(app: FastifyInstance, services: StrataServices): void {
  const registry = new Registry();
  const requests = new Histogram({
    name: "strata_http_request_duration_seconds",
    help: "HTTP requests by method, route and status, with their duration",
    labelNames: ["method", "route", "status"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const runLabels = ["tenant", "workflow", "version"] as const;
  const started = new Counter({
    name: "strata_runs_started_total",
    help: "Production runs started",
    labelNames: runLabels,
    registers: [registry],
  });
  const completed = new Counter({
    name: "strata_runs_completed_total",
    help: "Production runs completed",
    labelNames: runLabels,
    registers: [registry],
  });
  const failed = new Counter({
    name: "strata_runs_failed_total",
    help: "Production runs failed",
    labelNames: runLabels,
    registers: [registry],
  });
  const unsubscribe = services.executor.onTransition((change) => {
    if (change.kind !== "production") return;
    const labels = {
      tenant: change.tenantId,
      workflow: change.workflowId,
      version: String(change.versionNumber ?? ""),
    };
    if (change.from === null) started.inc(labels);
    if (change.to === "completed") completed.inc(labels);
    if (change.to === "failed") failed.inc(labels);
  });
  app.addHook("onClose", () => unsubscribe());
  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? "unmatched";
    requests.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
  app.get("/metrics", { schema: { hide: true } }, async (request, reply) => {
    const identity = await authorize(services.tokens, request, "viewer");
    const text = await registry.metrics();
    void reply.type(registry.contentType);
    return ownTenantOnly(text, identity.tenantId);
  });
}

/** Drops the samples of other tenants (lines with a `tenant` label naming someone else). */
function ownTenantOnly(text: string, tenantId: string): string {
  const own = `tenant="${tenantId}"`;
  return text
    .split("\n")
    .filter((line) => !line.includes('tenant="') || line.includes(own))
    .join("\n");
}
