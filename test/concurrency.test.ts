/**
 * Several OS processes save and publish the same workflows at once on PostgreSQL: version
 * numbers never repeat or skip, there is never a second draft, and no save is lost (a stale
 * revision is refused, never silently overwritten). DESIGN.md L1, L3, L5; §8.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Strata } from "../src/index.js";
import { createTestDatabase } from "./support/test-stores.js";
import type { TestDatabase } from "./support/test-stores.js";

const PROCESSES = 4;
const ITERATIONS = 60;
const KEYS = ["alpha", "beta", "gamma"];

interface Line {
  op: "save" | "publish" | "refused";
  code?: string;
  key: string;
  draftId: string;
  revision?: number;
  number?: number;
  hash: string;
}

function runChild(location: string, worker: number): Promise<Line[]> {
  const script = fileURLToPath(new URL("./support/concurrency-child.ts", import.meta.url));
  const args = [
    "--import",
    "tsx",
    script,
    location,
    String(worker),
    String(ITERATIONS),
    KEYS.join(","),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`worker ${worker} exited ${code}: ${err}`));
      else
        resolve(
          out
            .trim()
            .split("\n")
            .filter(Boolean)
            .map((line) => JSON.parse(line) as Line),
        );
    });
  });
}

describe("concurrent editors on postgres", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase("postgres");
  });
  afterAll(() => database.cleanup());

  it(`${PROCESSES} processes never duplicate or skip a number, never open two drafts, never lose a save`, async () => {
    const setup = await Strata.open({ database: database.location, actor: "setup" });
    try {
      await checkConcurrentEditors(setup, database.location);
    } finally {
      await setup.close();
    }
  });
});

async function checkConcurrentEditors(setup: Strata, location: string): Promise<void> {
  for (const key of KEYS) await setup.workflows.create({ key });
  const lines = (
    await Promise.all(Array.from({ length: PROCESSES }, (_, w) => runChild(location, w)))
  ).flat();
  const saves = lines.filter((line) => line.op === "save");
  const publishes = lines.filter((line) => line.op === "publish");
  expect(saves.length).toBeGreaterThan(PROCESSES * 10);
  expect(publishes.length).toBeGreaterThan(KEYS.length);

  for (const key of KEYS) {
    const versions = await setup.versions.list(key);
    const numbers = versions
      .flatMap((v) => (v.number === null ? [] : [v.number]))
      .sort((a, b) => a - b);
    const published = publishes.filter((p) => p.key === key);
    // Gap-free, no duplicates, and exactly one number per successful publish.
    expect(numbers).toEqual(Array.from({ length: published.length }, (_, i) => i + 1));
    expect(published.map((p) => p.number).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(numbers);
    expect(versions.filter((v) => v.state === "draft").length).toBeLessThanOrEqual(1);
  }

  // Per draft: each successful save got its own revision, and what was published (or what
  // the open draft holds) is the last successful save: nothing was overwritten unseen.
  const byDraft = new Map<string, Line[]>();
  for (const save of saves) byDraft.set(save.draftId, [...(byDraft.get(save.draftId) ?? []), save]);
  for (const [draftId, draftSaves] of byDraft) {
    const revisions = draftSaves.map((s) => s.revision ?? 0).sort((a, b) => a - b);
    expect(new Set(revisions).size).toBe(revisions.length);
    const last = draftSaves.reduce((a, b) => ((a.revision ?? 0) > (b.revision ?? 0) ? a : b));
    const publish = publishes.find((p) => p.draftId === draftId);
    if (publish !== undefined) expect(publish.hash).toBe(last.hash);
    else {
      const draft = await setup.drafts.show(last.key).catch(() => undefined);
      if (draft?.id === draftId) expect(draft.hash).toBe(last.hash);
    }
  }
  expect((await setup.audit.verify()).ok).toBe(true);
}
