-- Replay, backtests and migrations of waiting runs (DESIGN.md §5). A workflow's
-- compatibility mode (L7) lives in its `policy` JSON, which 0001 already has.

-- Input adapters registered for a pair of versions: a JSONata expression that turns an input
-- of `from` into one `to` accepts, used by replays and backtests of `from`'s runs through `to`.
CREATE TABLE input_adapters (
  tenant_id    TEXT NOT NULL,
  workflow_id  TEXT NOT NULL,
  from_number  INTEGER NOT NULL,
  to_number    INTEGER NOT NULL,
  expression   TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  created_by   TEXT NOT NULL,
  PRIMARY KEY (tenant_id, workflow_id, from_number, to_number),
  FOREIGN KEY (tenant_id, workflow_id) REFERENCES workflows (tenant_id, id)
);

-- Backtests: stored jobs that replay many past runs through a target and keep the report.
-- A worker claims a queued one with a lease; `cancel_requested` asks it to stop.
CREATE TABLE backtests (
  tenant_id         TEXT NOT NULL,
  id                TEXT NOT NULL,
  workflow_id       TEXT NOT NULL,
  -- The target: a version number as text, or `draft` (its definition is copied at creation,
  -- so the report stays reproducible whatever happens to the draft).
  target            TEXT NOT NULL,
  target_version_id TEXT,
  target_definition TEXT NOT NULL,
  -- Which runs: production runs of the workflow created at or after `since`, of one version
  -- when `source_number` is set, newest `run_limit` at most.
  source_number     INTEGER,
  since             TEXT,
  run_limit         INTEGER NOT NULL,
  adapter           TEXT,
  mocks             TEXT,
  status            TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
  cancel_requested  INTEGER NOT NULL DEFAULT 0,
  total             INTEGER,
  done              INTEGER NOT NULL DEFAULT 0,
  report            TEXT,
  error             TEXT,
  lease_owner       TEXT,
  lease_until       TEXT,
  created_at        TEXT NOT NULL,
  created_by        TEXT NOT NULL,
  started_at        TEXT,
  finished_at       TEXT,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, workflow_id) REFERENCES workflows (tenant_id, id)
);
CREATE INDEX backtests_by_workflow ON backtests (tenant_id, workflow_id, created_at);
CREATE INDEX backtests_queued ON backtests (created_at) WHERE status IN ('queued', 'running');

-- Moves of a waiting run from one version to another (JSON array), recorded on the run.
ALTER TABLE runs ADD COLUMN migrations TEXT;
