/**
 * `POST /v1/runs/prune` (DESIGN.md §10): removes the tenant's finished runs that ended before a
 * cutoff, or with `dryRun` counts them. Deleting is the admin's (DESIGN.md §8). Versions' run
 * counts stay as they were; see services/retention-service.ts for what is kept.
 */
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import type { Static } from "typebox";
import type { StrataServices } from "../../services/strata-services.js";
import { MAX_PRUNE_BATCH } from "../../services/retention-service.js";
import { addRoute } from "../route.js";
import { PositiveInt, closed } from "./schemas.js";

/** The body of a prune. */
const PruneBody = closed({
  finishedBefore: Type.String({
    minLength: 1,
    maxLength: 40,
    description:
      "runs that ended before this go: an ISO date (2026-01-01), an ISO time with its zone, or an age such as 90d, 12h or 30m",
  }),
  workflow: Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, description: "only this workflow's runs" }),
  ),
  dryRun: Type.Optional(Type.Boolean({ description: "count what would go, change nothing" })),
  limit: Type.Optional(PositiveInt({ description: "at most this many runs" })),
  batchSize: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_PRUNE_BATCH,
      description: "runs per transaction (default 1000)",
    }),
  ),
});

/** Registers the prune route. */
export function retentionRoutes(app: FastifyInstance, services: StrataServices): void {
  addRoute(app, services, {
    method: "POST",
    url: "/v1/runs/prune",
    role: "admin",
    tags: ["runs"],
    errors: ["not_found"],
    summary:
      "Prune finished runs that ended before a cutoff (runs in flight, and runs the audit log or a backtest names, are kept)",
    body: PruneBody,
    handler: ({ identity, body }) =>
      services.retention.prune(identity, body as Static<typeof PruneBody>),
  });
}
