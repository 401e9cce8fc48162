/**
 * The objects of DESIGN.md §1 as the library, the API and the CLI show them. Field names are
 * part of the public contract (DESIGN.md §7): scripts and other tools rely on them.
 */

/** A version's state, computed from `publishedAt` and `retiredAt`, never stored. */
export type VersionState = "draft" | "published" | "retired";

/** Whether a workflow accepts new production runs. */
export type WorkflowStatus = "active" | "deactivated";

/** Whether a run counts as production or is a test (DESIGN.md L13). */
export type RunKind = "production" | "test";

/** Where a run is in its life. `running` and `waiting` are in flight. */
export type RunStatus = "running" | "waiting" | "completed" | "failed" | "cancelled";

/** The statuses of a run still in flight. */
export const OPEN_RUN_STATUSES: readonly RunStatus[] = ["running", "waiting"];

/** Who does something, in which tenant. Every change is attributed to an actor. */
export interface Actor {
  tenantId: string;
  /**
   * Who, by name: a token's `name`, `token:<id>` for a token without one, the local user (the
   * CLI's local mode), or a system component such as `guard`.
   */
  actor: string;
  /** The token the actor spoke with, when a token was used (the server's callers). */
  actorTokenId?: string | null;
}

/** Who a change is attributed to, without the tenant (the audit log's `actor` and token). */
export type Attribution = Pick<Actor, "actor" | "actorTokenId">;

/** A named, tenant-owned workflow. */
export interface Workflow {
  id: string;
  key: string;
  name: string;
  status: WorkflowStatus;
  /** The number of the version on the live route, or null when the route is empty. */
  liveVersion: number | null;
  /** LATEST: the highest published, non-retired version number, computed on read. */
  latestVersion: number | null;
  /** The revision of the open draft, or null when there is none. */
  draftRevision: number | null;
  /**
   * What publishes must keep: the input-schema compatibility mode, and whether they need
   * reviewers' approvals of the published revision first (ADR 0015).
   */
  policy: {
    compatibility: "backward" | "forward" | "full" | "none";
    review: { required: boolean; approvals: number };
  };
  createdAt: string;
  createdBy: string;
  updatedAt: string;
}

/** Run counts of one version, by kind and then by status (only non-zero statuses appear). */
export type RunCounts = Record<RunKind, Partial<Record<RunStatus, number>>>;

/** What a reviewer decided about a draft's revision (ADR 0015). */
export type ReviewDecision = "request" | "approve" | "reject";

/** One review of a draft: a request for review, an approval or a rejection of one revision. */
export interface Review {
  id: string;
  workflowId: string;
  /** The draft reviewed (the version's id once it is published). */
  versionId: string;
  /** The draft revision the decision is about. */
  revision: number;
  decision: ReviewDecision;
  /** Who, by name (see {@link Actor}), and the token they used. */
  actor: string;
  actorTokenId: string | null;
  note: string | null;
  at: string;
  /** Its place among the draft's reviews (the order they were given in). */
  seq: number;
  /** True when the draft has moved on since: an approval of an older revision counts no more. */
  stale: boolean;
}

/** An approval as a published version records it. */
export interface Approval {
  actor: string;
  at: string;
  note: string | null;
}

/**
 * Where the draft's review stands under the workflow's policy: whether a publish of its
 * current revision would be let through, and if not, why (the error it would get).
 */
export interface ReviewState {
  /** Whether the policy requires approvals before publishing. */
  required: boolean;
  /** How many approvals of the current revision it requires. */
  approvals: number;
  /** The revision reviews must name to count. */
  revision: number;
  /** The approvals of the current revision that count (one per person, the latest). */
  approvedBy: Approval[];
  /** Rejections of the current revision: each blocks a publish that needs review. */
  rejectedBy: Approval[];
  /** Approvals of earlier revisions, which a save made stale. */
  staleApprovals: number;
  /** Who edited the draft since it was opened: none of them may approve it. */
  editors: string[];
  /** Whether a publish now would pass the review gate. */
  publishable: boolean;
  /** Why it would not: `approval_required` or `approval_stale`, and what to do. */
  blocked: { code: "approval_required" | "approval_stale"; message: string } | null;
}

/** One snapshot of a workflow's definition. */
export interface Version {
  id: string;
  workflowId: string;
  /** Null while the version is a draft: numbers are assigned at publish. */
  number: number | null;
  state: VersionState;
  /** Whether new production runs are routed to this version. */
  live: boolean;
  definition: unknown;
  /** `sha256:` of the canonical definition. */
  hash: string;
  description: string | null;
  summary: string | null;
  /** The number of the version this one was opened from ("restored from vK"), if any. */
  baseVersion: number | null;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  lastEditedBy: string;
  publishedAt: string | null;
  retiredAt: string | null;
  runCounts: RunCounts;
  /** Runs still in flight on this version. */
  openRuns: number;
  /** True when no run is in flight: a retired, drained version can go without harm. */
  drained: boolean;
  /** The approvals its publish consumed (empty for a draft, and when nobody approved). */
  approvedBy: Approval[];
}

/** What retiring or deleting a version would do (`version retire|delete --dry-run`). */
export interface VersionImpact {
  workflowId: string;
  version: number;
  state: VersionState;
  live: boolean;
  /** Whether each action is allowed now, and the error it would give if not. */
  retire: { allowed: boolean; refusal: { code: string; message: string } | null };
  delete: { allowed: boolean; refusal: { code: string; message: string } | null };
  /** Bindings retiring it would affect: pinned ones break; `latest` ones move (or break). */
  bindings: Array<{
    name: string;
    selector: "latest" | number;
    effect: "breaks" | "moves";
    /** The code runs through it would get once broken. */
    code: string | null;
    /** For `latest`: the version it would resolve to instead. */
    movesTo: number | null;
  }>;
  /** Runs still in flight on the version (they finish on it whatever happens). */
  openRuns: number;
  /** The first 100 of them. */
  openRunIds: string[];
}

/** A validation problem, reported with its node and field. */
export interface DefinitionProblemView {
  path: string;
  node?: string;
  field?: string;
  code: string;
  message: string;
}

/** The workflow's one draft: a version without a number, plus editing metadata. */
export interface Draft extends Version {
  /** Bumped by every save; a save or publish must name the revision it edits. */
  revision: number;
  /** The number the draft will get when published. */
  nextNumber: number;
  /** Validation problems; a draft may be invalid while it is edited (L5). */
  problems: DefinitionProblemView[];
  /** Where its review stands (ADR 0015). */
  review: ReviewState;
}

/** How a run was routed to its version (DESIGN.md §3, L12). */
export interface RunRoute {
  /** What the start asked for: `live`, `latest`, a number as text, or `draft`. */
  selector: string;
  /** The rollout in progress when the run started on the live route. */
  rolloutId?: string;
  /** The run's bucket in that rollout (0–9999): candidate when below the share. */
  bucket?: number;
  /** Which side of the rollout the bucket chose. */
  arm?: "stable" | "candidate";
  /** The binding the run came through (its name). */
  binding?: string;
}

/** Where a rollout stands: running, or how it ended. */
export type RolloutStatus = "active" | "promoted" | "aborted" | "replaced" | "rolled_back";

/** A staged move of the live route from one version to another (DESIGN.md §3). */
export interface Rollout {
  id: string;
  workflowId: string;
  status: RolloutStatus;
  stableVersion: number;
  candidateVersion: number;
  /**
   * The candidate's share of new production runs now, in percent (two decimals at most): once
   * the rollout ended, 100 if it was promoted and 0 otherwise.
   */
  percent: number;
  /** The candidate's share when the rollout ended (null while it runs). */
  endedAtPercent: number | null;
  /** Percentages the rollout still ramps to by itself, ascending (100: promote). */
  steps: number[];
  /** The interval between automatic steps, in milliseconds, if it ramps by itself. */
  stepEveryMs: number | null;
  /** When the next automatic step is due, if any. */
  nextStepAt: string | null;
  /** The guard, if any: abort by itself when the candidate fails more than the stable. */
  guard: {
    maxFailureRateIncrease: number;
    minRuns: number;
    everyMs: number;
  } | null;
  startedAt: string;
  startedBy: string;
  updatedAt: string;
  endedAt: string | null;
  /** Who ended it: a person or token, or `guard` / `schedule` for automatic ends. */
  endedBy: string | null;
  endReason: string | null;
}

/** A rollout with the figures of its two arms since it started (production runs). */
export interface RolloutStatusReport extends Rollout {
  arms: Record<
    "stable" | "candidate",
    {
      version: number;
      runs: number;
      open: number;
      completed: number;
      failed: number;
      /** Failed among finished (completed + failed), in percent. */
      failureRate: number;
    }
  >;
  /** What the guard would conclude now, when there is a guard. */
  guardVerdict: { verdict: "waiting" | "ok" | "tripped"; explanation: string } | null;
}

/** A workflow's live route as new production runs see it (`GET /{wf}/route`). */
export interface LiveRoute {
  workflowId: string;
  workflowKey: string;
  status: WorkflowStatus;
  /** The version on the live route (the stable side during a rollout), or null. */
  liveVersion: number | null;
  /** LATEST: the highest published, non-retired version, or null. */
  latestVersion: number | null;
  /** The rollout in progress, with its figures, or null. */
  rollout: RolloutStatusReport | null;
}

/** What a binding selects: the live route, LATEST, or a pinned version number. */
export type BindingSelector = "live" | "latest" | number;

/** A named entry point bound to a workflow and a selector (DESIGN.md §3). */
export interface Binding {
  id: string;
  name: string;
  workflowId: string;
  /** The workflow's key, for display. */
  workflowKey: string;
  selector: BindingSelector;
  /** The event type it is subscribed to, if any. */
  event: string | null;
  /** Its cron schedule, if any, and the time zone the schedule is read in. */
  cron: string | null;
  timezone: string | null;
  /** The input of scheduled runs. */
  input: unknown;
  /** The next scheduled run, if it has a schedule. */
  nextFireAt: string | null;
  /** `broken` when a run through it would be refused now; computed on read. */
  status: "ok" | "broken";
  /** Why it is broken: the error code a run would get, and what to do (the first of `problems`). */
  problem: { code: string; message: string } | null;
  /** Every reason it is broken, in the order a run start meets them (empty when `ok`). */
  problems: Array<{ code: string; message: string }>;
  /** The version a run would get now (for `live` during a rollout: the stable one). */
  resolvedVersion: number | null;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}

/** Why a run failed or was cancelled: data, not an exception. */
export interface RunError {
  code: string;
  message: string;
  node?: string;
  details?: unknown;
}

/** One execution of one version, bound to it for life. */
export interface Run {
  id: string;
  workflowId: string;
  versionId: string;
  /** Null for a run of the draft. */
  versionNumber: number | null;
  kind: RunKind;
  status: RunStatus;
  input: unknown;
  output: unknown;
  error: RunError | null;
  route: RunRoute;
  routingKey: string | null;
  /** What a waiting run waits for; null otherwise. */
  waitingFor: { signal?: string; deadline?: string } | null;
  /** A running run's next task, with its attempt; null otherwise. */
  pendingTask: { node: string; handler: string; attempt: number; notBefore?: string } | null;
  /** Every step, in order (see the interpreter's TraceEntry). */
  trace: unknown[];
  /** Moves of this waiting run to another version (migrations), oldest first. */
  migrations: RunMigration[];
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  endedAt: string | null;
}

/** A run moved from one version to another while it waited (DESIGN.md §5). */
export interface RunMigration {
  fromVersion: number;
  toVersion: number;
  fromNode: string;
  toNode: string;
  at: string;
  by: string;
}

/** One append-only, hash-chained record of a change. */
export interface AuditEvent {
  id: string;
  /** Position in the tenant's chain: 1, 2, 3… */
  seq: number;
  at: string;
  /** Who, by name (see {@link Actor}). */
  actor: string;
  /** The token the actor spoke with, or null (local mode, the system's own actors). */
  actorTokenId: string | null;
  /** What happened, as `object.verb`, for example `version.published`. */
  action: string;
  workflowId: string | null;
  subjectId: string | null;
  before: unknown;
  after: unknown;
  prevHash: string;
  hash: string;
}
