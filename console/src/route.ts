/**
 * The console's pages live in the URL's hash (`#/workflows/loan`), so the server serves one
 * page for all of them and a reload or a shared link lands on the same view.
 */
import { useEffect, useState } from "react";

/** The version a workflow page shows: a number, the draft, or (null) the live one. */
export type VersionChoice = number | "draft" | null;

/** A page of the console and its parameters. */
export type Route =
  | { page: "workflows" }
  | { page: "workflow"; key: string; version: VersionChoice }
  | { page: "audit" };

/** Reads a route from a hash; anything unknown is the workflows list. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  if (parts[0] === "audit") return { page: "audit" };
  if (parts[0] === "workflows" && parts[1] !== undefined && parts[1] !== "") {
    const chosen = parts[2] === "versions" ? parts[3] : undefined;
    const number = Number(chosen);
    const version = chosen === "draft" ? "draft" : Number.isInteger(number) ? number : null;
    return { page: "workflow", key: parts[1], version };
  }
  return { page: "workflows" };
}

/** The hash that shows `route`. */
export function hrefOf(route: Route): string {
  if (route.page === "audit") return "#/audit";
  if (route.page === "workflows") return "#/workflows";
  const base = `#/workflows/${encodeURIComponent(route.key)}`;
  return route.version === null ? base : `${base}/versions/${route.version}`;
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
