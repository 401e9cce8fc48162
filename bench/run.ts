/**
 * `npm run bench`: every benchmark, as JSON lines on stdout. `--scale N` multiplies the work
 * (default 1). `--only NAME` runs only the benches whose name starts with NAME (`runs`,
 * `http`, `worker`, `engine.ceiling`…). `--seconds N`: how long the HTTP bench loads each server
 * (default 10). `--db sqlite|postgres`: only that database. PostgreSQL benches use
 * STRATA_BENCH_PG_URL, else STRATA_TEST_PG_URL, else the local server; they are reported as
 * skipped when none answers. `npm run bench` passes `--expose-gc`, so memory figures can start
 * from a fully collected heap.
 */
import { benchBacktest } from "./backtest.js";
import { benchDrainFloor } from "./drain-floor.js";
import { benchCeiling, benchPersistedStarts, benchResume } from "./engine.js";
import { benchGrowth } from "./growth.js";
import { benchHttp } from "./http.js";
import { benchLifecycle } from "./lifecycle.js";
import { benchSelectors } from "./routing.js";
import { benchWorkerDrain, benchWorkerSoak } from "./worker.js";
import { benchPostgresUrl, createBenchDatabase, report } from "./support.js";
import type { BenchDatabase } from "./support.js";

/** The value after `--name`, if given. */
function flag(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : undefined;
}

const scale = Number(flag("scale") ?? 1);
const seconds = Number(flag("seconds") ?? 10);
const only = flag("only") ?? "";
const onlyDb = flag("db");
if (onlyDb !== undefined && onlyDb !== "sqlite" && onlyDb !== "postgres")
  throw new Error("--db takes sqlite or postgres");
const pgUrl = await benchPostgresUrl();

/** A bench on a fresh database of its own. */
const databaseBenches: [name: string, run: (database: BenchDatabase) => Promise<void>][] = [
  ["lifecycle", (database) => benchLifecycle(database, scale)],
  ["runs.start", (database) => benchPersistedStarts(database, 20_000 * scale, 256)],
  ["runs.resume", (database) => benchResume(database, 10_000 * scale)],
  ["http.runs.start", (database) => benchHttp(database, seconds)],
  ["routing.start", (database) => benchSelectors(database, 3_000 * scale)],
  ["backtest", (database) => benchBacktest(database, 100_000 * scale)],
  // Worker processes draining due tasks (and their cases), then one worker's memory per task.
  [
    "worker.drain",
    (database) => benchWorkerDrain(database, scale, () => createBenchDatabase(database.db, pgUrl)),
  ],
  // The simplest program with the drain's guarantees (raw drivers, the same schema): its ratio.
  [
    "worker.drain.floor",
    (database) => benchDrainFloor(database, scale, () => createBenchDatabase(database.db, pgUrl)),
  ],
  ["worker.soak", (database) => benchWorkerSoak(database, 100_000 * scale)],
  // The everyday calls at 10k, 100k and 1M runs (× scale).
  ["data.growth", (database) => benchGrowth(database, scale)],
];
const selected = (name: string): boolean => name.startsWith(only);

report({
  bench: "meta",
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  scale,
  postgres: pgUrl !== null,
  ...(only === "" ? {} : { only }),
  at: new Date().toISOString(),
});
for (const db of ["sqlite", "postgres"] as const) {
  if (onlyDb !== undefined && db !== onlyDb) continue;
  for (const [name, run] of databaseBenches) {
    if (!selected(name)) continue;
    if (db === "postgres" && pgUrl === null) {
      report({ bench: name, db, skipped: "no PostgreSQL server answered" });
      continue;
    }
    const database = await createBenchDatabase(db, pgUrl);
    try {
      await run(database);
    } finally {
      await database.drop();
    }
  }
}
if (selected("engine.ceiling")) await benchCeiling(20_000 * scale);
