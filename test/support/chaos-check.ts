/**
 * The chaos test's final checks: the database, after the storm and the drain, held against the
 * plan, the run ids the client was acknowledged with, and the calls the sink received.
 */
import { isDeepStrictEqual } from "node:util";
import { Strata } from "../../src/index.js";
import { decodeTrace } from "../../src/engine/run-record.js";
import { recountRuns } from "../../src/store/run-counts.js";
import { HTTP_ATTEMPTS, expectedOf, taskNodeOf } from "./chaos-plan.js";
import type { ChaosItem, ChaosTraceEntry } from "./chaos-plan.js";
import type { SinkCall } from "./chaos-sink.js";

/** A row of the runs table, as the checks read it. */
interface RunRow {
  id: string;
  idempotency_key: string | null;
  status: string;
  input: string;
  output: string | null;
  error: string | null;
  trace: string;
  lease_owner: string | null;
  created_at: string;
}

/**
 * Holds the database against the plan, the acknowledged run ids and the sink's calls. Returns
 * what is wrong, and how many sink calls repeated an attempt (at least once: allowed) or
 * overlapped another call of the same key.
 */
export async function checkDatabase(
  location: string,
  plan: ChaosItem[],
  acknowledged: Map<string, string>,
  calls: SinkCall[],
): Promise<{ problems: string[]; repeatedCalls: number; concurrentCalls: number }> {
  const problems: string[] = [];
  const strata = await Strata.open({ database: location, actor: "chaos-check" });
  let rows: RunRow[];
  try {
    rows = await strata.store.db
      .selectFrom("runs")
      .select([
        "id",
        "idempotency_key",
        "status",
        "input",
        "output",
        "error",
        "trace",
        "lease_owner",
        "created_at",
      ])
      .execute();
    const audit = await strata.audit.verify();
    if (!audit.ok) problems.push(`the audit chain is broken: ${JSON.stringify(audit)}`);
    const miscounted = await recountRuns(strata.store.db);
    if (miscounted.length > 0)
      problems.push(`the run counters differ from the runs: ${JSON.stringify(miscounted)}`);
  } finally {
    await strata.close();
  }

  // Exactly one run per planned key, and no other run.
  const byKey = new Map<string, RunRow[]>();
  for (const row of rows) {
    const key = row.idempotency_key ?? "(none)";
    byKey.set(key, [...(byKey.get(key) ?? []), row]);
  }
  if (rows.length !== plan.length)
    problems.push(`${rows.length} runs in the database, not ${plan.length}`);
  const planned = new Set(plan.map((item) => item.key));
  for (const [key, found] of byKey) {
    if (!planned.has(key))
      problems.push(`a run nobody started: key ${key}, ${found.length} run(s)`);
    else if (found.length !== 1) problems.push(`key ${key}: ${found.length} runs`);
  }

  const sinkByKey = new Map<string, SinkCall[]>();
  for (const call of calls) sinkByKey.set(call.key, [...(sinkByKey.get(call.key) ?? []), call]);
  const taskKeys = new Set<string>();
  let repeatedCalls = 0;
  for (const item of plan) {
    const row = byKey.get(item.key)?.[0];
    if (row === undefined) {
      problems.push(`key ${item.key} (${item.input.kind}): no run`);
      continue;
    }
    const where = `run ${row.id} (item ${item.item}, ${item.input.kind}/${item.input.mode}, failTimes ${item.input.failTimes})`;
    if (acknowledged.has(item.key) && acknowledged.get(item.key) !== row.id)
      problems.push(`${where}: acknowledged as ${acknowledged.get(item.key)}`);
    if (row.lease_owner !== null) problems.push(`${where}: still leased to ${row.lease_owner}`);

    // As the row stores it (src/engine/run-record.ts), read back the way the engine reads it.
    const trace = decodeTrace(row.trace, row.created_at, row.output) as ChaosTraceEntry[];
    if (trace.some((entry, index) => entry.seq !== index + 1))
      problems.push(`${where}: trace seq ${trace.map((entry) => entry.seq).join(",")}`);
    const node = taskNodeOf(item.input);
    const taskKey = `${row.id}:${node ?? ""}`;
    const failed = trace.filter((entry) => entry.node === node && entry.event === "task_failed");
    const expected = expectedOf(item, taskKey, failed.length);
    const shape = trace.map((entry) => (entry.event ? `${entry.node}:${entry.event}` : entry.node));
    if (row.status !== expected.status) problems.push(`${where}: status ${row.status}`);
    const output = row.output === null ? null : (JSON.parse(row.output) as unknown);
    if (!isDeepStrictEqual(output, expected.output))
      problems.push(`${where}: output ${JSON.stringify(output)}`);
    const error = row.error === null ? null : (JSON.parse(row.error) as { code?: string });
    if (expected.errorCode !== undefined && error?.code !== expected.errorCode)
      problems.push(`${where}: error ${JSON.stringify(error)}`);
    if (!isDeepStrictEqual(shape, expected.trace))
      problems.push(`${where}: trace ${shape.join(" ")}; expected ${expected.trace.join(" ")}`);
    if (node === null) continue;

    // The task: its outcomes in the trace, each backed by the sink's calls under its key.
    taskKeys.add(taskKey);
    const received = sinkByKey.get(taskKey) ?? [];
    const succeeded = trace.filter(
      (entry) => entry.node === node && entry.event === "task_succeeded",
    );
    const attempts = [...failed, ...succeeded].map((entry) => entry.attempt);
    const recorded = attempts.length;
    if (
      !isDeepStrictEqual(
        attempts,
        Array.from({ length: recorded }, (_, i) => i + 1),
      )
    )
      problems.push(`${where}: attempts recorded ${attempts.join(",")}`);
    if (received.length < recorded)
      problems.push(`${where}: ${recorded} outcomes recorded, ${received.length} calls received`);
    if (received.some((call) => call.item !== item.item))
      problems.push(`${where}: a call under its key carried another item`);
    repeatedCalls += Math.max(0, received.length - recorded);
    const { mode, failTimes } = item.input;
    if (mode === "ok" && failed.length > failTimes)
      problems.push(
        `${where}: ${failed.length} failures recorded, the sink fails only ${failTimes}`,
      );
    if (succeeded.length === 1) {
      const result = succeeded[0]?.result;
      if (result?.status !== 200 || result.body?.key !== taskKey)
        problems.push(`${where}: success recorded as ${JSON.stringify(result)}`);
      if (!received.some((call) => call.status === 200))
        problems.push(`${where}: a success recorded, but the sink never answered 200`);
    }
    if (mode === "reject" && failed[0]?.permanent !== true)
      problems.push(`${where}: the 422 was not recorded as permanent`);
    if (mode === "down" && received.length < HTTP_ATTEMPTS)
      problems.push(`${where}: ${received.length} calls for ${HTTP_ATTEMPTS} attempts`);
  }
  for (const key of sinkByKey.keys())
    if (!taskKeys.has(key)) problems.push(`the sink was called with key ${key}, no run's task`);
  const concurrentCalls = calls.filter((call) => call.concurrent > 0).length;
  return { problems, repeatedCalls, concurrentCalls };
}
