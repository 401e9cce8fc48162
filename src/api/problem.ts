/**
 * Errors as RFC 9457 problem details (`application/problem+json`), each with Strata's stable
 * `code`. Strata's own errors keep their code and status; Fastify's request errors (bad JSON,
 * schema violations, oversized bodies) become `validation_failed` or `payload_too_large`; any
 * other failure is a 500 `internal` whose cause is logged, not sent.
 */
import { StrataError } from "../core/errors.js";

/** A problem body. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  details?: unknown;
}

/** The media type of problem bodies. */
export const PROBLEM_TYPE = "application/problem+json";

/** The problem for anything thrown while handling a request. */
export function toProblem(error: unknown): Problem {
  if (error instanceof StrataError)
    return problem(error.code, error.status, error.message, error.details);
  const fastify = error as {
    statusCode?: number;
    code?: string;
    validation?: unknown[];
    message?: string;
  };
  if (Array.isArray(fastify.validation)) {
    const details = fastify.validation.map((issue) => {
      const { instancePath, message, params } = issue as {
        instancePath?: string;
        message?: string;
        params?: unknown;
      };
      return {
        path: instancePath === "" ? "/" : (instancePath ?? "/"),
        message: message ?? "invalid",
        params,
      };
    });
    return problem(
      "validation_failed",
      400,
      `the request does not match the schema: ${fastify.message ?? ""}; fix the listed fields`,
      details,
    );
  }
  if (fastify.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return problem("payload_too_large", 413, "the request body is larger than the server accepts");
  }
  if (
    typeof fastify.statusCode === "number" &&
    fastify.statusCode >= 400 &&
    fastify.statusCode < 500
  ) {
    const detail =
      fastify.code === "FST_ERR_CTP_INVALID_JSON" || fastify.message?.includes("JSON") === true
        ? "the request body is not valid JSON"
        : (fastify.message ?? "bad request");
    return problem("validation_failed", fastify.statusCode, detail);
  }
  return problem(
    "internal",
    500,
    "the server failed to handle the request; the cause is in its log",
  );
}

function problem(code: string, status: number, detail: string, details?: unknown): Problem {
  return {
    type: `urn:strata:problem:${code}`,
    title: code.replaceAll("_", " "),
    status,
    code,
    detail,
    ...(details === undefined ? {} : { details }),
  };
}
