/**
 * Resolves a run's selector and its workflow in one query (DESIGN.md §3: selectors resolve per
 * request, never from a cache). Starting a run is the hot path: one round trip reads the
 * workflow's status and the selected version's id, number, hash and state. The definition
 * text is not read here; the executor keeps compiled definitions by hash and reads the text
 * only on a miss (a draft's text is read, since a draft run stores what it ran).
 *
 * The query is built and compiled once per selector shape (see precompiled-query.ts).
 *
 * - `live` joins the live route, and the active rollout with its candidate if there is one
 *   (the live route's version is then the rollout's stable side); `latest` picks the highest published, non-retired number
 *   through the (tenant_id, workflow_id, number) index; a number joins that version; `draft`
 *   joins the one row without `published_at`.
 */
import { sql } from "kysely";
import type { Kysely } from "kysely";
import { hasIdPrefix } from "../../core/ids.js";
import { precompiled } from "../precompiled-query.js";
import type { StrataSchema } from "../schema.js";

/** A selector as the store sees it. */
export type TargetSelector = "live" | "latest" | "draft" | number;

/** The workflow and the version a selector names (version null when it names none). */
export interface RunTarget {
  workflow: { id: string; key: string; status: "active" | "deactivated" };
  version: {
    id: string;
    number: number | null;
    hash: string;
    retiredAt: string | null;
    /** Only for the draft. */
    definition: string | null;
  } | null;
  /** For `live`: the rollout in progress, with its candidate; null when there is none. */
  rollout: {
    id: string;
    /** The candidate's share in basis points. */
    share: number;
    candidate: { id: string; number: number; hash: string };
  } | null;
}

/** The query for one selector shape, looking the workflow up by id or by key. */
function targetQuery(shape: "live" | "latest" | "draft" | "number", byId: boolean) {
  return precompiled<StrataSchema, { tenantId: string; ref: string; number: number }, TargetRow>(
    ["tenantId", "ref", "number"],
    (db, params) =>
      db
        .selectFrom("workflows as w")
        // The live route by its primary key, then its version by id: an index lookup each,
        // however many versions the workflow has (a correlated subquery in the join made
        // SQLite walk every version of the workflow).
        .$if(shape === "live", (qb) =>
          qb.leftJoin("live_routes as r", (join) =>
            join.onRef("r.tenant_id", "=", "w.tenant_id").onRef("r.workflow_id", "=", "w.id"),
          ),
        )
        .leftJoin("versions as v", (join) => {
          if (shape === "live") {
            return join
              .onRef("v.tenant_id", "=", "w.tenant_id")
              .onRef("v.id", "=", "r.version_id" as "v.id");
          }
          const sameWorkflow = join
            .onRef("v.tenant_id", "=", "w.tenant_id")
            .onRef("v.workflow_id", "=", "w.id");
          if (shape === "draft") return sameWorkflow.on("v.published_at", "is", null);
          if (shape === "number") return sameWorkflow.on("v.number", "=", params.number);
          return sameWorkflow.on("v.number", "=", (eb) =>
            eb
              .selectFrom("versions as l")
              .select("l.number")
              .whereRef("l.tenant_id", "=", "w.tenant_id")
              .whereRef("l.workflow_id", "=", "w.id")
              .where("l.published_at", "is not", null)
              .where("l.retired_at", "is", null)
              .orderBy("l.number", "desc")
              .limit(1),
          );
        })
        .$if(shape === "live", (qb) =>
          qb
            .leftJoin("rollouts as ro", (join) =>
              join
                .onRef("ro.tenant_id", "=", "w.tenant_id")
                .onRef("ro.workflow_id", "=", "w.id")
                // A literal, not a parameter: SQLite decides whether the partial index
                // `rollouts_one_active` applies from the value, so a bound value made it
                // re-prepare this statement on every execution (~30 µs a start).
                .on("ro.status", "=", sql.lit("active")),
            )
            .leftJoin("versions as cv", (join) =>
              join
                .onRef("cv.tenant_id", "=", "ro.tenant_id")
                .onRef("cv.id", "=", "ro.candidate_version_id"),
            )
            .select([
              "ro.id as rollout_id",
              "ro.share",
              "cv.id as candidate_id",
              "cv.number as candidate_number",
              "cv.hash as candidate_hash",
            ]),
        )
        .select([
          "w.id",
          "w.key",
          "w.status",
          "v.id as version_id",
          "v.number",
          "v.hash",
          "v.retired_at",
        ])
        .select((eb) =>
          (shape === "draft" ? eb.ref("v.definition") : eb.val(null)).as("definition"),
        )
        .where("w.tenant_id", "=", params.tenantId)
        .where(byId ? "w.id" : "w.key", "=", params.ref),
  );
}

interface TargetRow {
  id: string;
  key: string;
  status: "active" | "deactivated";
  version_id: string | null;
  number: number | null;
  hash: string | null;
  retired_at: string | null;
  definition: string | null;
  rollout_id?: string | null;
  share?: number | null;
  candidate_id?: string | null;
  candidate_number?: number | null;
  candidate_hash?: string | null;
}

const QUERIES = {
  live: [targetQuery("live", false), targetQuery("live", true)],
  latest: [targetQuery("latest", false), targetQuery("latest", true)],
  draft: [targetQuery("draft", false), targetQuery("draft", true)],
  number: [targetQuery("number", false), targetQuery("number", true)],
} as const;

/** Reads the workflow `ref` (id or key) and the version `selector` names, in one query. */
export async function resolveRunTarget(
  db: Kysely<StrataSchema>,
  tenantId: string,
  ref: string,
  selector: TargetSelector,
): Promise<RunTarget | undefined> {
  const shape = typeof selector === "number" ? "number" : selector;
  const query = QUERIES[shape][hasIdPrefix(ref, "wfl") ? 1 : 0];
  const number = typeof selector === "number" ? selector : 0;
  const { rows } = await db.executeQuery(query(db, { tenantId, ref, number }));
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    workflow: { id: row.id, key: row.key, status: row.status },
    version:
      row.version_id === null || row.hash === null
        ? null
        : {
            id: row.version_id,
            number: row.number === null ? null : Number(row.number),
            hash: row.hash,
            retiredAt: row.retired_at,
            definition: row.definition,
          },
    rollout:
      row.rollout_id == null ||
      row.candidate_id == null ||
      row.candidate_hash == null ||
      row.candidate_number == null
        ? null
        : {
            id: row.rollout_id,
            share: Number(row.share),
            candidate: {
              id: row.candidate_id,
              number: Number(row.candidate_number),
              hash: row.candidate_hash,
            },
          },
  };
}
