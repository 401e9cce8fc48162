/**
 * One way to declare a route: its method and path, the least role it needs, its TypeBox
 * schemas (which validate the request and describe it in the OpenAPI document), and a handler
 * that gets the caller's context. Later capabilities add their routes the same way.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { IsOptional, Type } from "typebox";
import type { TSchema } from "typebox";
import { ERROR_STATUS, StrataError } from "../core/errors.js";
import type { Role } from "../core/roles.js";
import type { StrataServices } from "../services/strata-services.js";
import { authorize } from "./auth.js";
import { YAML_TYPES } from "./yaml-body.js";
import type { RequestIdentity } from "./auth.js";

/** What a handler receives. */
export interface RouteContext {
  identity: RequestIdentity;
  services: StrataServices;
  request: FastifyRequest;
  reply: FastifyReply;
  body: unknown;
  params: Record<string, string>;
  query: Record<string, unknown>;
}

/** A route of the API. */
export interface RouteSpec {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  /** The least role that may call it. */
  role: Role;
  summary: string;
  tags: string[];
  /** The error codes it can answer with, for the OpenAPI document. */
  errors: string[];
  body?: TSchema;
  params?: TSchema;
  querystring?: TSchema;
  /**
   * The whole body is opaque data stored as JSON (a signal's payload), so it may hold any
   * text; elsewhere only `input`, `data` and `definition` may.
   */
  rawBody?: boolean;
  /** 200 unless given (201 for creations, 204 for deletions). */
  status?: number;
  handler: (context: RouteContext) => Promise<unknown>;
}

/** The problem+json body, for the OpenAPI document. */
const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String(),
    detail: Type.String(),
    details: Type.Optional(Type.Unknown()),
  },
  { description: "RFC 9457 problem details with Strata's stable `code`" },
);

/** Who made each request, found before its body is even read. */
const identities = new WeakMap<FastifyRequest, RequestIdentity>();

/**
 * Registers `spec` on `app`. The token and role are checked first (`onRequest`), so a caller
 * without the right token learns nothing about what a valid body would be; then the body and
 * parameters are validated, then the handler runs.
 */
export function addRoute(app: FastifyInstance, services: StrataServices, spec: RouteSpec): void {
  const errorStatuses = new Set(["400", "401", "403", "404", ...spec.errors.map(statusOf)]);
  app.route({
    onRequest: async (request) => {
      identities.set(request, await authorize(services.tokens, request, spec.role));
    },
    // An optional object body may be left out altogether (`POST …/rollout/abort` with no
    // body): it then reads as `{}`, which the schema accepts, rather than failing validation.
    ...(optionalObject(spec.body)
      ? {
          preValidation: (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
            request.body ??= {};
            done();
          },
        }
      : {}),
    // A NUL found here throws synchronously; Fastify's hook runner turns that into the error.
    preHandler: (request, _reply, done) => {
      assertNoNul(request, spec.rawBody === true);
      done();
    },
    method: spec.method,
    url: spec.url,
    schema: {
      summary: spec.summary,
      tags: spec.tags,
      description: `Requires role **${spec.role}**. Error codes: ${["validation_failed", "unauthorized", "forbidden", ...spec.errors].join(", ")}.`,
      security: [{ bearer: [] }],
      ...(spec.body === undefined
        ? {}
        : { body: spec.body, consumes: ["application/json", ...YAML_TYPES] }),
      ...(spec.params === undefined ? {} : { params: spec.params }),
      ...(spec.querystring === undefined ? {} : { querystring: spec.querystring }),
      response: Object.fromEntries([...errorStatuses].map((status) => [status, ProblemSchema])),
    },
    handler: async (request, reply) => {
      const identity = identities.get(request);
      if (identity === undefined) throw new Error("the request was not authorized");
      const result = await spec.handler({
        identity,
        services,
        request,
        reply,
        body: request.body,
        params: request.params as Record<string, string>,
        query: request.query as Record<string, unknown>,
      });
      reply.code(spec.status ?? 200);
      return spec.status === 204 ? null : result;
    },
  });
}

/**
 * Refuses NUL characters where text is stored as text (names, keys, descriptions, routing
 * keys, path and query values, headers): PostgreSQL cannot store them, and no one means them.
 * Inside `input`, `data` and `definition` they are fine: those are stored as escaped JSON.
 */
function assertNoNul(request: FastifyRequest, rawBody: boolean): void {
  const where =
    findNul(request.params, "path") ??
    findNul(request.query, "query") ??
    findNul(
      {
        "if-match": request.headers["if-match"],
        "idempotency-key": request.headers["idempotency-key"],
      },
      "header",
    ) ??
    (rawBody ? undefined : findNul(request.body, "body"));
  if (where !== undefined) {
    throw new StrataError(
      "validation_failed",
      `${where} contains a NUL character (\\u0000); remove it`,
    );
  }
}

const OPAQUE_FIELDS = new Set(["input", "data", "definition"]);

function findNul(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === "string") return value.includes("\u0000") ? path : undefined;
  if (typeof value !== "object" || value === null || depth > 8) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (depth === 0 && path === "body" && OPAQUE_FIELDS.has(key)) continue;
    const found = findNul(inner, `${path}.${key}`, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Whether a body schema is an object that may be left out. */
function optionalObject(schema: TSchema | undefined): boolean {
  return (
    schema !== undefined && IsOptional(schema) && (schema as { type?: unknown }).type === "object"
  );
}

/** The HTTP status an error code maps to (see core/errors.ts). */
function statusOf(code: string): string {
  return String(STATUS_BY_CODE[code] ?? 409);
}

const STATUS_BY_CODE = ERROR_STATUS as Record<string, number>;
