/**
 * Engine benchmarks (issue: execution engine): the loan decision flow started, executed and
 * persisted in-process with many concurrent starts, on SQLite and PostgreSQL, and the same
 * without persistence as the engine's own ceiling. Resuming waiting runs after a restart.
 */
import { readFileSync } from "node:fs";
import { parseDefinitionText } from "../src/core/definition/parse-definition.js";
import { advance, compileDefinition, initialSnapshot } from "../src/core/interpreter/index.js";
import type { Definition } from "../src/core/definition/definition.js";
import { Strata } from "../src/index.js";
import { report, round } from "./support.js";
import type { BenchDatabase } from "./support.js";

/** The loan flow without its review branch: 6 nodes visited at most, 5 expressions. */
const decisionFlow = (() => {
  const loan = parseDefinitionText(
    readFileSync(new URL("../examples/loan.yaml", import.meta.url), "utf8"),
  ) as Definition;
  return loan;
})();

function inputFor(i: number): unknown {
  return {
    amount: 100 + (i % 5000),
    applicant: {
      id: `a-${i}`,
      income: 40_000 + (i % 90) * 1000,
      age: 20 + (i % 50),
      country: i % 3 === 0 ? "US" : "DE",
    },
  };
}

/** The engine alone: compile once, then start and decide runs with no database at all. */
export async function benchCeiling(total: number): Promise<void> {
  const compiled = compileDefinition(decisionFlow);
  const env = (i: number) => ({
    now: new Date(),
    run: { id: `run_${i}`, versionId: "v", versionNumber: 1, kind: "production" as const },
  });
  const start = process.hrtime.bigint();
  const batch = 256;
  for (let i = 0; i < total; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, total - i) }, (_, j) => {
        const input = inputFor(i + j);
        return advance(compiled, initialSnapshot(compiled, input), { type: "start" }, env(i + j));
      }),
    );
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  report({
    bench: "engine.ceiling",
    note: "loan flow decided in memory, no persistence",
    runs: total,
    runsPerSec: round(total / seconds),
    usPerRun: round((seconds * 1e6) / total),
  });
}

/** Runs started, executed and committed per second, `concurrency` starts in flight at once. */
export async function benchPersistedStarts(
  database: BenchDatabase,
  total: number,
  concurrency: number,
): Promise<void> {
  const strata = await Strata.open({ database: database.location, actor: "bench" });
  try {
    await strata.workflows.create({ key: "loan", definition: decisionFlow });
    await strata.drafts.publish("loan");
    await strata.runs.start("loan", { input: inputFor(0) }); // warm the caches
    const start = process.hrtime.bigint();
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < total) {
        const i = next++;
        await strata.runs.start("loan", { input: inputFor(i) });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    report({
      bench: "runs.start",
      db: database.db,
      note: "loan decision flow, persisted, group commit",
      runs: total,
      concurrency,
      runsPerSec: round(total / seconds),
    });
  } finally {
    await strata.close();
  }
}

/** A flow whose runs wait on a short timer, to measure taking over due work after a restart. */
const timerFlow = {
  start: "hold",
  nodes: {
    hold: { type: "wait", timeout: "PT0.5S", onTimeout: "done", next: "done" },
    done: { type: "end", output: { resumed: "true" } },
  },
};

/**
 * Resuming after a restart: `total` runs wait on timers that fall due while no process runs;
 * a fresh process then takes them all over. Reports the time until every run completed and
 * the memory that took (heap and RSS growth of this process).
 */
export async function benchResume(database: BenchDatabase, total: number): Promise<void> {
  const before = await Strata.open({ database: database.location, actor: "bench" });
  await before.workflows.create({ key: "timers", definition: timerFlow });
  await before.drafts.publish("timers");
  await Promise.all(
    Array.from({ length: total }, () => before.runs.start("timers", { input: {} })),
  );
  await before.close();
  await new Promise((resolve) => setTimeout(resolve, 600)); // every timer is now due
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const rss0 = process.memoryUsage().rss;
  const start = process.hrtime.bigint();
  const after = await Strata.open({ database: database.location, actor: "bench" });
  let peakHeap = heap0;
  while ((await after.runDueWork(500)) > 0)
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const left = (await after.runs.list({ status: "waiting", limit: 1 })).items.length;
  await after.close();
  report({
    bench: "runs.resume",
    db: database.db,
    note: "waiting runs whose timers fell due while no process ran, taken over by a fresh one",
    runs: total,
    seconds: round(seconds),
    runsPerSec: round(total / seconds),
    peakHeapGrowthMb: round((peakHeap - heap0) / 1e6),
    rssGrowthMb: round((process.memoryUsage().rss - rss0) / 1e6),
    stillWaiting: left,
  });
}
