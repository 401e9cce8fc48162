-- Operations (issue 16): the processes that run the worker loop, and an index of runs in
-- flight.

-- One row per process with a worker loop, written by its heartbeat and deleted when it
-- stops; `strata worker list` and GET /v1/workers read it. Processes serve every tenant, so
-- this table has no tenant: it describes the fleet, not anybody's data.
CREATE TABLE workers (
  id           TEXT NOT NULL PRIMARY KEY,
  host         TEXT NOT NULL,
  pid          INTEGER NOT NULL,
  -- What started the loop: `serve`, `worker` or `library` (an application's own process).
  kind         TEXT NOT NULL,
  -- The task handlers this process runs, as a JSON array of names.
  handlers     TEXT NOT NULL,
  concurrency  INTEGER NOT NULL,
  in_flight    INTEGER NOT NULL,
  lease_ms     INTEGER NOT NULL,
  heartbeat_ms INTEGER NOT NULL,
  started_at   TEXT NOT NULL,
  heartbeat_at TEXT NOT NULL
);

-- Runs in flight (running or waiting) by tenant and status: the runs-waiting gauge and the
-- retention sweep read it, and it holds only open runs, so it stays as small as the work in
-- progress however many finished runs the table keeps.
CREATE INDEX runs_open ON runs (tenant_id, status) WHERE status IN ('running', 'waiting');
