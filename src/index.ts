/**
 * Strata as a library: `const strata = await Strata.open({ database: "./strata.db" })`, then
 * `strata.workflows.create(…)`, `strata.drafts.publish(…)`, `strata.versions.retire(…)`.
 * The CLI and the server are thin layers over the same services.
 */
import { userInfo } from "node:os";
import type { Clock } from "./core/clock.js";
import type { Actor } from "./core/model.js";
import type { StrataApi } from "./client/strata-client.js";
import { bindContext } from "./services/bind-context.js";
import type { BoundMethods } from "./services/bind-context.js";
import type { BacktestService } from "./services/backtest-service.js";
import { createServices } from "./services/strata-services.js";
import type { StrataServices } from "./services/strata-services.js";
import type { TokenService } from "./services/token-service.js";
import { Worker } from "./engine/worker.js";
import type { WorkerOptions } from "./engine/worker.js";
import type { HandlerRegistry } from "./engine/handlers.js";
import type { HttpTaskOptions } from "./engine/http-handler.js";
import { openStore } from "./store/open-store.js";
import type { StoreOptions } from "./store/open-store.js";
import type { Store } from "./store/store.js";

export * from "./core/model.js";
export { StrataError, isStrataError, ERROR_STATUS } from "./core/errors.js";
export type { ErrorCode } from "./core/errors.js";
export type { ChainVerdict, ChainHead } from "./core/audit-chain.js";
export { AUDIT_BUNDLE_FORMAT, verifyAuditBundle } from "./core/audit-bundle.js";
export type { AuditBundle, BundleVerdict } from "./core/audit-bundle.js";
export { parseAuditBundle } from "./core/parse-audit-bundle.js";
export {
  parseDefinitionText,
  loadDefinitionFile,
  validateDefinition,
  canonicalJson,
  hashDefinition,
} from "./core/definition/index.js";
export type { CreateWorkflowInput, Page } from "./services/workflow-service.js";
export type { OpenDraftOptions, SaveDraftInput } from "./services/draft-service.js";
export type { PublishOptions } from "./services/publish-service.js";
export type { StartRunInput, ListRunsOptions, VersionSelector } from "./services/run-service.js";
export type {
  StartRolloutInput,
  PublishRollout,
  RollbackInput,
  RollbackResult,
} from "./services/rollout-service.js";
export type {
  CreateBindingInput,
  UpdateBindingInput,
  BindingRunInput,
  PublishEventInput,
  PublishedEvent,
} from "./services/binding-service.js";
export type { TokenInfo, CreatedToken, TokenIdentity } from "./services/token-service.js";
export type { ReplayRequest, ReplayReport, InputAdapter } from "./services/replay-service.js";
export type { Backtest, CreateBacktestInput } from "./services/backtest-service.js";
export type { MigrationPlan, MigrationReport } from "./services/migration-service.js";
export type {
  PruneOptions,
  PruneReport,
  PrunedVersionCount,
  KeepReason,
} from "./services/retention-service.js";
export { parseRetention, resolveFinishedBefore } from "./core/retention-period.js";
export type { BacktestReport, OutputMove } from "./core/replay/backtest-report.js";
export type { DiffSide, VersionDiff } from "./services/version-service.js";
export type {
  DefinitionDiff,
  FieldChange,
  EdgeChange,
} from "./core/definition/diff-definitions.js";
export type {
  CompatibilityMode,
  SchemaChange,
  SchemaChangeKind,
} from "./core/definition/schema-compat.js";
export type { WorkflowPolicy } from "./core/policy.js";
export type {
  ReplayComparison,
  ReplayedRun,
  SwitchChange,
  UnresolvedNode,
} from "./core/replay/replay-run.js";
export { ROLES, hasRole } from "./core/roles.js";
export type { Role } from "./core/roles.js";
export type { TaskHandler, TaskContext } from "./engine/handlers.js";
export { PermanentTaskError } from "./engine/handlers.js";
export type { HttpTaskOptions } from "./engine/http-handler.js";
export type { WorkerOptions } from "./engine/worker.js";
export type { WorkerInfo, Readiness } from "./services/operations-service.js";
export type { StoreOptions } from "./store/open-store.js";
export { StrataClient } from "./client/strata-client.js";
export type { StrataApi, StrataClientOptions } from "./client/strata-client.js";

/** How to open Strata. */
export interface StrataOptions {
  /** A SQLite file path or a `postgres://` URL; `$STRATA_DB`, else `./strata.db`. */
  database?: string;
  /** The tenant to act in (default `default`). */
  tenant?: string;
  /** Who the changes are attributed to (default: the OS user). */
  actor?: string;
  /** The clock (tests inject one). */
  clock?: Clock;
  /** Run the worker loop (tasks, retries, timers) in this process: `true` or its options. */
  worker?: boolean | WorkerOptions;
  /** The built-in `http` task's allow-list (empty by default) and timeout. */
  http?: HttpTaskOptions;
  /** The most nodes one run may execute (default 1,000). */
  stepLimit?: number;
  /**
   * How long a worker's claim on a task lasts (default 60 s): if this process dies, another
   * worker takes the task over once the claim has expired.
   */
  leaseMs?: number;
  /**
   * How often a task in flight extends its lease (default: a third of the lease). Keep it
   * well below the lease: a beat missed by more than the lease lets another worker take over.
   */
  heartbeatMs?: number;
  /** The largest definition stored, as canonical JSON bytes (default 256 KiB). */
  maxDefinitionBytes?: number;
  /** PostgreSQL only: the pool's size, the statement timeout and the connect timeout. */
  store?: StoreOptions;
  /**
   * Prune finished runs continuously once they ended longer ago than this, in ms
   * (`parseRetention("90d")`): the worker loop removes a small batch per tenant at a time.
   */
  retention?: number;
}

/** The tenant used when none is named. */
export const DEFAULT_TENANT = "default";

/** The OS user, the local actor when none is given. */
export function localActor(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? "local";
  }
}

/** The embedded engine: workflows, drafts, versions and the audit log of one tenant. */
export class Strata implements StrataApi {
  /** Workflows: create, list, show, activate, deactivate. */
  readonly workflows: StrataApi["workflows"];
  /** The draft: open, show, save, revert, discard, publish it, and start test runs of it (L13). */
  readonly drafts: StrataApi["drafts"];
  /** Versions: list, show, retire, restore, delete. */
  readonly versions: StrataApi["versions"];
  /** The audit log: list, verify, and export as a bundle to verify offline. */
  readonly audit: StrataApi["audit"];
  /** API tokens: create (shown once), list, revoke, authenticate. */
  readonly tokens: StrataApi["tokens"] & { authenticate: TokenService["authenticate"] };
  /** Runs: start, show, list, signal, cancel, and prune the finished ones. */
  readonly runs: StrataApi["runs"];
  /** Rollouts on the live route, and rollback: start, set, promote, abort, status, list, route. */
  readonly rollouts: StrataApi["rollouts"];
  /** Bindings: named entry points with a selector, an event type or a schedule. */
  readonly bindings: StrataApi["bindings"];
  /** Events: one run per binding subscribed to the type. */
  readonly events: StrataApi["events"];
  /** Replay of past runs through any version, and the input adapters it may use. */
  readonly replays: StrataApi["replays"];
  /** Backtests: stored jobs replaying many runs on every core; `run` runs one here, now. */
  readonly backtests: StrataApi["backtests"] & BoundMethods<BacktestService, "run">;
  /** Moving waiting runs from one version to another, by a plan of nodes. */
  readonly migrations: StrataApi["migrations"];
  /** Reviews of the draft: requests, approvals and rejections of its revisions. */
  readonly reviews: StrataApi["reviews"];
  /** The processes running a worker loop on this database, with their slots and heartbeats. */
  readonly workers: StrataApi["workers"];

  private constructor(
    private readonly services: StrataServices,
    private readonly owner: boolean,
    /** The tenant and actor every call of this instance uses. */
    readonly context: Actor,
  ) {
    this.workflows = bindContext(services.workflows, context, [
      "create",
      "list",
      "show",
      "activate",
      "deactivate",
      "setPolicy",
    ]);
    this.drafts = {
      ...bindContext(services.drafts, context, ["open", "show", "save", "revert", "discard"]),
      ...bindContext(services.publisher, context, ["publish"]),
      run: (ref, request) =>
        services.runs.start(context, ref, { ...request, version: "draft", kind: "test" }),
    };
    this.runs = {
      ...bindContext(services.runs, context, ["start", "show", "list", "signal", "cancel"]),
      ...bindContext(services.retention, context, ["prune"]),
    };
    this.reviews = bindContext(services.reviews, context, ["list", "add"]);
    this.versions = bindContext(services.versions, context, [
      "list",
      "show",
      "retire",
      "restore",
      "delete",
      "impact",
      "diff",
    ]);
    this.backtests = bindContext(services.backtests, context, [
      "create",
      "show",
      "list",
      "cancel",
      "run",
    ]);
    this.migrations = bindContext(services.migrations, context, ["migrate"]);
    this.replays = bindContext(services.replays, context, [
      "replay",
      "registerAdapter",
      "listAdapters",
    ]);
    this.rollouts = bindContext(services.rollouts, context, [
      "start",
      "set",
      "promote",
      "abort",
      "status",
      "list",
      "route",
      "rollback",
    ]);
    this.bindings = bindContext(services.bindings, context, [
      "create",
      "show",
      "list",
      "update",
      "delete",
      "run",
    ]);
    this.workers = { list: () => services.operations.listWorkers() };
    this.events = { publish: (event) => services.bindings.publishEvent(context, event) };
    this.audit = bindContext(services.audit, context, ["list", "verify", "export"]);
    this.tokens = {
      ...bindContext(services.tokens, context, ["create", "list", "revoke"]),
      authenticate: (token) => services.tokens.authenticate(token),
    };
  }

  /** Opens (and migrates) the database and returns the engine. */
  static async open(options: StrataOptions = {}): Promise<Strata> {
    const store = await openStore(
      options.database ?? process.env.STRATA_DB ?? "./strata.db",
      options.store,
    );
    return Strata.fromStore(store, options, true);
  }

  /** Wraps an already open store; closing this instance leaves the store open. */
  static fromStore(
    store: Store,
    options: Omit<StrataOptions, "database"> = {},
    owner = false,
  ): Strata {
    const context = {
      tenantId: options.tenant ?? DEFAULT_TENANT,
      actor: options.actor ?? localActor(),
    };
    const services = createServices(store, {
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.http === undefined ? {} : { http: options.http }),
      ...(options.stepLimit === undefined ? {} : { stepLimit: options.stepLimit }),
      ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
      ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
      ...(options.maxDefinitionBytes === undefined
        ? {}
        : { maxDefinitionBytes: options.maxDefinitionBytes }),
      ...(options.retention === undefined ? {} : { retention: options.retention }),
    });
    const strata = new Strata(services, owner, context);
    if (options.worker !== undefined && options.worker !== false) {
      strata.startWorker(options.worker === true ? {} : options.worker);
    }
    return strata;
  }

  /** Task handlers: `strata.handlers.register("email.send", async (input, ctx) => …)`. */
  get handlers(): HandlerRegistry {
    return this.services.handlers;
  }

  /**
   * Starts the worker loop in this process (tasks, retries, timers); while it runs, another
   * call changes nothing. After {@link stopWorker}, starts a new loop with these options.
   */
  startWorker(options: WorkerOptions = {}): void {
    if (this.services.worker?.running === true) return;
    this.services.worker = new Worker(this.services.executor, {
      ...options,
      automation: () => this.services.automate(),
    });
    this.services.worker.start();
  }

  /** Stops claiming work and resolves once the runs in flight have finished. */
  async stopWorker(): Promise<void> {
    await this.services.worker?.stop();
  }

  /**
   * Runs one round of routing automation now (what the worker loop does about once a second):
   * due rollout steps and guard looks, and due schedules. Returns how many it looked at.
   */
  runAutomation(): Promise<number> {
    return this.services.automate();
  }

  /** Runs one round of due work now (what the worker loop repeats); returns runs claimed. */
  runDueWork(limit?: number): Promise<number> {
    return this.services.executor.runDue(limit);
  }

  /** The same engine acting as another actor or in another tenant. */
  as(context: Partial<Actor>): Strata {
    return new Strata(this.services, false, { ...this.context, ...context });
  }

  /** The service layer under this facade (for the HTTP server and tools). */
  get serviceLayer(): StrataServices {
    return this.services;
  }

  /** The underlying store (for tools and tests). */
  get store(): Store {
    return this.services.deps.store;
  }

  /** Stops the worker loop, and closes the database if this instance opened it. */
  async close(): Promise<void> {
    await this.stopWorker();
    if (this.owner) await this.services.deps.store.close();
  }
}
