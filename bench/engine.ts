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
