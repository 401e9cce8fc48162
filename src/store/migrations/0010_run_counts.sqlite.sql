-- Run counters (issue 17): how many runs each version has, by rollout arm, kind and status,
-- kept by triggers on `runs` in the transaction that inserts a run or changes its status, so
-- the versions list, rollout status and the guard read a few counter rows instead of counting
-- the runs. PostgreSQL has the same in 0010_run_counts.postgres.sql.
--
-- A row per (version, rollout, kind, status, slot). `rollout_id` is '' for a run that no
-- rollout routed. `slot` spreads one key over several rows so that concurrent writers do not
-- queue on one row; SQLite has one writer at a time, so here it is always 0 (PostgreSQL uses
-- the connection's backend). A counter is the sum of its slots; one slot alone can go below
-- zero when a run is counted in by one connection and out by another.
--
-- Counters count every run the version ever had: a prune removes runs but not their counts
-- (it also adds them to `run_tallies`, so a check can recompute the counters as the runs
-- stored plus the tallies, see src/store/run-counts.ts). A draft's test runs have no version
-- and are not counted. No foreign key: a version's counters go when the version is deleted,
-- which L10 allows only when they sum to zero.
CREATE TABLE run_counts (
  tenant_id  TEXT NOT NULL,
  version_id TEXT NOT NULL,
  rollout_id TEXT NOT NULL,
  kind       TEXT NOT NULL,
  status     TEXT NOT NULL,
  slot       INTEGER NOT NULL,
  runs       BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, version_id, rollout_id, kind, status, slot)
);
-- Rollout status and the guard read one rollout's arms.
CREATE INDEX run_counts_by_rollout ON run_counts (tenant_id, rollout_id) WHERE rollout_id <> '';

CREATE TRIGGER runs_counted_in AFTER INSERT ON runs
WHEN NEW.version_id IS NOT NULL
BEGIN
  INSERT INTO run_counts (tenant_id, version_id, rollout_id, kind, status, slot, runs)
  VALUES (NEW.tenant_id, NEW.version_id, coalesce(NEW.rollout_id, ''), NEW.kind, NEW.status, 0, 1)
  ON CONFLICT (tenant_id, version_id, rollout_id, kind, status, slot)
  DO UPDATE SET runs = runs + 1;
END;

-- A change of status (or a migration moving the run to another version): out of the old
-- key, into the new. Most updates of a run (claims, leases, snapshots) change none of these
-- columns and the WHEN clause skips them.
CREATE TRIGGER runs_counted_over AFTER UPDATE OF status, version_id, rollout_id, kind ON runs
WHEN OLD.status IS NOT NEW.status
  OR OLD.version_id IS NOT NEW.version_id
  OR OLD.rollout_id IS NOT NEW.rollout_id
  OR OLD.kind IS NOT NEW.kind
BEGIN
  INSERT INTO run_counts (tenant_id, version_id, rollout_id, kind, status, slot, runs)
  SELECT OLD.tenant_id, OLD.version_id, coalesce(OLD.rollout_id, ''), OLD.kind, OLD.status, 0, -1
  WHERE OLD.version_id IS NOT NULL
  ON CONFLICT (tenant_id, version_id, rollout_id, kind, status, slot)
  DO UPDATE SET runs = runs - 1;
  INSERT INTO run_counts (tenant_id, version_id, rollout_id, kind, status, slot, runs)
  SELECT NEW.tenant_id, NEW.version_id, coalesce(NEW.rollout_id, ''), NEW.kind, NEW.status, 0, 1
  WHERE NEW.version_id IS NOT NULL
  ON CONFLICT (tenant_id, version_id, rollout_id, kind, status, slot)
  DO UPDATE SET runs = runs + 1;
END;

-- The tallies of pruned runs gain the rollout that routed them ('' for none, and for the runs
-- pruned before this migration, whose rollout nobody recorded), so a rollout arm's counters
-- too equal its runs stored plus its runs pruned. SQLite cannot change a primary key in
-- place: the table is rebuilt (it has a row per version, kind and status, not per run).
CREATE TABLE run_tallies_by_rollout (
  tenant_id  TEXT NOT NULL,
  version_id TEXT NOT NULL,
  rollout_id TEXT NOT NULL DEFAULT '',
  kind       TEXT NOT NULL CHECK (kind IN ('production', 'test')),
  status     TEXT NOT NULL CHECK (status IN ('completed', 'failed', 'cancelled')),
  pruned     BIGINT NOT NULL CHECK (pruned > 0),
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, version_id, rollout_id, kind, status),
  FOREIGN KEY (tenant_id, version_id) REFERENCES versions (tenant_id, id)
);
INSERT INTO run_tallies_by_rollout
SELECT tenant_id, version_id, '', kind, status, pruned, updated_at FROM run_tallies;
DROP TABLE run_tallies;
ALTER TABLE run_tallies_by_rollout RENAME TO run_tallies;

-- The runs stored, then the runs pruned.
INSERT INTO run_counts (tenant_id, version_id, rollout_id, kind, status, slot, runs)
SELECT tenant_id, version_id, coalesce(rollout_id, ''), kind, status, 0, count(*)
FROM runs
WHERE version_id IS NOT NULL
GROUP BY tenant_id, version_id, coalesce(rollout_id, ''), kind, status;

INSERT INTO run_counts (tenant_id, version_id, rollout_id, kind, status, slot, runs)
SELECT tenant_id, version_id, rollout_id, kind, status, 0, pruned
FROM run_tallies
WHERE true
ON CONFLICT (tenant_id, version_id, rollout_id, kind, status, slot)
DO UPDATE SET runs = runs + excluded.runs;

-- Indexes. `runs_by_rollout` served only the guard's counts, which counters replace.
-- `runs_finished (tenant_id, ended_at, id)` served only the prune, which now walks
-- `runs_by_time` (a run that ended before the cutoff was created before it; see
-- src/store/queries/prune-runs.ts): 83 bytes a run on SQLite saved.
-- `runs_by_version (tenant_id, version_id, kind, status)` served the version counts and the
-- runs in flight on a version; it gives way to one that pages a version's runs (the runs
-- list's `--version` filter, a backtest's source version), ending in `created_at, id` like the
-- other pages, and to a partial index of the runs in flight on a version (draining, retiring,
-- migrating runs), which costs nothing for a finished run. An index that begins with
-- `(tenant_id, version_id)` and holds every run must stay: the foreign key from `runs` to
-- `versions` looks a version's runs up through it whenever a version or a draft is deleted,
-- and without it each delete reads every run of the tenant.
-- `runs_of_tests` pages a workflow's test runs (`--kind test`, the console's test runs): they
-- are few among its production runs, which `runs_by_workflow` would walk to find them; it
-- costs nothing for a production run.
DROP INDEX runs_by_rollout;
DROP INDEX runs_finished;
DROP INDEX runs_by_version;
CREATE INDEX runs_by_version ON runs (tenant_id, version_id, created_at, id);
CREATE INDEX runs_open_by_version ON runs (tenant_id, version_id, status)
  WHERE status IN ('running', 'waiting');
CREATE INDEX runs_of_tests ON runs (tenant_id, workflow_id, created_at, id) WHERE kind = 'test';
