/**
 * Kysely's view of the tables in `migrations/`. Column names are the SQL ones (snake_case);
 * rows are mapped to the public camelCase objects in the store's row mappers.
 */
import type { ColumnType, Generated } from "kysely";
import type { Role } from "../core/roles.js";

/** `workflows`: one row per workflow. */
export interface WorkflowsTable {
  tenant_id: string;
  id: string;
  key: string;
  name: string;
  status: "active" | "deactivated";
  last_number: Generated<number>;
  policy: Generated<string>;
  created_at: string;
  created_by: string;
  updated_at: string;
}

/** `versions`: drafts (no number, no publishedAt) and published or retired versions. */
export interface VersionsTable {
  tenant_id: string;
  id: string;
  workflow_id: string;
  number: number | null;
  definition: string;
  hash: string;
  description: string | null;
  summary: string | null;
  base_version_id: string | null;
  base_number: number | null;
  revision: Generated<number>;
  created_at: string;
  created_by: string;
  updated_at: string;
  last_edited_by: string;
  published_at: string | null;
  retired_at: string | null;
  /** JSON array of the actors who edited the draft since it was opened (0011_reviews). */
  editors: string | null;
  /** JSON array of the approvals its publish consumed, `[{actor, at, note}]` (0011_reviews). */
  approved_by: string | null;
}

/** `reviews`: one decision about one revision of a draft (0011_reviews, ADR 0015). */
export interface ReviewsTable {
  tenant_id: string;
  id: string;
  workflow_id: string;
  version_id: string;
  /** Its place among the draft's reviews, given under the draft's lock. */
  seq: number;
  revision: number;
  decision: "request" | "approve" | "reject";
  actor: string;
  actor_token_id: string | null;
  note: string | null;
  at: string;
}

/** `live_routes`: the version serving new production runs; no row is an empty route. */
export interface LiveRoutesTable {
  tenant_id: string;
  workflow_id: string;
  version_id: string;
  updated_at: string;
}

/** `runs`: executions bound to their version. */
export interface RunsTable {
  tenant_id: string;
  id: string;
  workflow_id: string;
  version_id: string | null;
  draft_id: string | null;
  version_number: number | null;
  kind: "production" | "test";
  status: "running" | "waiting" | "completed" | "failed" | "cancelled";
  input: string;
  output: string | null;
  error: string | null;
  /** JSON, without `rolloutId` (see `rollout_id`) or a `live` selector: `decodeRoute`. */
  route: string;
  routing_key: string | null;
  /** A draft run's definition hash; '' for a version's run (since issue 17: its version's). */
  definition_hash: string;
  draft_definition: string | null;
  /** The interpreter's snapshot; `{}` once the interpreter ended the run (completed, failed). */
  snapshot: string;
  /** JSON entries without what the row tells (`seq`, `at`, the end's output): `decodeTrace`. */
  trace: string;
  wait_signal: string | null;
  task_handler: string | null;
  due_at: string | null;
  lease_owner: string | null;
  lease_until: string | null;
  idempotency_key: string | null;
  request_hash: string | null;
  rev: Generated<number>;
  created_by: string;
  created_at: string;
  updated_at: string;
  ended_at: string | null;
  /** The rollout that routed the run, if any (its counters are kept per arm by it). */
  rollout_id: string | null;
  /** The binding the run came through, if any. */
  binding_id: string | null;
  /** JSON: the moves of this run to other versions (migrations), oldest first. */
  migrations: string | null;
}

/**
 * `run_tallies`: how many runs of a version were pruned, by rollout, kind and (finished)
 * status: with the runs left, what the run counters must add up to (`recountRuns`). `pruned`
 * is a BIGINT, which pg reads as text.
 */
export interface RunTalliesTable {
  tenant_id: string;
  version_id: string;
  /** The rollout that routed the runs, '' for none (and for runs pruned before 0010). */
  rollout_id: string;
  kind: "production" | "test";
  status: "completed" | "failed" | "cancelled";
  pruned: ColumnType<number | string, number, number>;
  updated_at: string;
}

/**
 * `run_counts`: every run a version ever had, by rollout ('' for none), kind and status, kept
 * by triggers on `runs` (migration 0010). A count is the sum of its key's slots.
 */
export interface RunCountsTable {
  tenant_id: string;
  version_id: string;
  rollout_id: string;
  kind: "production" | "test";
  status: "running" | "waiting" | "completed" | "failed" | "cancelled";
  slot: number;
  runs: ColumnType<number | string, number, number>;
}

/** `input_adapters`: JSONata from one version's input to another's, for replay. */
export interface InputAdaptersTable {
  tenant_id: string;
  workflow_id: string;
  from_number: number;
  to_number: number;
  expression: string;
  created_at: string;
  created_by: string;
}

/** `backtests`: stored replay jobs and their reports. */
export interface BacktestsTable {
  tenant_id: string;
  id: string;
  workflow_id: string;
  target: string;
  target_version_id: string | null;
  target_definition: string;
  source_number: number | null;
  since: string | null;
  run_limit: number;
  adapter: string | null;
  mocks: string | null;
  status: "queued" | "running" | "completed" | "failed" | "cancelled";
  cancel_requested: Generated<number>;
  total: number | null;
  done: Generated<number>;
  report: string | null;
  error: string | null;
  lease_owner: string | null;
  lease_until: string | null;
  created_at: string;
  created_by: string;
  started_at: string | null;
  finished_at: string | null;
}

/** `rollouts`: staged moves of the live route; one active per workflow, the rest history. */
export interface RolloutsTable {
  tenant_id: string;
  id: string;
  workflow_id: string;
  stable_version_id: string;
  candidate_version_id: string;
  /** The candidate's share of the traffic in basis points (percent × 100). */
  share: number;
  status: "active" | "promoted" | "aborted" | "replaced" | "rolled_back";
  /** JSON: the shares still to come, ascending. */
  steps: string | null;
  step_every_ms: number | null;
  next_step_at: string | null;
  /** JSON: the guard (see core/routing/guard.ts). */
  guard: string | null;
  next_check_at: string | null;
  started_at: string;
  started_by: string;
  updated_at: string;
  ended_at: string | null;
  ended_by: string | null;
  end_reason: string | null;
}

/** `bindings`: named entry points with a selector, an event type, a schedule. */
export interface BindingsTable {
  tenant_id: string;
  id: string;
  name: string;
  workflow_id: string;
  /** `live`, `latest`, or a version number as text. */
  selector: string;
  event_type: string | null;
  cron: string | null;
  timezone: string | null;
  /** JSON: the input of scheduled runs. */
  input: string | null;
  next_fire_at: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
}

/** `audit_events`: the append-only, hash-chained log. */
export interface AuditEventsTable {
  tenant_id: string;
  seq: number;
  id: string;
  at: string;
  actor: string;
  action: string;
  workflow_id: string | null;
  subject_id: string | null;
  before: string | null;
  after: string | null;
  prev_hash: string;
  hash: string;
  /** The token the actor spoke with (0011_reviews); null for local and system actors. */
  actor_token_id: string | null;
}

/** `audit_heads`: the last event of each tenant's chain. */
export interface AuditHeadsTable {
  tenant_id: string;
  seq: number;
  hash: string;
}

/** `tokens`: API credentials, stored hashed. */
export interface TokensTable {
  tenant_id: string;
  id: string;
  role: Role;
  name: string | null;
  secret_hash: string;
  created_at: string;
  created_by: string;
  revoked_at: string | null;
  /** 1 for the server's token, which may create tokens in other tenants (0012, ADR 0016). */
  server: Generated<number>;
}

/** A process running the worker loop, as its heartbeat last wrote it (0006_workers.sql). */
export interface WorkersTable {
  id: string;
  host: string;
  pid: number;
  kind: string;
  /** JSON array of handler names. */
  handlers: string;
  concurrency: number;
  in_flight: number;
  lease_ms: number;
  heartbeat_ms: number;
  started_at: string;
  heartbeat_at: string;
}

/** Every table, as Kysely sees the database. */
export interface StrataSchema {
  workflows: WorkflowsTable;
  versions: VersionsTable;
  live_routes: LiveRoutesTable;
  runs: RunsTable;
  run_tallies: RunTalliesTable;
  run_counts: RunCountsTable;
  audit_events: AuditEventsTable;
  audit_heads: AuditHeadsTable;
  reviews: ReviewsTable;
  tokens: TokensTable;
  rollouts: RolloutsTable;
  bindings: BindingsTable;
  input_adapters: InputAdaptersTable;
  backtests: BacktestsTable;
  workers: WorkersTable;
}
