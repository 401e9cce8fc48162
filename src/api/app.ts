/**
 * The HTTP API (DESIGN.md §7, §8): `createApp(deps)` builds a Fastify app over the services,
 * for `strata serve` and for tests that drive it in-process with `inject`. Later capabilities
 * (routing, replay, the console) add their route files to {@link ROUTES}.
 */
import cors from "@fastify/cors";
import helmet from "helmet";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Ajv } from "ajv";
import Fastify from "fastify";
import type { FastifyInstance, FastifyReply, FastifyServerOptions } from "fastify";
import type { StrataServices } from "../services/strata-services.js";
import { StrataError } from "../core/errors.js";
import { STORE_RETRY_AFTER_SECONDS } from "../store/store-faults.js";
import { registerMetrics } from "./metrics.js";
import { registerYamlBodies } from "./yaml-body.js";
import { PROBLEM_TYPE, toProblem } from "./problem.js";
import { adminRoutes } from "./routes/admin.js";
import { backtestRoutes } from "./routes/backtests.js";
import { bindingRoutes } from "./routes/bindings.js";
import { changeRoutes } from "./routes/changes.js";
import { draftRoutes } from "./routes/drafts.js";
import { rolloutRoutes } from "./routes/rollouts.js";
import { runRoutes } from "./routes/runs.js";
import { retentionRoutes } from "./routes/retention.js";
import { operationsRoutes, PROBE_PATHS } from "./routes/operations.js";
import { versionRoutes } from "./routes/versions.js";
import { defaultConsoleDir, registerConsole } from "./console.js";
import { workflowRoutes } from "./routes/workflows.js";

/** Every route file. */
const ROUTES = [
  workflowRoutes,
  draftRoutes,
  versionRoutes,
  rolloutRoutes,
  runRoutes,
  bindingRoutes,
  adminRoutes,
  changeRoutes,
  backtestRoutes,
  operationsRoutes,
  retentionRoutes,
];

/** What the app needs. */
export interface AppDeps {
  services: StrataServices;
  /** The largest request body, in bytes (default 1 MiB). */
  bodyLimit?: number;
  /**
   * Requests per second per token (per address without one); 0 turns the limit off. Default
   * {@link DEFAULT_RATE_LIMIT}, or `$STRATA_RATE_LIMIT` through `strata serve`.
   */
  rateLimit?: number;
  /**
   * Origins whose browser pages may call the API (CORS). None by default: browsers then keep
   * other sites' pages from reading answers, which is what an API with bearer tokens wants.
   */
  corsOrigins?: readonly string[];
  /** Fastify's logger option (pino); off by default in tests. */
  logger?: FastifyServerOptions["logger"];
  /**
   * The built web console to serve at /console/: by default dist/console when it was built
   * (`npm run build`, run by `npm install`); null serves none.
   */
  consoleDir?: string | null;
}

/** Requests per second one token may make unless configured otherwise. */
export const DEFAULT_RATE_LIMIT = 100;

/** The package version, shown in the OpenAPI document. */
const VERSION = "0.1.0";

/**
 * Bodies are validated strictly (a wrong type or an unknown field is a 400, never coerced or
 * dropped); query strings and path parameters arrive as text, so numbers are coerced there.
 */
function validatorCompiler() {
  const strict = new Ajv({
    allErrors: true,
    strict: false,
    coerceTypes: false,
    removeAdditional: false,
  });
  const coercing = new Ajv({
    allErrors: true,
    strict: false,
    coerceTypes: true,
    removeAdditional: false,
  });
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) =>
    (httpPart === "body" ? strict : coercing).compile(schema);
}

/**
 * The headers helmet sets with its default options. None of them depends on the request (the
 * default Content-Security-Policy has no nonce), so they are read off helmet's middleware once:
 * running the middleware on every request cost a sixth of a run start's time over HTTP.
 */
function securityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: Error | undefined;
  helmet()({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error !== undefined) failure = error instanceof Error ? error : new Error("helmet failed");
  });
  if (failure !== undefined) throw failure;
  return headers;
}

/** Builds the app; call `ready()` (or `listen`) before use. */
export async function createApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: deps.bodyLimit ?? 1024 * 1024,
    // Errors Fastify finds before routing (a malformed URL, an over-long path segment) get the
    // same problem+json as every other error.
    frameworkErrors: (error, _request, reply: FastifyReply) => {
      void reply
        .code(400)
        .type(PROBLEM_TYPE)
        .send(
          toProblem(
            new StrataError(
              "validation_failed",
              error.code === "FST_ERR_MAX_PARAM_LENGTH"
                ? "a path segment is longer than the server accepts (100 characters)"
                : `the URL is malformed (${error.message}); percent-encode path segments`,
            ),
          ),
        );
    },
    // Fastify's request log line has method, URL and addresses, never headers: the
    // Authorization header (a token) is not logged.
  });
  app.setValidatorCompiler(validatorCompiler());
  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error);
    if (problem.code === "store_unavailable") {
      // Expected during a database restart or failover: one warning line, no stack.
      request.log.warn({ code: problem.code }, problem.detail);
      void reply.header("retry-after", String(STORE_RETRY_AFTER_SECONDS));
    } else if (problem.status >= 500) request.log.error({ err: error }, "request failed");
    void reply.code(problem.status).type(PROBLEM_TYPE).send(problem);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply
      .code(404)
      .type(PROBLEM_TYPE)
      .send({
        type: "urn:strata:problem:not_found",
        title: "not found",
        status: 404,
        code: "not_found",
        detail: `no route ${request.method} ${request.url}; see /openapi.json`,
      });
  });
  registerYamlBodies(app);
  // helmet's security headers, computed once and handed to each reply in one step.
  const headers = securityHeaders();
  app.addHook("onRequest", (_request, reply, done) => {
    void reply.headers(headers);
    done();
  });
  if (deps.corsOrigins !== undefined && deps.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: [...deps.corsOrigins],
      allowedHeaders: ["authorization", "content-type", "if-match", "idempotency-key"],
      exposedHeaders: ["etag", "retry-after"],
      maxAge: 600,
    });
  }
  const perSecond = deps.rateLimit ?? DEFAULT_RATE_LIMIT;
  if (perSecond > 0) {
    await app.register(rateLimit, {
      max: perSecond,
      timeWindow: 1000,
      // One budget per token (hashed: no secret is kept in memory), else per address.
      keyGenerator: (request) => {
        const header = request.headers.authorization;
        return header === undefined
          ? request.ip
          : createHash("sha256").update(header).digest("hex").slice(0, 32);
      },
      allowList: (request) => PROBE_PATHS.has(request.url),
      errorResponseBuilder: (_request, context) =>
        new StrataError(
          "rate_limited",
          `more than ${context.max} requests per second with this token; retry after ${context.after}`,
        ),
    });
  }
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Strata API",
        version: VERSION,
        description:
          "Workflows with drafts, immutable numbered versions, durable runs and an audit log.",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    },
  });
  registerMetrics(app, deps.services);
  for (const routes of ROUTES) routes(app, deps.services);
  app.get("/healthz", { schema: { hide: true } }, async () => {
    await deps.services.deps.store.db.selectFrom("workflows").select("id").limit(1).execute();
    return { status: "ok" };
  });
  app.get("/openapi.json", { schema: { hide: true } }, () => app.swagger());
  await registerConsole(app, deps.consoleDir === undefined ? defaultConsoleDir() : deps.consoleDir);
  return app;
}
