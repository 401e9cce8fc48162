-- Retention (DESIGN.md §10): pruning finished runs without rewriting history. One file for both
-- dialects.

-- Runs pruned, counted by version, kind and status. A version's run counts (history, the
-- console, `drained`, L10's delete check) add these to the runs still stored, so a prune changes
-- none of them; only finished statuses appear, since runs in flight are never pruned. A draft's
-- test runs have no version and no counts, so pruning them tallies nothing. The foreign key
-- keeps a version whose runs were pruned from being deleted (L10: it had runs), as the runs'
-- own foreign key did while they were stored. BIGINT: a busy version outgrows 2^31 runs.
CREATE TABLE run_tallies (
  tenant_id  TEXT NOT NULL,
  version_id TEXT NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('production', 'test')),
  status     TEXT NOT NULL CHECK (status IN ('completed', 'failed', 'cancelled')),
  pruned     BIGINT NOT NULL CHECK (pruned > 0),
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, version_id, kind, status),
  FOREIGN KEY (tenant_id, version_id) REFERENCES versions (tenant_id, id)
);

-- The prune walks a tenant's finished runs, oldest end first, on this index; runs in flight
-- (no ended_at) are not in it, so it only holds what a prune could ever look at.
CREATE INDEX runs_finished ON runs (tenant_id, ended_at, id) WHERE ended_at IS NOT NULL;

-- Which events name a subject, such as a run a migration moved: the prune keeps those runs,
-- and asks this index once per run it looks at.
CREATE INDEX audit_events_by_subject ON audit_events (tenant_id, subject_id)
  WHERE subject_id IS NOT NULL;
