/**
 * `strata doctor` on a SQLite file and on PostgreSQL: a database whose counters match says so
 * (exit 0); a counter changed behind the triggers' back is reported with `run_counts_differ`
 * (exit 1) naming the key and both values, `--repair` sets it to what the runs say, and the
 * next check passes; a server (`--server`) is refused, since the check reads the database.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DoctorReport } from "../src/cli/commands/doctor.js";
import { Strata } from "../src/index.js";
import { runCliIn } from "./support/local-cli.js";
import { DIALECTS, createTestDatabase } from "./support/test-stores.js";
import type { TestDatabase } from "./support/test-stores.js";

const FLOW = {
  start: "done",
  nodes: { done: { type: "end", output: { ok: "true" } } },
};

describe.each(DIALECTS)("strata doctor on %s", (dialect) => {
  let dir: string;
  let database: TestDatabase;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "strata-doctor-"));
    database = await createTestDatabase(dialect);
    const strata = await Strata.open({ database: database.location, actor: "ann" });
    try {
      await strata.workflows.create({ key: "flow", definition: FLOW });
      await strata.drafts.publish("flow");
      for (let i = 0; i < 3; i++) await strata.runs.start("flow", { input: {} });
    } finally {
      await strata.close();
    }
  });
  afterEach(async () => {
    await database.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const doctor = (...args: string[]) =>
    runCliIn(dir, ["--db", database.location, "doctor", ...args]);

  it("passes when the counters match, finds one that does not, and repairs it", async () => {
    const clean = await doctor();
    expect(clean).toMatchObject({ code: 0, stderr: "" });
    expect(clean.stdout).toBe("Run counters: every counter matches the runs.\n");

    const strata = await Strata.open({ database: database.location, actor: "ann" });
    try {
      await strata.store.db.updateTable("run_counts").set({ runs: 10 }).execute();
    } finally {
      await strata.close();
    }
    const found = await doctor("--json");
    expect(found.code).toBe(1);
    const error = JSON.parse(found.stdout) as {
      error: { code: string; message: string; details: DoctorReport };
    };
    expect(error.error.code).toBe("run_counts_differ");
    expect(error.error.message).toMatch(/1 run counter\(s\) differ .* counted 10, runs 3/);
    expect(error.error.details.runCounts).toMatchObject([
      { rolloutId: "", kind: "production", status: "completed", counted: 10, actual: 3 },
    ]);

    const repaired = await doctor("--repair");
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.stdout).toMatch(/^Run counters: repaired 1\.\nTENANT +VERSION +ROLLOUT/);
    expect(repaired.stdout).toMatch(/production +completed +10 +3\n$/);
    expect((await doctor()).code).toBe(0);
  });

  it("refuses a server: it checks a database", async () => {
    const result = await runCliIn(dir, [
      "--server",
      "http://127.0.0.1:9",
      "--token",
      "t",
      "doctor",
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/strata doctor runs the engine on a database itself/);
  });
});
