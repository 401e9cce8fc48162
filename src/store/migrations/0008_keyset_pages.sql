-- Pages of runs bounded by their cursor (issue 17). A page after the first asks for runs with
-- `(created_at, id) < (?, ?)`, newest first; an index whose columns end in `created_at, id`
-- after the filter's columns lets both databases start the scan at the cursor instead of
-- walking from the newest run. The two indexes that ended in `created_at` alone are replaced
-- (same name, one more column); the third serves the status filter of a workflow's runs
-- (the console's "failed runs", `strata runs list --status`), which had to read every run of
-- the workflow to find a rare status. It holds only runs that did not complete, which are
-- few (over every run it would cost 130 bytes a run on SQLite; a completed run costs
-- nothing); completed runs are most runs, and `runs_by_workflow` finds them at once.
DROP INDEX runs_by_time;
CREATE INDEX runs_by_time ON runs (tenant_id, created_at, id);
DROP INDEX runs_by_workflow;
CREATE INDEX runs_by_workflow ON runs (tenant_id, workflow_id, created_at, id);
CREATE INDEX runs_by_workflow_status ON runs (tenant_id, workflow_id, status, created_at, id)
  WHERE status <> 'completed';
