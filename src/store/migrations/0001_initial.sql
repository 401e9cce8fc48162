-- Strata's initial schema. One schema for SQLite and PostgreSQL: portable types only
-- (TEXT timestamps in ISO-8601 UTC, which sort as text; JSON as TEXT; INTEGER counters).
-- Every table is keyed by tenant_id first so the schema can be sharded by tenant.

CREATE TABLE workflows (
  tenant_id   TEXT NOT NULL,
  id          TEXT NOT NULL,
  key         TEXT NOT NULL,
  name        TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('active', 'deactivated')),
  -- The highest version number ever assigned. Numbers are never reused (L3), so this cannot
  -- be derived from the versions that still exist.
  last_number INTEGER NOT NULL DEFAULT 0,
  policy      TEXT NOT NULL DEFAULT '{}',
  created_at  TEXT NOT NULL,
  created_by  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, key)
);

CREATE TABLE versions (
  tenant_id       TEXT NOT NULL,
  id              TEXT NOT NULL,
  workflow_id     TEXT NOT NULL,
  number          INTEGER,
  definition      TEXT NOT NULL,
  hash            TEXT NOT NULL,
  description     TEXT,
  summary         TEXT,
  base_version_id TEXT,
  base_number     INTEGER,
  revision        INTEGER NOT NULL DEFAULT 1,
  created_at      TEXT NOT NULL,
  created_by      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  last_edited_by  TEXT NOT NULL,
  published_at    TEXT,
  retired_at      TEXT,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, workflow_id) REFERENCES workflows (tenant_id, id),
  -- L3: one number per workflow, never two versions with the same number.
  UNIQUE (tenant_id, workflow_id, number),
  -- A draft holds no number; a published version always has one.
  CHECK ((published_at IS NULL AND number IS NULL) OR (published_at IS NOT NULL AND number IS NOT NULL)),
  -- Only published versions retire.
  CHECK (retired_at IS NULL OR published_at IS NOT NULL)
);

-- L1: at most one draft per workflow, enforced by the database as well as the code.
CREATE UNIQUE INDEX versions_one_draft ON versions (tenant_id, workflow_id) WHERE published_at IS NULL;

-- The live route: which version serves new production runs. No row means an empty route.
CREATE TABLE live_routes (
  tenant_id   TEXT NOT NULL,
  workflow_id TEXT NOT NULL,
  version_id  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  PRIMARY KEY (tenant_id, workflow_id),
  FOREIGN KEY (tenant_id, workflow_id) REFERENCES workflows (tenant_id, id),
  FOREIGN KEY (tenant_id, version_id) REFERENCES versions (tenant_id, id)
);

-- Runs, bound to their version for life (L12). The foreign key makes L10 (no delete of a
-- version with runs) hold in the database too. A draft's test runs have no version: they name
-- the draft (`draft_id`, no foreign key) and carry the definition they ran
-- (`draft_definition`), since the draft keeps changing and becomes a version when published.
CREATE TABLE runs (
  tenant_id        TEXT NOT NULL,
  id               TEXT NOT NULL,
  workflow_id      TEXT NOT NULL,
  version_id       TEXT,
  draft_id         TEXT,
  version_number   INTEGER,
  kind             TEXT NOT NULL CHECK (kind IN ('production', 'test')),
  status           TEXT NOT NULL CHECK (status IN ('running', 'waiting', 'completed', 'failed', 'cancelled')),
  input            TEXT NOT NULL,
  output           TEXT,
  error            TEXT,
  -- How the run was routed: {selector, rolloutId?, bucket?, binding?}.
  route            TEXT NOT NULL,
  routing_key      TEXT,
  definition_hash  TEXT NOT NULL,
  draft_definition TEXT,
  -- The interpreter's snapshot (state, current node, what the run waits for) and the trace.
  snapshot         TEXT NOT NULL,
  trace            TEXT NOT NULL,
  -- The signal a waiting run accepts, and when the worker must act next (a task attempt or a
  -- timer); NULL when there is nothing to do until a signal arrives or the run has ended.
  wait_signal      TEXT,
  -- The handler of the pending task: only workers that have it claim the run.
  task_handler     TEXT,
  due_at           TEXT,
  lease_owner      TEXT,
  lease_until      TEXT,
  idempotency_key  TEXT,
  request_hash     TEXT,
  -- Bumped by every update: writers that read a run without locking it (the worker, between
  -- claiming a task and finishing it) update only if nobody changed it meanwhile.
  rev              INTEGER NOT NULL DEFAULT 0,
  created_by       TEXT NOT NULL,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  ended_at         TEXT,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, workflow_id) REFERENCES workflows (tenant_id, id),
  FOREIGN KEY (tenant_id, version_id) REFERENCES versions (tenant_id, id),
  CHECK ((version_id IS NOT NULL AND draft_id IS NULL)
      OR (version_id IS NULL AND draft_id IS NOT NULL AND draft_definition IS NOT NULL AND kind = 'test'))
);
CREATE INDEX runs_of_draft ON runs (tenant_id, draft_id) WHERE draft_id IS NOT NULL;
CREATE INDEX runs_by_version ON runs (tenant_id, version_id, kind, status);
CREATE INDEX runs_by_workflow ON runs (tenant_id, workflow_id, created_at);
CREATE INDEX runs_by_time ON runs (tenant_id, created_at);
-- The worker's claim query walks this index: only runs with something due are in it.
CREATE INDEX runs_due ON runs (due_at) WHERE due_at IS NOT NULL;
CREATE UNIQUE INDEX runs_idempotency ON runs (tenant_id, workflow_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;

-- The audit log: append-only, hash-chained per tenant (L14).
CREATE TABLE audit_events (
  tenant_id   TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  id          TEXT NOT NULL,
  at          TEXT NOT NULL,
  actor       TEXT NOT NULL,
  action      TEXT NOT NULL,
  workflow_id TEXT,
  subject_id  TEXT,
  before      TEXT,
  after       TEXT,
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL,
  PRIMARY KEY (tenant_id, seq),
  UNIQUE (tenant_id, id)
);
CREATE INDEX audit_events_by_workflow ON audit_events (tenant_id, workflow_id, seq);

-- The head of each tenant's chain; appending locks this row, which orders the tenant's events.
CREATE TABLE audit_heads (
  tenant_id TEXT NOT NULL PRIMARY KEY,
  seq       INTEGER NOT NULL,
  hash      TEXT NOT NULL
);

-- API tokens (DESIGN.md §8): a role in a tenant. Only a hash of the secret is stored; the
-- token text is shown once, when it is created. Ids are unique across tenants, since a token
-- names its tenant by itself.
CREATE TABLE tokens (
  tenant_id   TEXT NOT NULL,
  id          TEXT NOT NULL,
  role        TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'editor', 'publisher', 'admin')),
  name        TEXT,
  secret_hash TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  created_by  TEXT NOT NULL,
  revoked_at  TEXT,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (id)
);
