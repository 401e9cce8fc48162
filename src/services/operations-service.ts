/**
 * What an operator asks of the fleet (DESIGN.md §10, issue 16): is this process ready, which
 * processes run workers and how busy they are, and how much work is waiting.
 */
import { ERROR_STATUS, isStrataError } from "../core/errors.js";
import type { Executor } from "../engine/executor.js";
import type { Worker } from "../engine/worker.js";
import { countDueRuns, countOpenRuns } from "../store/queries/count-pending-runs.js";
import { listWorkerRows } from "../store/worker-rows.js";
import type { ServiceDeps } from "./deps.js";

/** A process with a worker loop, as its last heartbeat described it. */
export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  /** `serve`, `worker` or `library`. */
  kind: string;
  handlers: string[];
  concurrency: number;
  /** Runs it was working on at its last heartbeat. */
  inFlight: number;
  leaseMs: number;
  heartbeatMs: number;
  startedAt: string;
  heartbeatAt: string;
  /** `lost` when three heartbeats are overdue: the process died or cannot reach the database. */
  status: "alive" | "lost";
}

/** One check of `/readyz`. */
export interface ReadinessCheck {
  name: "database" | "migrations" | "worker";
  ok: boolean;
  detail: string;
}

/** What `/readyz` answers. */
export interface Readiness {
  ready: boolean;
  checks: ReadinessCheck[];
}

/** Work waiting, for the gauges. */
export interface PendingWork {
  /** Runs in flight by tenant: running (a task pending or under way) and waiting. */
  open: { tenantId: string; status: "running" | "waiting"; runs: number }[];
  /** Runs whose task or timer is due now and that nobody holds. */
  due: number;
  /** How long the oldest of those has been due, in ms (0 when none). */
  oldestDueMs: number;
}

/** Readiness, the worker list and the pending-work gauges. */
export class OperationsService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly executor: Executor,
    private readonly worker: () => Worker | undefined,
  ) {}

  /** Every process that runs a worker loop on this database, newest first. */
  async listWorkers(): Promise<{ items: WorkerInfo[] }> {
    const now = this.deps.clock.now().getTime();
    const rows = await listWorkerRows(this.deps.store.db);
    return {
      items: rows.map((row) => ({
        id: row.id,
        host: row.host,
        pid: Number(row.pid),
        kind: row.kind,
        handlers: JSON.parse(row.handlers) as string[],
        concurrency: Number(row.concurrency),
        inFlight: Number(row.in_flight),
        leaseMs: Number(row.lease_ms),
        heartbeatMs: Number(row.heartbeat_ms),
        startedAt: row.started_at,
        heartbeatAt: row.heartbeat_at,
        status:
          now - Date.parse(row.heartbeat_at) > 3 * Number(row.heartbeat_ms) ? "lost" : "alive",
      })),
    };
  }

  /**
   * Whether this process can do its work: the database answers, its schema is the one this
   * code expects, and (where this process runs one) the worker loop comes round.
   */
  async readiness(): Promise<Readiness> {
    const checks: ReadinessCheck[] = [];
    try {
      const schema = await this.deps.store.health();
      checks.push({ name: "database", ok: true, detail: "answers" });
      checks.push({
        name: "migrations",
        ok: schema.applied === schema.expected,
        detail: `database at migration ${schema.applied}, this code expects ${schema.expected}`,
      });
    } catch (error) {
      if (!isStrataError(error) || ERROR_STATUS[error.code] !== 503) throw error;
      checks.push({ name: "database", ok: false, detail: error.message });
    }
    const worker = this.worker();
    if (worker?.running === true) {
      checks.push({
        name: "worker",
        ok: worker.alive,
        detail: worker.alive
          ? `${worker.inFlight} of ${worker.concurrency} slots in use`
          : "the worker loop has not come round lately",
      });
    }
    return { ready: checks.every((check) => check.ok), checks };
  }

  /** Runs in flight and due work, for `/metrics`. */
  async pendingWork(): Promise<PendingWork> {
    const now = this.deps.clock.now();
    const db = this.deps.store.db;
    const [open, due] = await Promise.all([countOpenRuns(db), countDueRuns(db, now.toISOString())]);
    return {
      open,
      due: due.runs,
      oldestDueMs: due.oldest === null ? 0 : Math.max(0, now.getTime() - Date.parse(due.oldest)),
    };
  }

  /** Tasks running in this process now. */
  get tasksInFlight(): number {
    return this.executor.tasksInFlight;
  }
}
