/**
 * `npm run bench`: every benchmark, as JSON lines on stdout. `--scale N` multiplies the work
 * (default 1). PostgreSQL benches use STRATA_BENCH_PG_URL, else STRATA_TEST_PG_URL, else the
 * local server; they are reported as skipped when none answers.
 */
import { benchCeiling, benchPersistedStarts, benchResume } from "./engine.js";
import { benchLifecycle } from "./lifecycle.js";
import { benchPostgresUrl, createBenchDatabase, report } from "./support.js";

const scaleIndex = process.argv.indexOf("--scale");
const scale = scaleIndex > 0 ? Number(process.argv[scaleIndex + 1] ?? 1) : 1;
const pgUrl = await benchPostgresUrl();

report({
  bench: "meta",
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  scale,
  postgres: pgUrl !== null,
  at: new Date().toISOString(),
});
for (const db of ["sqlite", "postgres"] as const) {
  if (db === "postgres" && pgUrl === null) {
    report({ bench: "lifecycle", db, skipped: "no PostgreSQL server answered" });
    continue;
  }
  const database = await createBenchDatabase(db, pgUrl);
  try {
    await benchLifecycle(database, scale);
  } finally {
    await database.drop();
  }
  const runsDatabase = await createBenchDatabase(db, pgUrl);
  try {
    await benchPersistedStarts(runsDatabase, 20_000 * scale, 256);
  } finally {
    await runsDatabase.drop();
  }
  const resumeDatabase = await createBenchDatabase(db, pgUrl);
  try {
    await benchResume(resumeDatabase, 10_000 * scale);
  } finally {
    await resumeDatabase.drop();
  }
}
await benchCeiling(20_000 * scale);
