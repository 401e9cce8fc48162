/** Wires the services together over one store; the composition shared by library, CLI and API. */
import type { Clock } from "../core/clock.js";
import { systemClock } from "../core/clock.js";
import { Executor } from "../engine/executor.js";
import { HandlerRegistry } from "../engine/handlers.js";
import { createHttpHandler } from "../engine/http-handler.js";
import type { HttpTaskOptions } from "../engine/http-handler.js";
import type { Worker } from "../engine/worker.js";
import type { Store } from "../store/store.js";
import { AuditService } from "./audit-service.js";
import type { ServiceDeps } from "./deps.js";
import { DraftService } from "./draft-service.js";
import { MigrationService } from "./migration-service.js";
import { OperationsService } from "./operations-service.js";
import { PublishService } from "./publish-service.js";
import { BacktestService } from "./backtest-service.js";
import { BindingService } from "./binding-service.js";
import { ReplayService } from "./replay-service.js";
import { ReviewService } from "./review-service.js";
import { RetentionService } from "./retention-service.js";
import { RolloutService } from "./rollout-service.js";
import { RunService } from "./run-service.js";
import { TokenService } from "./token-service.js";
import { VersionService } from "./version-service.js";
import { WorkflowService } from "./workflow-service.js";

/** Options of the composition. */
export interface ServicesOptions {
  clock?: Clock;
  /** The built-in `http` task's allow-list and timeout. */
  http?: HttpTaskOptions;
  /** The most nodes one run may execute (default 1,000). */
  stepLimit?: number;
  /** How long a worker's claim on a task lasts before another worker may take it over (ms). */
  leaseMs?: number;
  /** How often a task in flight extends its lease (ms; default a third of the lease). */
  heartbeatMs?: number;
  /** The largest definition stored, as canonical JSON bytes (default 256 KiB). */
  maxDefinitionBytes?: number;
  /**
   * Prune finished runs continuously once they ended longer ago than this (ms): `automate`
   * then removes a small batch per tenant at a time (see retention-service.ts). Off without it.
   */
  retention?: number;
}

/** Every service, sharing one store, clock, handler registry and executor. */
export interface StrataServices {
  deps: ServiceDeps;
  handlers: HandlerRegistry;
  executor: Executor;
  workflows: WorkflowService;
  drafts: DraftService;
  versions: VersionService;
  publisher: PublishService;
  reviews: ReviewService;
  runs: RunService;
  audit: AuditService;
  tokens: TokenService;
  rollouts: RolloutService;
  bindings: BindingService;
  replays: ReplayService;
  backtests: BacktestService;
  migrations: MigrationService;
  /** Readiness, the worker list and the pending-work gauges. */
  operations: OperationsService;
  /** Pruning finished runs (`strata runs prune`) and continuous retention. */
  retention: RetentionService;
  /**
   * One round of automation: due rollout steps and guard looks, due schedules, queued
   * backtests, and retention's next batches when a retention period is set and a round is
   * due. The worker loop calls it about once a second; returns how many things it did.
   */
  automate(): Promise<number>;
  /** The worker loop, once started in this process. */
  worker?: Worker;
}

/** Builds the services over a store. */
export function createServices(store: Store, options: ServicesOptions = {}): StrataServices {
  const clock = options.clock ?? systemClock;
  const deps: ServiceDeps = {
    store,
    clock,
    ...(options.maxDefinitionBytes === undefined
      ? {}
      : { maxDefinitionBytes: options.maxDefinitionBytes }),
  };
  const handlers = new HandlerRegistry();
  handlers.register("http", createHttpHandler(options.http));
  const executor = new Executor({
    store,
    clock,
    handlers,
    ...(options.stepLimit === undefined ? {} : { stepLimit: options.stepLimit }),
    ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
  });
  const drafts = new DraftService(deps);
  const runs = new RunService(deps, executor);
  const rollouts = new RolloutService(deps);
  const bindings = new BindingService(deps, runs);
  const replays = new ReplayService(deps, executor);
  const backtests = new BacktestService(deps, replays, executor.workerId);
  const retention = new RetentionService(deps, options.retention);
  const services: StrataServices = {
    deps,
    handlers,
    executor,
    workflows: new WorkflowService(deps),
    drafts,
    versions: new VersionService(deps),
    publisher: new PublishService(deps, drafts),
    reviews: new ReviewService(deps, drafts),
    runs,
    audit: new AuditService(deps),
    tokens: new TokenService(deps),
    rollouts,
    bindings,
    replays,
    backtests,
    migrations: new MigrationService(deps),
    operations: new OperationsService(deps, executor, () => services.worker),
    retention,
    // Retention last: a prune batch never delays a rollout step, a schedule or a backtest.
    automate: async () =>
      (await rollouts.runAutomation()) +
      (await bindings.fireDue()) +
      (await backtests.runQueued()) +
      (await retention.runDue()),
  };
  return services;
}
