/**
 * `strata workflow policy --require-review`, `strata review request|approve|reject|list` and
 * what `draft show`, `publish`, `versions` and `version show` say about a review (issue 18),
 * in local mode on a SQLite file and on PostgreSQL, with two people: ann edits, rita reviews.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Draft, Review, Version, Workflow } from "../src/index.js";
import { localCli } from "./support/local-cli.js";
import { DIALECTS, createTestDatabase } from "./support/test-stores.js";
import type { TestDatabase } from "./support/test-stores.js";

const flow = (tag: string) =>
  JSON.stringify({ start: "done", nodes: { done: { type: "end", output: { tag: `'${tag}'` } } } });

describe.each(DIALECTS)("strata review on %s", (dialect) => {
  let dir: string;
  let database: TestDatabase;
  const place = () => ({ cwd: dir, db: database.location });
  const ann = localCli(place, "ann");
  const rita = localCli(place, "rita");

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "strata-review-"));
    database = await createTestDatabase(dialect);
    writeFileSync(join(dir, "v1.json"), flow("one"));
    writeFileSync(join(dir, "v2.json"), flow("two"));
    writeFileSync(join(dir, "v3.json"), flow("three"));
    await ann.ok("workflow", "create", "loan", "--file", "v1.json");
    await ann.ok("publish", "loan");
  });
  afterEach(async () => {
    await database.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sets the policy with --require-review and --approvals, and clears it with --no-review", async () => {
    const set = await ann.json<Workflow>(
      "workflow",
      "policy",
      "loan",
      "--require-review",
      "--approvals",
      "2",
    );
    expect(set.policy.review).toEqual({ required: true, approvals: 2 });
    expect(await ann.ok("workflow", "show", "loan")).toMatch(
      /^review: +required: 2 approvals of the published revision$/m,
    );
    const cleared = await ann.json<Workflow>("workflow", "policy", "loan", "--no-review");
    expect(cleared.policy.review).toEqual({ required: false, approvals: 2 });
    expect((await ann.failure("workflow", "policy", "loan", "--approvals", "3")).message).toContain(
      "--approvals sets how many approvals --require-review needs",
    );
    expect(
      (await ann.failure("workflow", "policy", "loan", "--require-review", "--no-review")).code,
    ).toBe("validation_failed");
  });

  it("walks a draft from request to approval to a publish that records who approved", async () => {
    await ann.ok("workflow", "policy", "loan", "--require-review");
    await ann.ok("draft", "open", "loan");
    await ann.ok("draft", "save", "loan", "--file", "v2.json");
    const shown = await ann.ok("draft", "show", "loan");
    expect(shown).toMatch(/^review: +blocked: 0\/1 \(no approvals of rev 2\)$/m);
    expect(shown).toContain("strata review approve loan --revision 2");

    const blocked = await ann.failure("publish", "loan");
    expect(blocked.code).toBe("approval_required");

    const request = await ann.json<Review>("review", "request", "loan", "--note", "new tag");
    expect(request).toMatchObject({ decision: "request", revision: 2, actor: "ann" });
    expect((await ann.failure("review", "approve", "loan", "--revision", "2")).code).toBe(
      "self_approval",
    );
    expect((await rita.failure("review", "approve", "loan", "--revision", "1")).code).toBe(
      "revision_mismatch",
    );
    expect((await rita.strata("review", "reject", "loan", "--revision", "2")).stderr).toContain(
      "--note",
    );
    expect(await rita.ok("review", "approve", "loan", "--revision", "2", "--note", "ok")).toMatch(
      /^decision: +approve$/m,
    );
    expect((await ann.json<Draft>("draft", "show", "loan")).review.publishable).toBe(true);

    const table = (await ann.ok("review", "list", "loan")).split("\n");
    expect(table[0]).toMatch(/^AT +REVISION +DECISION +BY +NOTE$/);
    expect(table.slice(1, 3)).toEqual([
      expect.stringMatching(/ 2 +request +ann +new tag$/),
      expect.stringMatching(/ 2 +approve +rita +ok$/),
    ]);

    const published = await ann.json<Version>("publish", "loan", "--description", "reviewed");
    expect(published.approvedBy).toEqual([
      { actor: "rita", at: expect.any(String) as unknown, note: "ok" },
    ]);
    expect(await ann.ok("version", "show", "loan", "2")).toMatch(/^approvedBy: +rita$/m);
    expect((await ann.ok("versions", "loan")).split("\n")[1]).toMatch(
      /^2 +published +yes +[0-9a-f]{12} +\S+ \S+ +ann +rita +0 +drained +reviewed$/,
    );
  });

  it("marks approvals of an earlier revision stale after a save, and lists them so", async () => {
    await ann.ok("workflow", "policy", "loan", "--require-review");
    await ann.ok("draft", "open", "loan");
    await ann.ok("draft", "save", "loan", "--file", "v2.json");
    await rita.ok("review", "approve", "loan", "--revision", "2");
    await ann.ok("draft", "save", "loan", "--file", "v3.json");
    expect((await ann.failure("publish", "loan")).code).toBe("approval_stale");
    expect(await ann.ok("review", "list", "loan")).toMatch(/ 2 \(stale\) +approve +rita/);
    expect(await ann.ok("draft", "show", "loan")).toMatch(
      /^review: +blocked: 0\/1 \(no approvals of rev 3, 1 stale\)$/m,
    );
  });
});
