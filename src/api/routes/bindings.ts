/**
 * Bindings and events (DESIGN.md §3): `/v1/bindings` (POST create, GET list),
 * `/v1/bindings/{name}` (GET, PATCH, DELETE), `/v1/bindings/{name}/runs` (a run through it,
 * with `Idempotency-Key`), and `/v1/events` (one run per subscribed binding). Managing bindings
 * is an admin's; starting runs through them, or by an event, an operator's.
 */
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import type {
  CreateBindingInput,
  PublishEventInput,
  UpdateBindingInput,
} from "../../services/binding-service.js";
import type { StrataServices } from "../../services/strata-services.js";
import { idempotencyKey } from "../headers.js";
import { addRoute } from "../route.js";
import { PositiveInt, closed } from "./schemas.js";

/**
 * A binding's name. The service takes up to 128 characters, but a name is also a path segment
 * and Fastify refuses segments over 100, so the API creates none it could not address later.
 */
const BindingName = Type.String({ minLength: 1, maxLength: 100 });

const BindingParams = Type.Object({ name: BindingName });

const Selector = Type.Union([Type.Literal("live"), Type.Literal("latest"), PositiveInt()], {
  description: "live (default), latest, or a pinned version number",
});

/** A field that `null` clears on update. */
const Clearable = (schema: ReturnType<typeof Type.String>) =>
  Type.Optional(Type.Union([schema, Type.Null()]));

/** The settings of a binding, all optional: what update takes, and create beside its name. */
const settings = {
  selector: Type.Optional(Selector),
  event: Clearable(Type.String({ minLength: 1, maxLength: 128, description: "an event type" })),
  cron: Clearable(Type.String({ minLength: 1, maxLength: 200, description: "e.g. 0 * * * *" })),
  timezone: Clearable(
    Type.String({ minLength: 1, maxLength: 100, description: "IANA, e.g. Europe/Berlin" }),
  ),
  input: Type.Optional(Type.Unknown({ description: "the input of scheduled runs" })),
};

/** Registers the binding and event routes. */
export function bindingRoutes(app: FastifyInstance, services: StrataServices): void {
  const tags = ["bindings"];
  const name = (params: Record<string, string>): string => params.name ?? "";
  addRoute(app, services, {
    method: "POST",
    url: "/v1/bindings",
    role: "admin",
    tags,
    status: 201,
    summary: "Create a binding: a named entry point with a selector, an event or a schedule",
    errors: ["not_found", "binding_exists"],
    body: closed({
      name: BindingName,
      workflow: Type.String({ minLength: 1, maxLength: 100, description: "id or key" }),
      ...settings,
    }),
    handler: ({ identity, body }) => services.bindings.create(identity, body as CreateBindingInput),
  });
  addRoute(app, services, {
    method: "GET",
    url: "/v1/bindings",
    role: "viewer",
    tags,
    summary: "List bindings by name, with their status",
    errors: ["not_found"],
    querystring: closed({
      workflow: Type.Optional(Type.String({ maxLength: 100 })),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
      cursor: Type.Optional(Type.String({ maxLength: 200 })),
    }),
    handler: ({ identity, query }) => services.bindings.list(identity, query),
  });
  addRoute(app, services, {
    method: "GET",
    url: "/v1/bindings/:name",
    role: "viewer",
    tags,
    params: BindingParams,
    summary: "Show a binding, with its status and the version it resolves to now",
    errors: ["not_found"],
    handler: ({ identity, params }) => services.bindings.show(identity, name(params)),
  });
  addRoute(app, services, {
    method: "PATCH",
    url: "/v1/bindings/:name",
    role: "admin",
    tags,
    params: BindingParams,
    summary: "Change a binding (re-pin, move, subscribe); null clears event, cron, timezone",
    errors: ["not_found"],
    body: closed({
      workflow: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
      ...settings,
    }),
    handler: ({ identity, params, body }) =>
      services.bindings.update(identity, name(params), body as UpdateBindingInput),
  });
  addRoute(app, services, {
    method: "DELETE",
    url: "/v1/bindings/:name",
    role: "admin",
    tags,
    params: BindingParams,
    status: 204,
    summary: "Delete a binding; its runs keep its name in their route",
    errors: ["not_found"],
    handler: ({ identity, params }) => services.bindings.delete(identity, name(params)),
  });
  addRoute(app, services, {
    method: "POST",
    url: "/v1/bindings/:name/runs",
    role: "operator",
    tags: [...tags, "runs"],
    params: BindingParams,
    status: 201,
    summary:
      "Start a run through a binding (header Idempotency-Key: same key and body → the same run)",
    errors: [
      "not_found",
      "input_invalid",
      "workflow_deactivated",
      "no_live_version",
      "version_retired",
      "idempotency_key_reused",
    ],
    body: closed({
      input: Type.Unknown(),
      routingKey: Type.Optional(Type.String({ maxLength: 200 })),
    }),
    handler: ({ identity, params, body, request }) => {
      const { input, routingKey } = body as { input: unknown; routingKey?: string };
      const key = idempotencyKey(request);
      return services.bindings.run(identity, name(params), {
        input,
        ...(routingKey === undefined ? {} : { routingKey }),
        ...(key === undefined ? {} : { idempotencyKey: key }),
      });
    },
  });
  addRoute(app, services, {
    method: "POST",
    url: "/v1/events",
    role: "operator",
    tags: ["events"],
    summary:
      "Publish an event: one run per binding subscribed to its type; refusals are listed, not thrown",
    errors: [],
    body: closed({
      type: Type.String({ minLength: 1, maxLength: 128 }),
      data: Type.Unknown({ description: "the input of the runs" }),
      key: Type.Optional(Type.String({ maxLength: 200, description: "the routing key" })),
    }),
    handler: ({ identity, body }) =>
      services.bindings.publishEvent(identity, body as PublishEventInput),
  });
}
