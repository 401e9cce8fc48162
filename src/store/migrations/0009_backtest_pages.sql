-- Pages of a workflow's backtests bounded by their cursor (issue 17). The list is newest first
-- by id (time-ordered) and a page after the first asks for `id < ?`; the index of a workflow's
-- backtests ended in `created_at`, so such a page read every backtest of the workflow and
-- sorted them. It now ends in `id` (same name). Without the workflow filter the primary key
-- (tenant_id, id) already serves.
DROP INDEX backtests_by_workflow;
CREATE INDEX backtests_by_workflow ON backtests (tenant_id, workflow_id, id);
