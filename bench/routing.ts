/**
 * Routing benchmarks (issue: routing): resolving a selector and starting a run should cost the
 * same with 1 and with 5,000 versions of a workflow, and the same with and without a rollout
 * in progress. Each case starts persisted runs of the loan flow, 64 in flight; the cases are
 * interleaved over several rounds and the median round is reported, so the database growing
 * during the bench does not favour one case.
 */
import { readFileSync } from "node:fs";
import { parseDefinitionText } from "../src/core/definition/parse-definition.js";
import { newId } from "../src/core/ids.js";
import { Strata } from "../src/index.js";
import type { StartRunInput } from "../src/index.js";
import { percentiles, report, round } from "./support.js";
import type { BenchDatabase } from "./support.js";

const loan = parseDefinitionText(
  readFileSync(new URL("../examples/loan.yaml", import.meta.url), "utf8"),
) as Record<string, unknown> & { nodes: Record<string, unknown> };

/** The loan flow with a different review threshold: a distinct version. */
function variant(limit: number): unknown {
  const route = loan.nodes.route as { cases: Array<{ when: string; next: string }> };
  return {
    ...loan,
    nodes: {
      ...loan.nodes,
      route: {
        ...route,
        cases: route.cases.map((c, i) =>
          i === 0 ? { ...c, when: `amount > ${limit} and score < 50` } : c,
        ),
      },
    },
  };
}

function inputFor(i: number): unknown {
  return {
    amount: 100 + (i % 5000),
    applicant: { id: `a-${i}`, income: 90_000, age: 20 + (i % 50), country: "DE" },
  };
}

/** One measured case: which workflow, which selector, in which state. */
interface Case {
  name: string;
  workflow: string;
  request: (i: number) => StartRunInput;
}

/**
 * Adds `count` published versions to workflow `key` straight in the database (publishing them
 * one by one through the API would take minutes), numbered after its last one, then publishes
 * one more through the API so the live route and LATEST are the newest.
 */
async function growHistory(strata: Strata, key: string, count: number): Promise<void> {
  const workflow = await strata.workflows.show(key);
  const first = await strata.versions.show(key, 1);
  const db = strata.store.db;
  const tenantId = strata.context.tenantId;
  const base = await db
    .selectFrom("versions")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("id", "=", first.id)
    .executeTakeFirstOrThrow();
  await strata.store.transaction(async (trx) => {
    for (let offset = 0; offset < count; offset += 500) {
      const rows = Array.from({ length: Math.min(500, count - offset) }, (_, j) => ({
        ...base,
        id: newId("wflv"),
        number: 2 + offset + j,
        revision: 1,
      }));
      await trx.insertInto("versions").values(rows).execute();
    }
    await trx
      .updateTable("workflows")
      .set({ last_number: 1 + count })
      .where("tenant_id", "=", tenantId)
      .where("id", "=", workflow.id)
      .execute();
  });
  await strata.drafts.open(key);
  const draft = await strata.drafts.show(key);
  await strata.drafts.save(key, { definition: variant(20_000), revision: draft.revision });
  await strata.drafts.publish(key);
}

/** Starts `total` runs, `concurrency` in flight; returns runs per second and latencies. */
async function measure(
  strata: Strata,
  target: Case,
  total: number,
  concurrency: number,
  offset: number,
): Promise<{ runsPerSec: number; p50Ms: number; p99Ms: number; cpuUsPerRun: number }> {
  const samples: bigint[] = [];
  let next = 0;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const lane = async (): Promise<void> => {
    while (next < total) {
      const i = offset + next++;
      const t0 = process.hrtime.bigint();
      await strata.runs.start(target.workflow, target.request(i));
      samples.push(process.hrtime.bigint() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return {
    runsPerSec: total / seconds,
    ...percentiles(samples),
    cpuUsPerRun: (used.user + used.system) / total,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Selector resolution and run start with 1 vs 5,000 versions, with and without a rollout. */
export async function benchSelectors(
  database: BenchDatabase,
  runsPerCase: number,
  versions = 5_000,
): Promise<void> {
  const strata = await Strata.open({ database: database.location, actor: "bench" });
  try {
    await strata.workflows.create({ key: "one", definition: loan });
    await strata.drafts.publish("one");
    await strata.workflows.create({ key: "many", definition: loan });
    await strata.drafts.publish("many");
    await growHistory(strata, "many", versions - 2);
    // The same history, with a rollout of the previous version at 50% on the live route.
    await strata.workflows.create({ key: "rolling", definition: loan });
    await strata.drafts.publish("rolling");
    await growHistory(strata, "rolling", versions - 2);
    await strata.rollouts.start("rolling", { to: versions - 1, percent: 50 });

    const live = (workflow: string): Case => ({
      name: `${workflow}.live`,
      workflow,
      request: (i) => ({ input: inputFor(i) }),
    });
    const cases: Case[] = [
      live("one"),
      live("many"),
      {
        name: "many.latest",
        workflow: "many",
        request: (i) => ({ input: inputFor(i), version: "latest" }),
      },
      {
        name: "many.pinned",
        workflow: "many",
        request: (i) => ({ input: inputFor(i), version: Math.floor(versions / 2) }),
      },
      live("rolling"),
    ];
    for (const c of cases) await measure(strata, c, 200, 16, 0); // warm caches and plans
    const rounds = 5;
    const results = new Map<
      string,
      Array<{ runsPerSec: number; p50Ms: number; p99Ms: number; cpuUsPerRun: number }>
    >();
    for (let round = 0; round < rounds; round++) {
      for (const c of cases) {
        const result = await measure(strata, c, runsPerCase, 64, (round + 1) * runsPerCase);
        results.set(c.name, [...(results.get(c.name) ?? []), result]);
      }
    }
    const figure = (name: string) => {
      const rows = results.get(name) ?? [];
      return {
        runsPerSec: round(median(rows.map((r) => r.runsPerSec))),
        p50Ms: round(median(rows.map((r) => r.p50Ms))),
        p99Ms: round(median(rows.map((r) => r.p99Ms))),
        cpuUsPerRun: round(median(rows.map((r) => r.cpuUsPerRun))),
      };
    };
    for (const c of cases) {
      report({
        bench: "routing.start",
        db: database.db,
        case: c.name,
        versions: c.workflow === "one" ? 1 : versions,
        rollout: c.workflow === "rolling",
        runs: runsPerCase,
        rounds,
        ...figure(c.name),
      });
    }
    // Cost is this process's CPU per start: wall-clock throughput on SQLite swings with WAL
    // checkpoints and fsyncs that land in one case or another, which says nothing of routing.
    const rate = (name: string) => 1 / figure(name).cpuUsPerRun;
    report({
      bench: "routing.ratios",
      db: database.db,
      note: "CPU cost per start relative (1.0 = the same cost; the issue asks for within 10%)",
      manyVsOneVersions: round(rate("many.live") / rate("one.live")),
      rolloutVsNone: round(rate("rolling.live") / rate("many.live")),
      latestVsLive: round(rate("many.latest") / rate("many.live")),
      pinnedVsLive: round(rate("many.pinned") / rate("many.live")),
    });
  } finally {
    await strata.close();
  }
}
