-- Routing (DESIGN.md §3): staged rollouts on the live route, bindings (named entry points with
-- a selector, optionally subscribed to an event type or a cron schedule), and the columns that
-- let a run be counted per rollout arm and per binding.

-- A rollout moves the live route from `stable` to `candidate` for a share of the traffic, in
-- basis points (percent × 100). At most one is active per workflow (partial unique index);
-- ended ones stay as history. `steps` (JSON, ascending shares still to come) with
-- `step_every_ms` ramp it automatically; `guard` (JSON) aborts it when the candidate fails
-- more than the stable. `next_check_at` is when automation next looks at it (NULL: never).
CREATE TABLE rollouts (
  tenant_id            TEXT NOT NULL,
  id                   TEXT NOT NULL,
  workflow_id          TEXT NOT NULL,
  stable_version_id    TEXT NOT NULL,
  candidate_version_id TEXT NOT NULL,
  share                INTEGER NOT NULL CHECK (share >= 0 AND share <= 10000),
  status               TEXT NOT NULL CHECK (status IN ('active', 'promoted', 'aborted', 'replaced', 'rolled_back')),
  steps                TEXT,
  step_every_ms        INTEGER,
  next_step_at         TEXT,
  guard                TEXT,
  next_check_at        TEXT,
  started_at           TEXT NOT NULL,
  started_by           TEXT NOT NULL,
  updated_at           TEXT NOT NULL,
  ended_at             TEXT,
  ended_by             TEXT,
  end_reason           TEXT,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, workflow_id) REFERENCES workflows (tenant_id, id),
  FOREIGN KEY (tenant_id, stable_version_id) REFERENCES versions (tenant_id, id),
  FOREIGN KEY (tenant_id, candidate_version_id) REFERENCES versions (tenant_id, id),
  CHECK (stable_version_id <> candidate_version_id)
);
CREATE UNIQUE INDEX rollouts_one_active ON rollouts (tenant_id, workflow_id) WHERE status = 'active';
CREATE INDEX rollouts_by_workflow ON rollouts (tenant_id, workflow_id, started_at);
CREATE INDEX rollouts_due ON rollouts (next_check_at) WHERE next_check_at IS NOT NULL;

-- A binding: a tenant-unique name bound to a workflow and a selector (`live`, `latest` or a
-- version number as text). `event_type` subscribes it to events; `cron` fires it on a schedule,
-- `next_fire_at` being the next tick (NULL without a schedule). `input` is what scheduled runs
-- get. Its status (ok or broken, and why) is computed on read, never stored.
CREATE TABLE bindings (
  tenant_id    TEXT NOT NULL,
  id           TEXT NOT NULL,
  name         TEXT NOT NULL,
  workflow_id  TEXT NOT NULL,
  selector     TEXT NOT NULL,
  event_type   TEXT,
  cron         TEXT,
  timezone     TEXT,
  input        TEXT,
  next_fire_at TEXT,
  created_at   TEXT NOT NULL,
  created_by   TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  updated_by   TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, name),
  FOREIGN KEY (tenant_id, workflow_id) REFERENCES workflows (tenant_id, id)
);
CREATE INDEX bindings_by_event ON bindings (tenant_id, event_type) WHERE event_type IS NOT NULL;
CREATE INDEX bindings_by_workflow ON bindings (tenant_id, workflow_id);
CREATE INDEX bindings_due ON bindings (next_fire_at) WHERE next_fire_at IS NOT NULL;

-- Which rollout arm and which binding a run came through (also in its `route` JSON): the
-- rollout guard counts failures per arm with this index.
ALTER TABLE runs ADD COLUMN rollout_id TEXT;
ALTER TABLE runs ADD COLUMN binding_id TEXT;
CREATE INDEX runs_by_rollout ON runs (tenant_id, rollout_id, version_id, status) WHERE rollout_id IS NOT NULL;
