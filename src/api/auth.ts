/**
 * Authentication and roles (DESIGN.md §8). Every route but `/healthz` and `/openapi.json`
 * needs `Authorization: Bearer <token>`; the token names its tenant and role, and a route
 * names the least role it needs. Another tenant's objects are simply not found, since every
 * service call is made in the token's tenant.
 */
import type { FastifyRequest } from "fastify";
import { StrataError } from "../core/errors.js";
import type { Role } from "../core/roles.js";
import { hasRole } from "../core/roles.js";
import type { CallContext } from "../services/deps.js";
import type { TokenService } from "../services/token-service.js";

/** Who made a request. */
export interface RequestIdentity extends CallContext {
  role: Role;
  tokenId: string;
  /** A server token: it may create tokens in other tenants (ADR 0016). */
  server: boolean;
}

/** Checks the request's token and role; returns the caller's context. */
export async function authorize(
  tokens: TokenService,
  request: FastifyRequest,
  role: Role,
): Promise<RequestIdentity> {
  const header = request.headers.authorization ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (match?.[1] === undefined) {
    throw new StrataError(
      "unauthorized",
      "send a token as `Authorization: Bearer <token>` (create one with `strata token create`)",
    );
  }
  const identity = await tokens.authenticate(match[1]);
  if (!hasRole(identity.role, role)) {
    throw new StrataError(
      "forbidden",
      `this needs the ${role} role; the token has ${identity.role}`,
    );
  }
  return {
    tenantId: identity.tenantId,
    // Changes are recorded under the token's name, with its id beside it (issue 18).
    actor: actorOf(identity),
    actorTokenId: identity.tokenId,
    role: identity.role,
    tokenId: identity.tokenId,
    server: identity.server,
  };
}

/** How a token's caller is recorded: its name, else `token:<id>`. */
export function actorOf(identity: { tokenId: string; name: string | null }): string {
  return identity.name ?? `token:${identity.tokenId}`;
}
