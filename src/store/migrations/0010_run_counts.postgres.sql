-- Run counters (issue 17): how many runs each version has, by rollout arm, kind and status,
-- kept by triggers on `runs` in the transaction that inserts a run or changes its status. The
-- table and its meaning are those of 0010_run_counts.sqlite.sql; what differs is how the
-- triggers are built.
--
-- `slot` is the writing connection's backend pid modulo 16: the connections of a pool (and of
-- several processes) add to different rows of a busy key, so two transactions that start
-- runs of the same version at once do not wait for each other's commit on one counter row.
-- Reads sum the slots.
--
-- The triggers are per statement, with transition tables: a batch of starts (one INSERT of
-- many rows) or of outcomes (one UPDATE … FROM VALUES) updates each counter once, with the
-- batch's total, instead of once per run. PostgreSQL does not allow a column list on a
-- trigger with transition tables, so the update trigger sees every UPDATE of `runs` (claims
-- and lease renewals too) and keeps only the rows whose counted columns changed.
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
CREATE INDEX run_counts_by_rollout ON run_counts (tenant_id, rollout_id) WHERE rollout_id <> '';

CREATE FUNCTION strata_runs_counted_in() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO run_counts (tenant_id, version_id, rollout_id, kind, status, slot, runs)
  SELECT tenant_id, version_id, coalesce(rollout_id, ''), kind, status,
         pg_backend_pid() % 16, count(*)
  FROM counted_new
  WHERE version_id IS NOT NULL
  GROUP BY tenant_id, version_id, coalesce(rollout_id, ''), kind, status
  ORDER BY tenant_id COLLATE "C", version_id COLLATE "C", coalesce(rollout_id, '') COLLATE "C",
    kind COLLATE "C", status COLLATE "C"
  ON CONFLICT (tenant_id, version_id, rollout_id, kind, status, slot)
  DO UPDATE SET runs = run_counts.runs + excluded.runs;
  RETURN NULL;
END;
$$;

CREATE FUNCTION strata_runs_counted_over() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO run_counts (tenant_id, version_id, rollout_id, kind, status, slot, runs)
  SELECT tenant_id, version_id, rollout_id, kind, status, pg_backend_pid() % 16, sum(delta)
  FROM (
    SELECT o.tenant_id, o.version_id, coalesce(o.rollout_id, '') AS rollout_id, o.kind,
           o.status, -1 AS delta
    FROM counted_old o JOIN counted_new n ON n.tenant_id = o.tenant_id AND n.id = o.id
    WHERE o.version_id IS NOT NULL
      AND (o.status, o.version_id, o.rollout_id, o.kind)
          IS DISTINCT FROM (n.status, n.version_id, n.rollout_id, n.kind)
    UNION ALL
    SELECT n.tenant_id, n.version_id, coalesce(n.rollout_id, ''), n.kind, n.status, 1
    FROM counted_old o JOIN counted_new n ON n.tenant_id = o.tenant_id AND n.id = o.id
    WHERE n.version_id IS NOT NULL
      AND (o.status, o.version_id, o.rollout_id, o.kind)
          IS DISTINCT FROM (n.status, n.version_id, n.rollout_id, n.kind)
  ) AS changes
  GROUP BY tenant_id, version_id, rollout_id, kind, status
  HAVING sum(delta) <> 0
  -- Key order, bytewise: every statement locks counter rows in one order, the order the
  -- engine also sorts a batch's runs in before it splits the batch into statements, so two
  -- transactions lock shared counter rows in the same order and do not deadlock (and if
  -- something else makes them, PostgreSQL ends one and the engine runs it again).
  ORDER BY tenant_id COLLATE "C", version_id COLLATE "C", rollout_id COLLATE "C",
    kind COLLATE "C", status COLLATE "C"
  ON CONFLICT (tenant_id, version_id, rollout_id, kind, status, slot)
  DO UPDATE SET runs = run_counts.runs + excluded.runs;
  RETURN NULL;
END;
$$;

CREATE TRIGGER runs_counted_in AFTER INSERT ON runs
  REFERENCING NEW TABLE AS counted_new
  FOR EACH STATEMENT EXECUTE FUNCTION strata_runs_counted_in();
CREATE TRIGGER runs_counted_over AFTER UPDATE ON runs
  REFERENCING OLD TABLE AS counted_old NEW TABLE AS counted_new
  FOR EACH STATEMENT EXECUTE FUNCTION strata_runs_counted_over();

-- The tallies of pruned runs gain the rollout that routed them, as in the SQLite file.
ALTER TABLE run_tallies ADD COLUMN rollout_id TEXT NOT NULL DEFAULT '';
ALTER TABLE run_tallies DROP CONSTRAINT run_tallies_pkey;
ALTER TABLE run_tallies ADD PRIMARY KEY (tenant_id, version_id, rollout_id, kind, status);

-- The backfill. CREATE TRIGGER has locked `runs` against writes until this migration commits,
-- so no run changes between the count and the triggers taking over.
INSERT INTO run_counts (tenant_id, version_id, rollout_id, kind, status, slot, runs)
SELECT tenant_id, version_id, coalesce(rollout_id, ''), kind, status, 0, count(*)
FROM runs
WHERE version_id IS NOT NULL
GROUP BY tenant_id, version_id, coalesce(rollout_id, ''), kind, status;

INSERT INTO run_counts (tenant_id, version_id, rollout_id, kind, status, slot, runs)
SELECT tenant_id, version_id, rollout_id, kind, status, 0, pruned
FROM run_tallies
ON CONFLICT (tenant_id, version_id, rollout_id, kind, status, slot)
DO UPDATE SET runs = run_counts.runs + excluded.runs;

-- Indexes, as in 0010_run_counts.sqlite.sql.
DROP INDEX runs_by_rollout;
DROP INDEX runs_finished;
DROP INDEX runs_by_version;
CREATE INDEX runs_by_version ON runs (tenant_id, version_id, created_at, id);
CREATE INDEX runs_open_by_version ON runs (tenant_id, version_id, status)
  WHERE status IN ('running', 'waiting');
CREATE INDEX runs_of_tests ON runs (tenant_id, workflow_id, created_at, id) WHERE kind = 'test';
