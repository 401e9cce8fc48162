/**
 * Golden histories (issue: replay): runs recorded by `scripts/record-golden.ts` with the
 * definitions they ran are replayed against their own versions. Every replay must reproduce its
 * run step by step — the same path, the same assignments, the same outputs, the same times and
 * random draws. An engine change that alters any past decision fails here; re-recording to make
 * it pass would hide exactly the break this guards against.
 */
import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Definition } from "../src/core/definition/definition.js";
import { compileDefinition } from "../src/core/interpreter/compile-definition.js";
import { compareRuns, replayRun } from "../src/core/replay/replay-run.js";
import type { RecordedRun } from "../src/core/replay/replay-run.js";

interface GoldenFile {
  workflow: string;
  version: number;
  definition: Definition;
  runs: RecordedRun[];
}

const dir = new URL("./golden/", import.meta.url);
const files = readdirSync(dir).filter((name) => name.endsWith(".json"));

describe("golden histories", () => {
  it("has histories to replay", () => {
    const runs = files.map(
      (name) => (JSON.parse(readFileSync(new URL(name, dir), "utf8")) as GoldenFile).runs.length,
    );
    expect(files.length).toBeGreaterThanOrEqual(3);
    expect(runs.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(150);
  });

  for (const name of files) {
    it(`replays every run of ${name} exactly`, async () => {
      const golden = JSON.parse(readFileSync(new URL(name, dir), "utf8")) as GoldenFile;
      const compiled = compileDefinition(golden.definition);
      for (const run of golden.runs) {
        const replay = await replayRun(
          run,
          { compiled, versionId: "golden", versionNumber: golden.version },
          run.input,
        );
        expect(replay.trace, `${name}: run ${run.id}`).toEqual(run.trace);
        expect(replay.status, run.id).toBe(run.status);
        expect(compareRuns(run, replay).changed, run.id).toBe(false);
      }
    });
  }
});
