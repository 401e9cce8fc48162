/**
 * A backtest worker thread: compiles the target once, then replays batches of stored runs and
 * answers each batch with a partial report (see backtest-pool.ts for the protocol). Replay is
 * pure, so a worker needs no database and performs no effect.
 */
import { parentPort } from "node:worker_threads";
import jsonata from "jsonata";
import type { Definition } from "../core/definition/definition.js";
import { compileDefinition } from "../core/interpreter/compile-definition.js";
import type { CompiledDefinition } from "../core/interpreter/compile-definition.js";
import { inputErrors } from "../core/interpreter/input-errors.js";
import { jsonataMessage } from "../core/interpreter/expressions.js";
import { toJsonValue } from "../core/interpreter/json-value.js";
import type { RunKind } from "../core/model.js";
import { addDrift, addReplay, emptyReport } from "../core/replay/backtest-report.js";
import { compareRuns, replayRun } from "../core/replay/replay-run.js";
import type { RecordedRun, ReplayMocks } from "../core/replay/replay-run.js";
import { instrumentExpressions } from "./expression-timing.js";
import { decodeTrace } from "./run-record.js";
import type { BacktestBatch, BacktestInit, WorkerAnswer } from "./backtest-pool.js";

let target: CompiledDefinition | undefined;
let init: BacktestInit | undefined;
let adapter: jsonata.Expression | undefined;
/** The adapters registered to the target, compiled, by the version they adapt from. */
let registered = new Map<number, jsonata.Expression>();
let timing: { ns: number } | undefined;

parentPort?.on("message", (message: BacktestInit | BacktestBatch) => {
  if (message.type === "init") {
    init = message;
    const compiled = compileDefinition(JSON.parse(message.targetDefinition) as Definition);
    if (message.profile) {
      timing = { ns: 0 };
      target = instrumentExpressions(compiled, timing);
    } else {
      target = compiled;
    }
    adapter = message.adapter === null ? undefined : jsonata(message.adapter);
    registered = new Map(
      Object.entries(message.registeredAdapters).map(([from, text]) => [
        Number(from),
        jsonata(text),
      ]),
    );
    return;
  }
  void replayBatch(message).then(
    (answer) => parentPort?.postMessage(answer),
    (error: unknown) =>
      parentPort?.postMessage({
        type: "error",
        id: message.id,
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      } satisfies WorkerAnswer),
  );
});

async function replayBatch(batch: BacktestBatch): Promise<WorkerAnswer> {
  if (target === undefined || init === undefined) throw new Error("the worker was not initialised");
  const started = process.hrtime.bigint();
  const expressionNsBefore = timing?.ns ?? 0;
  const report = emptyReport();
  const mocks = (init.mocks ?? {}) as ReplayMocks;
  for (const row of batch.runs) {
    const run: RecordedRun = {
      id: row.id,
      kind: row.kind as RunKind,
      input: JSON.parse(row.input) as unknown,
      status: row.status,
      output: row.output === null ? null : (JSON.parse(row.output) as unknown),
      trace: decodeTrace(row.trace, row.createdAt, row.output),
      createdAt: row.createdAt,
    };
    let input = run.input;
    // The job's adapter, else the one registered from the run's version (as replay chooses).
    const adapting =
      adapter ?? (row.versionNumber === null ? undefined : registered.get(row.versionNumber));
    if (adapting !== undefined) {
      try {
        input = toJsonValue(await adapting.evaluate(run.input));
      } catch (error) {
        const reason = jsonataMessage(error);
        addDrift(report, run.id, { path: "/", message: `the adapter failed: ${reason}` });
        continue;
      }
    }
    const errors = inputErrors(target, input);
    if (errors.length > 0) {
      addDrift(report, run.id, errors[0]);
      continue;
    }
    const replay = await replayRun(
      run,
      {
        compiled: target,
        versionId: init.targetVersionId,
        versionNumber: init.targetVersionNumber,
      },
      input,
      mocks,
    );
    addReplay(report, run.id, replay, compareRuns(run, replay));
  }
  return {
    type: "done",
    id: batch.id,
    report,
    busyNs: Number(process.hrtime.bigint() - started),
    expressionNs: (timing?.ns ?? 0) - expressionNsBefore,
  };
}
