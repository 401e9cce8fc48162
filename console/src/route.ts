/**
 * The console's pages live in the URL's hash (`#/workflows/loan`), so the server serves one
 * page for all of them and a reload or a shared link lands on the same view.
 */
import { useEffect, useState } from "react";
import { parseRunsRoute, runsHref } from "./runs-route";
import type { RunsRoute } from "./runs-route";

/** The version a workflow page shows: a number, the draft, or (null) the live one. */
export type VersionChoice = number | "draft" | null;

/** One side of a diff: a version number or the draft (null: the page picks one). */
export type DiffChoice = number | "draft" | null;

/** A page of the console and its parameters. */
export type Route =
  | { page: "workflows" }
  | { page: "workflow"; key: string; version: VersionChoice }
  | { page: "draft"; key: string }
  | { page: "diff"; key: string; from: DiffChoice; to: DiffChoice }
  | { page: "rollout"; key: string }
  | { page: "backtests"; key: string }
  | { page: "backtest"; id: string }
  | { page: "audit" }
  | RunsRoute;

/** Reads a route from a hash; anything unknown (or not percent-decodable) is the workflows list. */
export function parseRoute(hash: string): Route {
  const runs = parseRunsRoute(hash);
  if (runs !== null) return runs;
  let parts: string[];
  try {
    parts = hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  } catch {
    // A malformed escape (`#/workflows/%E0`) would throw URIError on every render.
    return { page: "workflows" };
  }
  const [first, key, view] = parts;
  if (first === "audit") return { page: "audit" };
  if (first === "backtests" && key !== undefined && key !== "")
    return { page: "backtest", id: key };
  if (first !== "workflows" || key === undefined || key === "") return { page: "workflows" };
  if (view === "rollout") return { page: "rollout", key };
  if (view === "backtests") return { page: "backtests", key };
  if (view === "draft") return { page: "draft", key };
  if (view === "diff") return { page: "diff", key, from: sideOf(parts[3]), to: sideOf(parts[4]) };
  return { page: "workflow", key, version: view === "versions" ? sideOf(parts[3]) : null };
}

/** The hash that shows `route`. */
export function hrefOf(route: Route): string {
  if (route.page === "runs" || route.page === "run") return runsHref(route);
  if (route.page === "audit") return "#/audit";
  if (route.page === "workflows") return "#/workflows";
  if (route.page === "backtest") return `#/backtests/${encodeURIComponent(route.id)}`;
  if (route.page === "rollout") return `#/workflows/${encodeURIComponent(route.key)}/rollout`;
  if (route.page === "backtests") return `#/workflows/${encodeURIComponent(route.key)}/backtests`;
  if (route.page === "draft") return `#/workflows/${encodeURIComponent(route.key)}/draft`;
  if (route.page === "diff") {
    const sides =
      route.from === null && route.to === null ? "" : `/${route.from ?? ""}/${route.to ?? ""}`;
    return `#/workflows/${encodeURIComponent(route.key)}/diff${sides}`;
  }
  const base = `#/workflows/${encodeURIComponent(route.key)}`;
  return route.version === null ? base : `${base}/versions/${route.version}`;
}

/** A version from the hash: `draft`, a version number, or null for anything else. */
function sideOf(text: string | undefined): number | "draft" | null {
  if (text === "draft") return "draft";
  return text !== undefined && /^[1-9][0-9]*$/.test(text) ? Number(text) : null;
}

/** The current route, following hash changes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = (): void => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
