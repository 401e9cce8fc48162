/**
 * `/metrics` in Prometheus' text format: HTTP requests by route and status with their latency,
 * and runs started, completed and failed by workflow and version (test runs left out, L13).
 * Counts are this process's since it started, as Prometheus expects; run metrics carry the
 * tenant, and a token only ever sees its own tenant's.
 */
import type { FastifyInstance } from "fastify";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
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
  registerWorkGauges(registry, services);
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

/**
 * Gauges of work in progress, read at each scrape: runs in flight by tenant and status, due
 * runs nobody holds and how long the oldest has waited (the claim lag: near zero while
 * workers keep up), and this process's tasks and slots. While the database is away the
 * database gauges are left out of the scrape rather than failing it.
 */
function registerWorkGauges(registry: Registry, services: StrataServices): void {
  const open = new Gauge({
    name: "strata_runs_open",
    help: "Runs in flight (running: a task pending or under way; waiting: a signal or a timer)",
    labelNames: ["tenant", "status"],
    registers: [registry],
    collect: () => read(),
  });
  const due = new Gauge({
    name: "strata_runs_due",
    help: "Runs whose task or timer is due now and that no worker holds",
    registers: [registry],
    collect: () => read(),
  });
  const lag = new Gauge({
    name: "strata_claim_lag_seconds",
    help: "How long the oldest due, unclaimed run has been due",
    registers: [registry],
    collect: () => read(),
  });
  new Gauge({
    name: "strata_tasks_in_flight",
    help: "Task attempts running in this process",
    registers: [registry],
    collect() {
      this.set(services.operations.tasksInFlight);
    },
  });
  new Gauge({
    name: "strata_worker_slots",
    help: "This process's worker slots (0 without a worker loop), by state",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      const worker = services.worker;
      this.set({ state: "used" }, worker?.inFlight ?? 0);
      this.set({ state: "total" }, worker?.concurrency ?? 0);
    },
  });
  // One database read per scrape for the three database gauges, set by whichever collects
  // first (prom-client collects each metric in turn).
  let reading: Promise<void> | null = null;
  function read(): Promise<void> {
    return (reading ??= services.operations
      .pendingWork()
      .then((work) => {
        open.reset();
        for (const row of work.open)
          open.set({ tenant: row.tenantId, status: row.status }, row.runs);
        due.set(work.due);
        lag.set(work.oldestDueMs / 1000);
      })
      .catch(() => {
        open.reset();
        due.reset();
        lag.reset();
      })
      .finally(() => setImmediate(() => (reading = null))));
  }
}

/** Drops the samples of other tenants (lines with a `tenant` label naming someone else). */
function ownTenantOnly(text: string, tenantId: string): string {
  const own = `tenant="${tenantId}"`;
  return text
    .split("\n")
    .filter((line) => !line.includes('tenant="') || line.includes(own))
    .join("\n");
}
