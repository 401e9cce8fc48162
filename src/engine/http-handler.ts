/**
 * The built-in `http` task: sends JSON to a URL. Only hosts on an explicit allow-list can be
 * called (empty by default), so a definition cannot make the server reach internal addresses
 * (server-side request forgery). Network errors and 5xx answers are worth another attempt;
 * 4xx answers and refused hosts are not.
 */
import { deadlineSignal } from "./deadline-signal.js";
import { PermanentTaskError } from "./handlers.js";
import type { TaskContext, TaskHandler } from "./handlers.js";

/** Configuration of the `http` task. */
export interface HttpTaskOptions {
  /** Hosts that may be called, as `host` or `host:port`; empty: none. */
  allowedHosts?: readonly string[];
  /** The longest one attempt may take, in milliseconds (default 10 s). */
  timeoutMs?: number;
}

/** What an `http` task's input may hold. */
interface HttpTaskInput {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
}

/** Creates the `http` handler with the given allow-list. */
export function createHttpHandler(options: HttpTaskOptions = {}): TaskHandler {
  const allowed = new Set((options.allowedHosts ?? []).map((host) => host.toLowerCase()));
  const timeoutMs = options.timeoutMs ?? 10_000;
  return async (input: unknown, ctx: TaskContext): Promise<unknown> => {
    const request = parseInput(input);
    const url = new URL(request.url);
    if (url.username !== "" || url.password !== "") {
      throw new PermanentTaskError(
        "the http task does not send credentials in URLs; use headers",
        "http_input_invalid",
      );
    }
    if (!allowed.has(url.host.toLowerCase()) && !allowed.has(url.hostname.toLowerCase())) {
      throw new PermanentTaskError(
        `host ${url.host} is not on the http task's allow-list; add it to the configuration (http.allowedHosts)`,
        "host_not_allowed",
      );
    }
    const deadline = deadlineSignal(ctx.signal, timeoutMs);
    try {
      return await call(url, request, ctx, deadline.signal);
    } finally {
      deadline.dispose();
    }
  };
}

/** One request and its answer, as the task's result (or a failure by status). */
async function call(
  url: URL,
  request: HttpTaskInput,
  ctx: TaskContext,
  signal: AbortSignal,
): Promise<unknown> {
  const response = await fetch(url, {
    method: request.method ?? "POST",
    // The engine's idempotency key wins over a header of the same name in the definition.
    headers: {
      "content-type": "application/json",
      ...request.headers,
      "idempotency-key": ctx.idempotencyKey,
    },
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    signal,
    redirect: "error", // a redirect could lead off the allow-list
  });
  const body = await readBody(response);
  if (response.status >= 500) throw new Error(`${url.host} answered ${response.status}`);
  if (response.status >= 400) {
    throw new PermanentTaskError(
      `${url.host} answered ${response.status}`,
      `http_${response.status}`,
    );
  }
  return { status: response.status, body };
}

function parseInput(input: unknown): HttpTaskInput {
  const candidate = input as Partial<HttpTaskInput> | null;
  if (candidate === null || typeof candidate !== "object" || typeof candidate.url !== "string") {
    throw new PermanentTaskError(
      "the http task needs an input object with a `url` string",
      "http_input_invalid",
    );
  }
  if (!/^https?:\/\//i.test(candidate.url)) {
    throw new PermanentTaskError(
      `the http task only calls http(s) URLs, not ${candidate.url}`,
      "http_input_invalid",
    );
  }
  return candidate as HttpTaskInput;
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
