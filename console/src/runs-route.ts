/**
 * The runs pages' part of the hash route: the list with its filters (`#/runs?workflow=loan&
 * status=waiting`) and one run with the replay it shows (`#/runs/run_…?replay=2`). Filters and
 * the replay live in the hash so that a link reproduces the view. Pure (no DOM), so it is
 * unit-tested under Node (test/console-run-view.test.ts); hence the `.js` import suffixes,
 * which both the console's bundler resolution and the server's NodeNext accept.
 */
import type { RunKind, RunStatus } from "../../src/core/model.js";

/** The statuses a run can have, in the order the filter offers them. */
export const RUN_STATUSES: readonly RunStatus[] = [
  "running",
  "waiting",
  "completed",
  "failed",
  "cancelled",
];

/** Which runs the list shows: `GET /v1/runs`'s filters; an absent one is the API's default. */
export interface RunFilters {
  /** A workflow's key (or id). */
  workflow?: string;
  /** A version number of that workflow. */
  version?: number;
  /** Absent: production runs only (the API's default). */
  kind?: RunKind | "all";
  status?: RunStatus;
  /** Runs per page (the API's default is 50). */
  limit?: number;
}

/** The version a run is replayed through: `POST /v1/workflows/{wf}/replay?version=`. */
export type ReplayVersion = "live" | "latest" | "draft" | number;

/** A replay as the run page asks for it. */
export interface ReplayChoice {
  version: ReplayVersion;
  /** A JSONata expression from the run's input to one the target accepts. */
  adapter?: string;
  /** JSON text of an object: task results or signal payloads by node id. */
  mocks?: string;
}

/** The runs pages of the console. */
export type RunsRoute =
  { page: "runs"; filters: RunFilters } | { page: "run"; id: string; replay: ReplayChoice | null };

const KINDS: ReadonlySet<string> = new Set(["production", "test", "all"]);

/** A positive integer from text (at most `max`), else undefined. */
function positive(text: string | null, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (text === null || !/^[1-9][0-9]*$/.test(text)) return undefined;
  const value = Number(text);
  return value <= max ? value : undefined;
}

/** A replay version from text (`live`, `latest`, `draft`, a number), else undefined. */
export function parseReplayVersion(text: string | null): ReplayVersion | undefined {
  if (text === "live" || text === "latest" || text === "draft") return text;
  return positive(text);
}

/** The filters a query string names; anything it does not understand is left out. */
export function parseRunFilters(query: string): RunFilters {
  const params = new URLSearchParams(query);
  const filters: RunFilters = {};
  const workflow = params.get("workflow");
  if (workflow !== null && workflow !== "") filters.workflow = workflow;
  const version = positive(params.get("version"));
  if (version !== undefined) filters.version = version;
  const kind = params.get("kind");
  if (kind !== null && KINDS.has(kind) && kind !== "production") {
    filters.kind = kind as RunKind | "all";
  }
  const status = params.get("status");
  if (status !== null && (RUN_STATUSES as readonly string[]).includes(status)) {
    filters.status = status as RunStatus;
  }
  const limit = positive(params.get("limit"), 1000);
  if (limit !== undefined) filters.limit = limit;
  return filters;
}

/** The query string of `filters`, in a fixed order (`cursor` added for a next page). */
export function runFiltersQuery(filters: RunFilters, cursor?: string): string {
  const params = new URLSearchParams();
  if (filters.workflow !== undefined) params.set("workflow", filters.workflow);
  if (filters.version !== undefined) params.set("version", String(filters.version));
  if (filters.kind !== undefined && filters.kind !== "production") params.set("kind", filters.kind);
  if (filters.status !== undefined) params.set("status", filters.status);
  if (filters.limit !== undefined) params.set("limit", String(filters.limit));
  if (cursor !== undefined) params.set("cursor", cursor);
  return params.toString();
}

/** Reads a runs page from a hash, or null when the hash names another page. */
export function parseRunsRoute(hash: string): RunsRoute | null {
  const text = hash.replace(/^#\/?/, "");
  const mark = text.indexOf("?");
  const path = mark === -1 ? text : text.slice(0, mark);
  const query = mark === -1 ? "" : text.slice(mark + 1);
  const parts = path.split("/");
  if (parts[0] !== "runs") return null;
  if (parts[1] === undefined || parts[1] === "") {
    return { page: "runs", filters: parseRunFilters(query) };
  }
  let id: string;
  try {
    id = decodeURIComponent(parts[1]);
  } catch {
    return { page: "runs", filters: {} };
  }
  const params = new URLSearchParams(query);
  const version = parseReplayVersion(params.get("replay"));
  if (version === undefined) return { page: "run", id, replay: null };
  const adapter = params.get("adapter");
  const mocks = params.get("mocks");
  return {
    page: "run",
    id,
    replay: {
      version,
      ...(adapter === null || adapter === "" ? {} : { adapter }),
      ...(mocks === null || mocks === "" ? {} : { mocks }),
    },
  };
}

/** The hash that shows a runs page. */
export function runsHref(route: RunsRoute): string {
  if (route.page === "runs") {
    const query = runFiltersQuery(route.filters);
    return query === "" ? "#/runs" : `#/runs?${query}`;
  }
  const base = `#/runs/${encodeURIComponent(route.id)}`;
  if (route.replay === null) return base;
  const params = new URLSearchParams({ replay: String(route.replay.version) });
  if (route.replay.adapter !== undefined) params.set("adapter", route.replay.adapter);
  if (route.replay.mocks !== undefined) params.set("mocks", route.replay.mocks);
  return `${base}?${params.toString()}`;
}
