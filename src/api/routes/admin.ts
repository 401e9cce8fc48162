/** `/v1/audit` and `/v1/tokens`. */
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import type { StrataServices } from "../../services/strata-services.js";
import { StrataError } from "../../core/errors.js";
import { ROLES } from "../../core/roles.js";
import type { CreateTokenInput } from "../../services/token-service.js";
import { addRoute } from "../route.js";
import { closed } from "./schemas.js";

/** Registers the audit and token routes. */
export function adminRoutes(app: FastifyInstance, services: StrataServices): void {
  addRoute(app, services, {
    method: "GET",
    url: "/v1/audit",
    role: "viewer",
    tags: ["audit"],
    errors: ["not_found"],
    summary: "Audit events in chain order",
    querystring: closed({
      workflow: Type.Optional(Type.String({ maxLength: 100 })),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
      cursor: Type.Optional(Type.String({ maxLength: 50 })),
    }),
    handler: ({ identity, query }) => services.audit.list(identity, query),
  });
  addRoute(app, services, {
    method: "GET",
    url: "/v1/audit/verify",
    role: "viewer",
    tags: ["audit"],
    errors: [],
    summary: "Recompute the audit chain",
    handler: ({ identity }) => services.audit.verify(identity),
  });
  // The same role as verify: a viewer already reads every event, version and draft the
  // bundle holds, so the export shows nothing a viewer could not read route by route.
  addRoute(app, services, {
    method: "GET",
    url: "/v1/audit/export",
    role: "viewer",
    tags: ["audit"],
    errors: [],
    summary: "Export the audit log, its head and the definitions it names, to verify offline",
    handler: ({ identity }) => services.audit.export(identity),
  });
  addRoute(app, services, {
    method: "POST",
    url: "/v1/tokens",
    role: "admin",
    tags: ["tokens"],
    status: 201,
    errors: ["forbidden"],
    summary:
      "Create a token in the caller's tenant, or with a server token in another (its text is returned once)",
    body: closed({
      role: Type.Union(ROLES.map((r) => Type.Literal(r))),
      name: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 200,
          description:
            "who the token speaks for (a person or a service): changes made with it are attributed to this name",
        }),
      ),
      tenant: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 100,
          description:
            "the tenant the token acts in, when not the caller's: a new id starts a tenant (needs a server token)",
        }),
      ),
      server: Type.Optional(
        Type.Boolean({
          description:
            "a server token: an admin that may also create tokens in other tenants (needs a server token)",
        }),
      ),
    }),
    handler: ({ identity, body }) => {
      const input = body as CreateTokenInput;
      const elsewhere = input.tenant !== undefined && input.tenant !== identity.tenantId;
      if ((elsewhere || input.server === true) && !identity.server) {
        throw new StrataError(
          "forbidden",
          `${elsewhere ? `creating a token in tenant ${input.tenant}` : "creating a server token"} needs the server's token ` +
            "(printed at the server's first start, or made on its database with `strata token create --role admin --server-token`); a tenant's admin manages its own tenant",
        );
      }
      return services.tokens.create(identity, input);
    },
  });
  addRoute(app, services, {
    method: "GET",
    url: "/v1/tokens",
    role: "admin",
    tags: ["tokens"],
    errors: [],
    summary: "List the tenant's tokens (never their secrets)",
    handler: ({ identity }) => services.tokens.list(identity),
  });
  addRoute(app, services, {
    method: "DELETE",
    url: "/v1/tokens/:id",
    role: "admin",
    tags: ["tokens"],
    errors: ["not_found"],
    summary: "Revoke a token",
    params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }),
    handler: ({ identity, params }) => services.tokens.revoke(identity, params.id ?? ""),
  });
}
