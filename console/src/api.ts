/**
 * The console's access to the REST API: the same paths, token and errors as any client. The
 * token lives in the tab's sessionStorage only, so closing the tab signs out.
 */

const TOKEN_KEY = "strata.token";

/** A refusal from the API: its problem+json `code` and `detail`, or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The problem's `details`, when it has some (every validation problem, for example). */
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** The token this tab signed in with, if any. */
export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Keeps `token` for this tab, or (null) forgets it: signing out. */
export function storeToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** What the console does when the API refuses the tab's token: a listener of {@link call}. */
type RefusedListener = () => void;
const refusedListeners = new Set<RefusedListener>();

/**
 * Calls `listener` whenever the API answers 401 to the tab's stored token (revoked, expired or
 * deleted): by then the token is forgotten, and the console shows the sign-in page. Returns a
 * function that stops the calls.
 */
export function onTokenRefused(listener: RefusedListener): () => void {
  refusedListeners.add(listener);
  return () => {
    refusedListeners.delete(listener);
  };
}

/** Percent-encodes one path segment (a workflow key may hold `.`). */
export const segment = (value: string | number): string => encodeURIComponent(String(value));

/**
 * Calls the API as the stored token (unless `extraHeaders` names an `authorization` of its
 * own, as signing in does); resolves to the parsed JSON body (undefined for 204). A 401 to the
 * stored token signs the tab out: the token is forgotten and {@link onTokenRefused}'s
 * listeners are told, so that every page does not go on showing `unauthorized`.
 */
export async function call<T>(
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  body?: unknown,
  /** Extra request headers, such as `If-Match` on a draft. */
  extraHeaders: Readonly<Record<string, string>> = {},
): Promise<T> {
  const headers: Record<string, string> = { ...extraHeaders, accept: "application/json" };
  const token = headers.authorization === undefined ? storedToken() : null;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (thrown) {
    throw new ApiError(0, "unreachable", `the server did not answer (${String(thrown)})`);
  }
  // Only while the refused token is still the tab's: a late answer to a token signed out of
  // (and perhaps replaced by a new one since) must not sign the new one out.
  if (response.status === 401 && token !== null && storedToken() === token) {
    storeToken(null);
    for (const listener of [...refusedListeners]) listener();
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    // Not the API's JSON: a proxy's HTML error page, say. Say what came rather than a SyntaxError.
    throw new ApiError(
      response.status,
      "not_json",
      `the server answered ${response.status}, not JSON`,
    );
  }
  if (!response.ok) {
    const problem = (parsed ?? {}) as {
      code?: unknown;
      detail?: unknown;
      title?: unknown;
      details?: unknown;
    };
    throw new ApiError(
      response.status,
      typeof problem.code === "string" ? problem.code : `http_${response.status}`,
      typeof problem.detail === "string"
        ? problem.detail
        : typeof problem.title === "string"
          ? problem.title
          : `the server answered ${response.status}`,
      problem.details,
    );
  }
  return parsed as T;
}

/** A page of a list, as the API's cursor pagination returns it. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Every item of a paginated list (the console's lists are small: workflows, events). */
export async function allPages<T>(path: string, limit = 200): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor !== null) query.set("cursor", cursor);
    const page: Page<T> = await call<Page<T>>("GET", `${path}?${query.toString()}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return items;
}
