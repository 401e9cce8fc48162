/**
 * One way to declare a route: its method and path, the least role it needs, its TypeBox
 * schemas (which validate the request and describe it in the OpenAPI document), and a handler
 * that gets the caller's context. Later capabilities add their routes the same way.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { TSchema } from "typebox";
import { ERROR_STATUS } from "../core/errors.js";
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

/** Registers `spec` on `app`. */
export function addRoute(app: FastifyInstance, services: StrataServices, spec: RouteSpec): void {
  const errorStatuses = new Set(["400", "401", "403", "404", ...spec.errors.map(statusOf)]);
  app.route({
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
      const identity = await authorize(services.tokens, request, spec.role);
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

/** The HTTP status an error code maps to (see core/errors.ts). */
function statusOf(code: string): string {
  return String(STATUS_BY_CODE[code] ?? 409);
}

const STATUS_BY_CODE = ERROR_STATUS as Record<string, number>;
