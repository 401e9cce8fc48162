/**
 * Lifecycle benchmarks: draft saves, publishes, LATEST resolution as versions pile up, and
 * audit verification. Each prints JSON lines through `report`.
 */
import { Strata } from "../src/index.js";
import { resolveLatestVersion } from "../src/store/queries/resolve-latest-version.js";
import { percentiles, report, round, timeEach } from "./support.js";
import type { BenchDatabase } from "./support.js";

function decision(threshold: number): unknown {
  return {
    start: "route",
    nodes: {
      route: {
        type: "switch",
        cases: [{ when: `amount > ${threshold}`, next: "no" }],
        default: "yes",
      },
      yes: { type: "end", output: { ok: "true" } },
      no: { type: "end", output: { ok: "false" } },
    },
  };
}

/** Runs the lifecycle benches on one database. */
export async function benchLifecycle(database: BenchDatabase, scale: number): Promise<void> {
  const strata = await Strata.open({ database: database.location, actor: "bench" });
  try {
    await strata.workflows.create({ key: "bench", definition: decision(0) });
    let revision = 1;
    const saves = await timeEach(200 * scale, async (i) => {
      revision = (await strata.drafts.save("bench", { definition: decision(i + 1), revision }))
        .revision;
    });
    report({
      bench: "draft.save",
      db: database.db,
      ops: saves.samples.length,
      opsPerSec: round(saves.samples.length / saves.seconds),
      ...percentiles(saves.samples),
    });

    const versions = 100 * scale;
    const publishes = await timeEach(versions, async (i) => {
      if (i > 0) {
        const draft = await strata.drafts.open("bench");
        await strata.drafts.save("bench", {
          definition: decision(10_000 + i),
          revision: draft.revision,
        });
      }
      await strata.drafts.publish("bench", { retirePrevious: true });
    });
    report({
      bench: "version.cycle",
      note: "open + save + publish, retiring the previous",
      db: database.db,
      ops: versions,
      opsPerSec: round(versions / publishes.seconds),
      ...percentiles(publishes.samples),
    });

    await benchLatest(strata, database, versions);

    const verify = await timeEach(3, () => strata.audit.verify());
    const events = (await strata.audit.verify()).events;
    report({
      bench: "audit.verify",
      db: database.db,
      events,
      eventsPerSec: round(events / (verify.seconds / 3)),
      ...percentiles(verify.samples),
    });
  } finally {
    await strata.close();
  }
}

/** LATEST resolution when the newest versions are published vs. when many are retired. */
async function benchLatest(
  strata: Strata,
  database: BenchDatabase,
  versions: number,
): Promise<void> {
  const workflow = await strata.workflows.show("bench");
  const lookups = await timeEach(2000, () =>
    resolveLatestVersion(strata.store.db, strata.context.tenantId, workflow.id),
  );
  report({
    bench: "latest.resolve",
    db: database.db,
    versions,
    ops: lookups.samples.length,
    opsPerSec: round(lookups.samples.length / lookups.seconds),
    ...percentiles(lookups.samples),
  });
}
