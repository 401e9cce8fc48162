/** The request headers with meaning to Strata: `If-Match` on drafts, `Idempotency-Key` on starts. */
import type { FastifyRequest } from "fastify";
import { StrataError } from "../core/errors.js";

/** The longest idempotency key kept; longer ones are cut (they are hashed with the request). */
const MAX_IDEMPOTENCY_KEY = 200;

/** The largest revision a draft can reach (the column is a 32-bit integer). */
const MAX_REVISION = 2_147_483_647;

/** The revision an `If-Match` header names (`"3"`, `W/"3"` or `3`), if any. */
export function ifMatchRevision(request: FastifyRequest): number | undefined {
  const header = request.headers["if-match"];
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(header);
  if (match?.[1] === undefined) {
    throw new StrataError(
      "validation_failed",
      `If-Match must name a draft revision such as "3", not ${header}`,
    );
  }
  const revision = Number(match[1]);
  if (revision > MAX_REVISION) {
    throw new StrataError(
      "validation_failed",
      `If-Match names no revision a draft can have: ${header}`,
    );
  }
  return revision;
}

/** The `Idempotency-Key` header, if given and not empty. */
export function idempotencyKey(request: FastifyRequest): string | undefined {
  const key = request.headers["idempotency-key"];
  return typeof key === "string" && key !== "" ? key.slice(0, MAX_IDEMPOTENCY_KEY) : undefined;
}
