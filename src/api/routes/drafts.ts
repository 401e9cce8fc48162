/**
 * The draft: `/{wf}/draft` (POST open, GET, PUT save, DELETE discard), `/draft/revert`,
 * `/draft/publish`, `/draft/runs`. The draft's revision travels as its `ETag`; a save or a
 * publish names the revision it edits with `If-Match` (a stale one is 412 `revision_mismatch`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { StrataError } from "../../core/errors.js";
import type { Draft } from "../../core/model.js";
import type { StrataServices } from "../../services/strata-services.js";
import { idempotencyKey, ifMatchRevision } from "../headers.js";
import { addRoute } from "../route.js";
import type { PublishOptions } from "../../services/publish-service.js";
import { MAX_REVIEW_NOTE, REVIEW_DECISIONS } from "../../services/review-service.js";
import type { ReviewInput } from "../../services/review-service.js";
import { hasRole } from "../../core/roles.js";
import { Definition, PositiveInt, RolloutPlanFields, WorkflowParams, closed } from "./schemas.js";

function requireRevision(request: FastifyRequest, fromBody?: number): number {
  const revision = ifMatchRevision(request) ?? fromBody;
  if (revision === undefined) {
    throw new StrataError(
      "validation_failed",
      "name the draft revision you edit with If-Match (its ETag), so two editors never overwrite each other",
    );
  }
  return revision;
}

function withEtag(reply: FastifyReply, draft: Draft): Draft {
  void reply.header("etag", `"${draft.revision}"`);
  return draft;
}

/** Registers the draft routes. */
export function draftRoutes(app: FastifyInstance, services: StrataServices): void {
  const tags = ["drafts"];
  const params = WorkflowParams;
  addRoute(app, services, {
    method: "POST",
    url: "/v1/workflows/:wf/draft",
    role: "editor",
    tags,
    status: 201,
    params,
    summary: "Open the draft from the live version or version `from`",
    errors: ["not_found", "draft_exists", "all_versions_retired"],
    body: Type.Optional(closed({ from: Type.Optional(PositiveInt()) })),
    handler: async ({ identity, params: p, body, reply }) =>
      withEtag(reply, await services.drafts.open(identity, p.wf ?? "", body ?? {})),
  });
  addRoute(app, services, {
    method: "GET",
    url: "/v1/workflows/:wf/draft",
    role: "viewer",
    tags,
    params,
    summary: "Show the draft with its validation problems",
    errors: ["not_found"],
    handler: async ({ identity, params: p, reply }) =>
      withEtag(reply, await services.drafts.show(identity, p.wf ?? "")),
  });
  addRoute(app, services, {
    method: "PUT",
    url: "/v1/workflows/:wf/draft",
    role: "editor",
    tags,
    params,
    summary: "Save the draft (If-Match: its revision)",
    errors: ["not_found", "revision_mismatch", "version_immutable", "payload_too_large"],
    body: closed({ definition: Definition }),
    handler: async ({ identity, params: p, body, request, reply }) => {
      const revision = requireRevision(request);
      const { definition } = body as { definition: unknown };
      return withEtag(
        reply,
        await services.drafts.save(identity, p.wf ?? "", { definition, revision }),
      );
    },
  });
  addRoute(app, services, {
    method: "DELETE",
    url: "/v1/workflows/:wf/draft",
    role: "editor",
    tags,
    params,
    status: 204,
    summary: "Discard the draft",
    errors: ["not_found", "revision_mismatch"],
    handler: ({ identity, params: p, request }) => {
      const revision = ifMatchRevision(request);
      return services.drafts.discard(
        identity,
        p.wf ?? "",
        revision === undefined ? {} : { revision },
      );
    },
  });
  addRoute(app, services, {
    method: "POST",
    url: "/v1/workflows/:wf/draft/revert",
    role: "editor",
    tags,
    params,
    summary: "Reset the draft to the live version",
    errors: ["not_found", "no_live_version", "revision_mismatch"],
    handler: async ({ identity, params: p, request, reply }) => {
      const revision = ifMatchRevision(request);
      return withEtag(
        reply,
        await services.drafts.revert(
          identity,
          p.wf ?? "",
          revision === undefined ? {} : { revision },
        ),
      );
    },
  });
  addRoute(app, services, {
    method: "POST",
    url: "/v1/workflows/:wf/draft/publish",
    role: "publisher",
    tags,
    params,
    status: 201,
    summary:
      "Publish the reviewed revision (If-Match or `revision`) as the next version, live at once or as a rollout",
    errors: [
      "not_found",
      "revision_mismatch",
      "definition_invalid",
      "no_changes",
      "rollout_in_progress",
      "no_live_version",
      "schema_incompatible",
      "approval_required",
      "approval_stale",
    ],
    body: Type.Optional(
      closed({
        revision: Type.Optional(PositiveInt()),
        description: Type.Optional(Type.String({ maxLength: 2000 })),
        activate: Type.Optional(Type.Boolean()),
        retirePrevious: Type.Optional(Type.Boolean()),
        rollout: Type.Optional(closed(RolloutPlanFields)),
        replaceRollout: Type.Optional(
          Type.Boolean({ description: "end a rollout in progress (status replaced) first" }),
        ),
        force: Type.Optional(
          Type.Boolean({
            description: "publish an input-schema change the compatibility mode forbids",
          }),
        ),
      }),
    ),
    handler: ({ identity, params: p, body, request }) => {
      const options = (body ?? {}) as PublishOptions;
      return services.publisher.publish(identity, p.wf ?? "", {
        ...options,
        revision: requireRevision(request, options.revision),
      });
    },
  });
  addRoute(app, services, {
    method: "GET",
    url: "/v1/workflows/:wf/draft/reviews",
    role: "viewer",
    tags,
    params,
    summary:
      "List the draft's reviews, oldest first (an approval of an earlier revision is `stale`); the draft's `review` says where they leave a publish",
    errors: ["not_found"],
    handler: ({ identity, params: p }) => services.reviews.list(identity, p.wf ?? ""),
  });
  addRoute(app, services, {
    method: "POST",
    url: "/v1/workflows/:wf/draft/reviews",
    role: "editor",
    tags,
    params,
    status: 201,
    summary:
      "Ask for review of the draft's revision, or approve or reject it (those two need the reviewer role, and not to have edited the draft)",
    errors: ["not_found", "revision_mismatch", "self_approval", "forbidden"],
    body: closed({
      decision: Type.Union(REVIEW_DECISIONS.map((decision) => Type.Literal(decision))),
      revision: PositiveInt(),
      note: Type.Optional(Type.String({ maxLength: MAX_REVIEW_NOTE })),
    }),
    handler: ({ identity, params: p, body }) => {
      const input = body as ReviewInput;
      if (input.decision !== "request" && !hasRole(identity.role, "reviewer")) {
        throw new StrataError(
          "forbidden",
          `to ${input.decision} a draft needs the reviewer role (or publisher, admin); the token has ${identity.role}`,
        );
      }
      return services.reviews.add(identity, p.wf ?? "", input);
    },
  });
  addRoute(app, services, {
    method: "POST",
    url: "/v1/workflows/:wf/draft/runs",
    role: "editor",
    tags: ["runs"],
    params,
    status: 201,
    summary:
      "Start a test run of the draft (header Idempotency-Key: same key and body → the same run)",
    errors: ["not_found", "input_invalid", "idempotency_key_reused"],
    body: closed({
      input: Type.Unknown(),
      routingKey: Type.Optional(Type.String({ maxLength: 200 })),
    }),
    handler: ({ identity, params: p, body, request }) => {
      const { input, routingKey } = body as { input: unknown; routingKey?: string };
      const key = idempotencyKey(request);
      return services.runs.start(identity, p.wf ?? "", {
        input,
        version: "draft",
        kind: "test",
        ...(routingKey === undefined ? {} : { routingKey }),
        ...(key === undefined ? {} : { idempotencyKey: key }),
      });
    },
  });
}
