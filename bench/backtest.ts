/**
 * Backtest bench (issue: replay): 100,000 stored runs of the loan decision flow replayed
 * against a changed draft on worker threads (one per core). Reports replays per second (wall
 * time of the whole job: reading the runs, replaying, merging), and the share of the workers'
 * time spent evaluating expressions.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { parseDefinitionText } from "../src/core/definition/parse-definition.js";
import { Strata } from "../src/index.js";
import { report, round } from "./support.js";
import type { BenchDatabase } from "./support.js";

type Json = Record<string, unknown>;
const loan = parseDefinitionText(
  readFileSync(new URL("../examples/loan.yaml", import.meta.url), "utf8"),
) as Json & { nodes: Json };

/** The loan flow deciding at once (large low scores rejected): every run completes inline. */
function decisions(limit: number): Json {
  return {
    ...loan,
    nodes: {
      score: loan.nodes.score,
      route: {
        type: "switch",
        cases: [
          { when: `amount > ${limit} and score < 50`, next: "reject" },
          { when: "applicant.country in ['DE','FR','NL']", next: "approve" },
        ],
        default: "reject",
      },
      approve: loan.nodes.approve,
      reject: loan.nodes.reject,
    },
  };
}

function inputFor(i: number): unknown {
  return {
    amount: 1000 + ((i * 37) % 20_000),
    applicant: {
      id: `a-${i}`,
      income: 20_000 + ((i * 7919) % 80) * 1000,
      age: 20 + (i % 40),
      country: ["DE", "US", "FR"][i % 3] ?? "DE",
    },
  };
}

/** Stores `total` runs, then backtests them against a changed draft. */
export async function benchBacktest(database: BenchDatabase, total: number): Promise<void> {
  const strata = await Strata.open({ database: database.location, actor: "bench" });
  try {
    await strata.workflows.create({ key: "loan", definition: decisions(10_000) });
    await strata.drafts.publish("loan");
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < total) await strata.runs.start("loan", { input: inputFor(next++) });
    };
    await Promise.all(Array.from({ length: 256 }, lane));
    await strata.drafts.open("loan");
    const draft = await strata.drafts.show("loan");
    await strata.drafts.save("loan", { definition: decisions(5_000), revision: draft.revision });
    await new Promise((resolve) => setTimeout(resolve, 5)); // the runs are before the job
    const job = await strata.backtests.create("loan", { target: "draft", limit: total });
    const start = process.hrtime.bigint();
    const done = await strata.backtests.run(job.id, { profile: true });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const timing = done.timing;
    report({
      bench: "backtest",
      db: database.db,
      note: "stored loan runs replayed against a changed draft, worker threads",
      runs: done.report?.total ?? 0,
      changed: done.report?.changed ?? 0,
      threads: timing?.threads ?? availableParallelism(),
      seconds: round(seconds),
      replaysPerSec: round((done.report?.total ?? 0) / seconds),
      expressionShare: timing === undefined ? null : round(timing.expressionNs / timing.busyNs),
      target: 20_000,
    });
  } finally {
    await strata.close();
  }
}
