/**
 * A client of the REST API (DESIGN.md §7) with the same operations, arguments and results as the
 * embedded {@link StrataApi} facade, so code (and the CLI's remote mode) can switch between a
 * local database and a server without change. A refusal arrives as the same
 * {@link StrataError}, with the server's stable code, message and details.
 */
import { ERROR_STATUS, StrataError } from "../core/errors.js";
import type { ErrorCode } from "../core/errors.js";
import type { AuditService } from "../services/audit-service.js";
import type { BacktestService } from "../services/backtest-service.js";
import type { BindingService } from "../services/binding-service.js";
import type { MigrationService } from "../services/migration-service.js";
import type { ReplayService } from "../services/replay-service.js";
import type { ReviewService } from "../services/review-service.js";
import type { RetentionService } from "../services/retention-service.js";
import type { RolloutService } from "../services/rollout-service.js";
import type { BoundMethods } from "../services/bind-context.js";
import type { DraftService } from "../services/draft-service.js";
import type { PublishService } from "../services/publish-service.js";
import type { RunService, StartRunInput } from "../services/run-service.js";
import type { TokenService } from "../services/token-service.js";
import type { VersionService } from "../services/version-service.js";
import type { WorkflowService } from "../services/workflow-service.js";
import type { Run } from "../core/model.js";
import type { WorkerInfo } from "../services/operations-service.js";

/** The operations the library facade and the HTTP client share, grouped as on `Strata`. */
export interface StrataApi {
  workflows: BoundMethods<
    WorkflowService,
    "create" | "list" | "show" | "activate" | "deactivate" | "setPolicy"
  >;
  drafts: BoundMethods<DraftService, "open" | "show" | "save" | "revert" | "discard"> &
    BoundMethods<PublishService, "publish"> & {
      run(ref: string, request: Omit<StartRunInput, "version" | "kind">): Promise<Run>;
    };
  /** Reviews of the draft (ADR 0015). */
  reviews: BoundMethods<ReviewService, "list" | "add">;
  versions: BoundMethods<
    VersionService,
    "list" | "show" | "retire" | "restore" | "delete" | "impact" | "diff"
  >;
  audit: BoundMethods<AuditService, "list" | "verify" | "export">;
  runs: BoundMethods<RunService, "start" | "show" | "list" | "signal" | "cancel"> &
    BoundMethods<RetentionService, "prune">;
  tokens: BoundMethods<TokenService, "create" | "list" | "revoke">;
  rollouts: BoundMethods<
    RolloutService,
    "start" | "set" | "promote" | "abort" | "status" | "list" | "route" | "rollback"
  >;
  bindings: BoundMethods<BindingService, "create" | "show" | "list" | "update" | "delete" | "run">;
  events: { publish: BoundMethods<BindingService, "publishEvent">["publishEvent"] };
  replays: BoundMethods<ReplayService, "replay" | "registerAdapter" | "listAdapters">;
  backtests: BoundMethods<BacktestService, "create" | "show" | "list" | "cancel">;
  migrations: BoundMethods<MigrationService, "migrate">;
  /** The processes running a worker loop on the database (role operator over HTTP). */
  workers: { list(): Promise<{ items: WorkerInfo[] }> };
}

/** Where the server is and who is calling. */
export interface StrataClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8080`. */
  server: string;
  /** An API token (`strata token create`); it names the tenant and the role. */
  token: string;
  /** Per-request time limit in milliseconds (default 30 s). */
  timeoutMs?: number;
}

/** One request: method, path (already encoded), optional query, body and headers. */
interface Call {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
}

/** What a response carried: the parsed body and the headers. */
interface Answer {
  body: unknown;
  headers: Headers;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** The HTTP client. Every method is one request (publish without a revision makes two). */
export class StrataClient implements StrataApi {
  readonly workflows: StrataApi["workflows"];
  readonly drafts: StrataApi["drafts"];
  readonly reviews: StrataApi["reviews"];
  readonly versions: StrataApi["versions"];
  readonly audit: StrataApi["audit"];
  readonly runs: StrataApi["runs"];
  readonly tokens: StrataApi["tokens"];
  readonly workers: StrataApi["workers"];
  readonly rollouts: StrataApi["rollouts"];
  readonly bindings: StrataApi["bindings"];
  readonly events: StrataApi["events"];
  readonly replays: StrataApi["replays"];
  readonly backtests: StrataApi["backtests"];
  readonly migrations: StrataApi["migrations"];
  private readonly base: URL;

  constructor(private readonly options: StrataClientOptions) {
    this.base = serverUrl(options.server);
    const wf = (ref: string): string => `/v1/workflows/${encodeURIComponent(ref)}`;
    const body = <T>(call: Call): Promise<T> => this.request(call).then((a) => a.body as T);
    this.workflows = {
      create: (input) => body({ method: "POST", path: "/v1/workflows", body: input }),
      list: (page = {}) => body({ method: "GET", path: "/v1/workflows", query: { ...page } }),
      show: (ref) => body({ method: "GET", path: wf(ref) }),
      activate: (ref) => body({ method: "POST", path: `${wf(ref)}/activate` }),
      deactivate: (ref) => body({ method: "POST", path: `${wf(ref)}/deactivate` }),
      setPolicy: (ref, change) => body({ method: "PUT", path: `${wf(ref)}/policy`, body: change }),
    };
    this.reviews = {
      list: (ref) => body({ method: "GET", path: `${wf(ref)}/draft/reviews` }),
      add: (ref, input) => body({ method: "POST", path: `${wf(ref)}/draft/reviews`, body: input }),
    };
    this.drafts = {
      open: (ref, options = {}) =>
        body({ method: "POST", path: `${wf(ref)}/draft`, body: options }),
      show: (ref) => body({ method: "GET", path: `${wf(ref)}/draft` }),
      save: (ref, { definition, revision }) =>
        body({
          method: "PUT",
          path: `${wf(ref)}/draft`,
          body: { definition },
          headers: ifMatch(revision),
        }),
      revert: (ref, options = {}) =>
        body({
          method: "POST",
          path: `${wf(ref)}/draft/revert`,
          headers: ifMatch(options.revision),
        }),
      discard: (ref, options = {}) =>
        body({ method: "DELETE", path: `${wf(ref)}/draft`, headers: ifMatch(options.revision) }),
      // The server publishes only a named revision; without one, name the draft's current one
      // (what the embedded engine does), read just before.
      publish: async (ref, options = {}) => {
        const revision =
          options.revision ??
          (await body<{ revision: number }>({ method: "GET", path: `${wf(ref)}/draft` })).revision;
        return body({
          method: "POST",
          path: `${wf(ref)}/draft/publish`,
          body: { ...options, revision },
        });
      },
      run: (ref, { idempotencyKey, ...start }) =>
        body({
          method: "POST",
          path: `${wf(ref)}/draft/runs`,
          body: start,
          headers: idempotency(idempotencyKey),
        }),
    };
    this.versions = {
      list: (ref) => body({ method: "GET", path: `${wf(ref)}/versions` }),
      show: (ref, n) => body({ method: "GET", path: `${wf(ref)}/versions/${n}` }),
      retire: (ref, n) => body({ method: "POST", path: `${wf(ref)}/versions/${n}/retire` }),
      restore: (ref, n) => body({ method: "POST", path: `${wf(ref)}/versions/${n}/restore` }),
      delete: async (ref, n) => {
        await this.request({ method: "DELETE", path: `${wf(ref)}/versions/${n}` });
      },
      impact: (ref, n) => body({ method: "GET", path: `${wf(ref)}/versions/${n}/impact` }),
      diff: (ref, from, to) =>
        body({
          method: "GET",
          path: `${wf(ref)}/diff`,
          query: { from: String(from), to: String(to) },
        }),
    };
    this.rollouts = {
      start: (ref, input) => body({ method: "POST", path: `${wf(ref)}/rollout`, body: input }),
      set: (ref, input) => body({ method: "PATCH", path: `${wf(ref)}/rollout`, body: input }),
      promote: (ref) => body({ method: "POST", path: `${wf(ref)}/rollout/promote` }),
      abort: (ref, input = {}) =>
        body({ method: "POST", path: `${wf(ref)}/rollout/abort`, body: input }),
      status: (ref) => body({ method: "GET", path: `${wf(ref)}/rollout` }),
      list: (ref, options = {}) =>
        body({ method: "GET", path: `${wf(ref)}/rollouts`, query: { ...options } }),
      route: (ref) => body({ method: "GET", path: `${wf(ref)}/route` }),
      rollback: (ref, input) => body({ method: "POST", path: `${wf(ref)}/rollback`, body: input }),
    };
    const binding = (name: string): string => `/v1/bindings/${encodeURIComponent(name)}`;
    this.bindings = {
      create: (input) => body({ method: "POST", path: "/v1/bindings", body: input }),
      show: (name) => body({ method: "GET", path: binding(name) }),
      list: (options = {}) => body({ method: "GET", path: "/v1/bindings", query: { ...options } }),
      update: (name, input) => body({ method: "PATCH", path: binding(name), body: input }),
      delete: async (name) => {
        await this.request({ method: "DELETE", path: binding(name) });
      },
      run: (name, { idempotencyKey, ...start }) =>
        body({
          method: "POST",
          path: `${binding(name)}/runs`,
          body: start,
          headers: idempotency(idempotencyKey),
        }),
    };
    this.replays = {
      replay: (ref, request) => body({ method: "POST", path: `${wf(ref)}/replay`, body: request }),
      registerAdapter: (ref, adapter) =>
        body({ method: "POST", path: `${wf(ref)}/adapters`, body: adapter }),
      listAdapters: (ref) => body({ method: "GET", path: `${wf(ref)}/adapters` }),
    };
    const backtest = (id: string): string => `/v1/backtests/${encodeURIComponent(id)}`;
    this.backtests = {
      create: (ref, input = {}) =>
        body({ method: "POST", path: `${wf(ref)}/backtests`, body: input }),
      show: (id) => body({ method: "GET", path: backtest(id) }),
      list: (options = {}) => body({ method: "GET", path: "/v1/backtests", query: { ...options } }),
      cancel: (id) => body({ method: "POST", path: `${backtest(id)}/cancel` }),
    };
    this.migrations = {
      migrate: (ref, plan) => body({ method: "POST", path: `${wf(ref)}/migrations`, body: plan }),
    };
    this.events = {
      publish: (event) => body({ method: "POST", path: "/v1/events", body: event }),
    };
    this.audit = {
      list: (options = {}) => body({ method: "GET", path: "/v1/audit", query: { ...options } }),
      verify: () => body({ method: "GET", path: "/v1/audit/verify" }),
      export: () => body({ method: "GET", path: "/v1/audit/export" }),
    };
    const run = (id: string): string => `/v1/runs/${encodeURIComponent(id)}`;
    this.runs = {
      start: (ref, { idempotencyKey, ...start }) =>
        body({
          method: "POST",
          path: `${wf(ref)}/runs`,
          body: start,
          headers: idempotency(idempotencyKey),
        }),
      show: (id) => body({ method: "GET", path: run(id) }),
      list: (options = {}) => body({ method: "GET", path: "/v1/runs", query: { ...options } }),
      signal: (id, name, payload) =>
        body({
          method: "POST",
          path: `${run(id)}/signals/${encodeURIComponent(name)}`,
          body: payload ?? null,
        }),
      cancel: (id) => body({ method: "POST", path: `${run(id)}/cancel` }),
      prune: ({ finishedBefore, ...options }) =>
        body({
          method: "POST",
          path: "/v1/runs/prune",
          body: {
            ...options,
            finishedBefore:
              finishedBefore instanceof Date ? finishedBefore.toISOString() : finishedBefore,
          },
        }),
    };
    this.workers = { list: () => body({ method: "GET", path: "/v1/workers" }) };
    this.tokens = {
      create: (input) => body({ method: "POST", path: "/v1/tokens", body: input }),
      list: () => body({ method: "GET", path: "/v1/tokens" }),
      revoke: (id) => body({ method: "DELETE", path: `/v1/tokens/${encodeURIComponent(id)}` }),
    };
  }

  /** Nothing to release: requests use Node's shared connection pool. */
  async close(): Promise<void> {}

  /** Sends one request; a problem answer becomes the {@link StrataError} it describes. */
  private async request(call: Call): Promise<Answer> {
    const url = new URL(call.path.replace(/^\//, ""), this.base);
    for (const [name, value] of Object.entries(call.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.options.token}`,
      accept: "application/json",
      ...call.headers,
    };
    let payload: string | undefined;
    if (call.body !== undefined) {
      headers["content-type"] = "application/json";
      payload = JSON.stringify(call.body);
    }
    let response: Response;
    try {
      response = await fetch(url, {
        method: call.method,
        headers,
        ...(payload === undefined ? {} : { body: payload }),
        redirect: "error",
        signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
    } catch (thrown) {
      throw unreachable(this.base, thrown);
    }
    const text = await response.text();
    const parsed = parseJson(text);
    if (!response.ok) throw refusal(response, parsed, text);
    return { body: parsed, headers: response.headers };
  }
}

/** The base URL, with a trailing slash so paths resolve below any prefix it has. */
function serverUrl(server: string): URL {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new StrataError(
      "validation_failed",
      `the server must be a URL such as http://127.0.0.1:8080, not ${server}`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new StrataError("validation_failed", `the server URL must use http or https: ${server}`);
  }
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return url;
}

function ifMatch(revision: number | undefined): Record<string, string> {
  return revision === undefined ? {} : { "if-match": `"${revision}"` };
}

function idempotency(key: string | undefined): Record<string, string> {
  return key === undefined ? {} : { "idempotency-key": key };
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The error a refused request stands for: the problem's code, else one from the status. */
function refusal(response: Response, problem: unknown, text: string): StrataError {
  const { code, detail, details } = (problem ?? {}) as {
    code?: unknown;
    detail?: unknown;
    details?: unknown;
  };
  const known = typeof code === "string" && code in ERROR_STATUS ? (code as ErrorCode) : undefined;
  const message =
    typeof detail === "string"
      ? detail
      : `the server answered ${response.status} ${response.statusText}: ${text.slice(0, 200)}`;
  const retryAfter = response.headers.get("retry-after");
  return new StrataError(
    known ?? codeForStatus(response.status),
    known === undefined && typeof code === "string" ? `${message} (code ${code})` : message,
    details === undefined && retryAfter === null
      ? {}
      : { details: details ?? { retryAfterSeconds: Number(retryAfter) } },
  );
}

function codeForStatus(status: number): ErrorCode {
  const byStatus: Record<number, ErrorCode> = {
    400: "validation_failed",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    412: "revision_mismatch",
    413: "payload_too_large",
    429: "rate_limited",
    503: "server_unreachable",
  };
  return byStatus[status] ?? "internal";
}

function unreachable(base: URL, thrown: unknown): StrataError {
  const cause = thrown instanceof Error ? (thrown.cause ?? thrown) : thrown;
  const reason =
    cause instanceof Error ? cause.message : typeof cause === "string" ? cause : "no answer";
  return new StrataError(
    "server_unreachable",
    `could not reach the Strata server at ${base.origin} (${reason}); is \`strata serve\` running there?`,
    { cause: thrown },
  );
}
