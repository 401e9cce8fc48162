/**
 * `strata apply -f <dir|file> [--publish] [--dry-run]`, in-process on a temporary SQLite file:
 * creating, saving drafts, publishing, staying idempotent, and refusing bad files before
 * anything is written. (Remote mode runs the same command code over HTTP: test/cli-remote.)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ApplyResult } from "../src/cli/commands/apply.js";
import type { Draft, Version } from "../src/core/model.js";
import { localCli } from "./support/local-cli.js";

let dir: string;

/** A flow that approves amounts up to `limit`. */
function flow(limit: number): Record<string, unknown> {
  return {
    inputSchema: {
      type: "object",
      required: ["amount"],
      properties: { amount: { type: "number" } },
    },
    start: "route",
    nodes: {
      route: { type: "switch", cases: [{ when: `amount > ${limit}`, next: "no" }], default: "yes" },
      yes: { type: "end", output: { decision: "'yes'" } },
      no: { type: "end", output: { decision: "'no'" } },
    },
  };
}

/** The same flow as YAML, with its keys in another order (the hash is of canonical JSON). */
function flowYaml(limit: number): string {
  return [
    "start: route",
    "nodes:",
    "  yes: { type: end, output: { decision: \"'yes'\" } }",
    "  no: { type: end, output: { decision: \"'no'\" } }",
    "  route:",
    "    type: switch",
    "    default: yes",
    `    cases: [{ when: "amount > ${limit}", next: no }]`,
    "inputSchema:",
    "  type: object",
    "  properties: { amount: { type: number } }",
    "  required: [amount]",
    "",
  ].join("\n");
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "strata-cli-apply-"));
  mkdirSync(join(dir, "flows"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: unknown): void {
  writeFileSync(
    join(dir, "flows", name),
    typeof content === "string" ? content : JSON.stringify(content),
  );
}

const { strata, ok, json, failure } = localCli(() => ({ cwd: dir, db: join(dir, "s.db") }));

const versions = (key: string) => json<Array<Version | Draft>>("versions", key);

describe("strata apply", () => {
  it("creates and publishes a folder of workflows, then changes nothing when run again", async () => {
    write("loan.json", flow(100));
    write("fees.yaml", flowYaml(50));
    write("notes.txt", "not a definition");

    const dry = await json<ApplyResult[]>("apply", "-f", "flows", "--publish", "--dry-run");
    expect(dry.map((result) => [result.file, result.workflow, result.steps])).toEqual([
      ["fees.yaml", "fees", ["created", "published"]],
      ["loan.json", "loan", ["created", "published"]],
    ]);
    expect((await strata("workflow", "show", "loan")).code).toBe(1); // nothing written

    const first = await json<ApplyResult[]>("apply", "-f", "flows", "--publish");
    expect(first).toEqual([
      {
        file: "fees.yaml",
        workflow: "fees",
        steps: ["created", "published"],
        draftRevision: null,
        version: 1,
      },
      {
        file: "loan.json",
        workflow: "loan",
        steps: ["created", "published"],
        draftRevision: null,
        version: 1,
      },
    ]);
    const [v1] = await versions("loan");
    expect(v1).toMatchObject({ number: 1, live: true, definition: flow(100) });

    // Applied again: the live versions already have these definitions.
    const again = await json<ApplyResult[]>("apply", "-f", "flows", "--publish");
    expect(again.map((result) => result.steps)).toEqual([[], []]);
    expect(again.map((result) => result.version)).toEqual([1, 1]);
    expect(await versions("loan")).toHaveLength(1);

    // The same definition with its keys in another order is the same definition (JSON is YAML).
    write("loan.yaml.bak", "ignored: the extension is not a definition's");
    const reordered = Object.fromEntries(Object.entries(flow(50)).reverse());
    write("fees.yaml", JSON.stringify(reordered, null, 2));
    expect((await json<ApplyResult[]>("apply", "-f", "flows", "--publish"))[0]?.steps).toEqual([]);

    // One file changed: only its workflow moves on.
    write("loan.json", flow(200));
    const text = await ok("apply", "-f", "flows", "--publish", "--description", "raise the limit");
    expect(text).toBe(
      [
        "fees.yaml → fees: unchanged",
        "loan.json → loan: draft opened, draft saved, published v2",
        "1 of 2 workflow(s) changed",
        "",
      ].join("\n"),
    );
    const loan = await versions("loan");
    expect(loan.find((version) => version.live)).toMatchObject({
      number: 2,
      description: "raise the limit",
      definition: flow(200),
    });
    expect(loan.some((version) => version.number === null)).toBe(false);
  });

  it("without --publish, keeps the file in the draft and leaves the live version serving", async () => {
    write("loan.json", flow(100));
    await ok("apply", "-f", join("flows", "loan.json"), "--publish");

    write("loan.json", flow(300));
    const [saved] = await json<ApplyResult[]>("apply", "-f", join("flows", "loan.json"));
    expect(saved).toEqual({
      file: join("flows", "loan.json"),
      workflow: "loan",
      steps: ["draft_opened", "draft_saved"],
      draftRevision: 2,
      version: 1,
    });
    const loan = await versions("loan");
    expect(loan.find((version) => version.live)).toMatchObject({
      number: 1,
      definition: flow(100),
    });
    expect(loan.find((version) => version.number === null)).toMatchObject({
      definition: flow(300),
    });

    // The draft already holds the file: nothing to do; --publish then publishes it as it is.
    const [same] = await json<ApplyResult[]>("apply", "-f", join("flows", "loan.json"));
    expect(same?.steps).toEqual([]);
    expect(same?.draftRevision).toBe(2);
    const [published] = await json<ApplyResult[]>(
      "apply",
      "-f",
      join("flows", "loan.json"),
      "--publish",
    );
    expect(published).toMatchObject({ steps: ["published"], version: 2, draftRevision: null });

    // A draft someone opened with other content is saved over (the audit log keeps its hash).
    await ok("draft", "open", "loan");
    write("other.json", flow(1));
    await ok("draft", "save", "loan", "--file", join("flows", "other.json"));
    const [over] = await json<ApplyResult[]>("apply", "-f", join("flows", "loan.json"));
    expect(over?.steps).toEqual(["draft_saved"]);
    const draft = (await versions("loan")).find((version) => version.number === null);
    expect(draft?.definition).toEqual(flow(300));
    const events = await json<Array<{ action: string; actor: string }>>("audit", "list");
    expect(events.filter((event) => event.action === "draft.saved")).toHaveLength(3);
  });

  it("refuses bad files before writing anything", async () => {
    write("good.json", flow(100));
    write("Bad Name.json", flow(100));
    const badName = await failure("apply", "-f", "flows");
    expect(badName.code).toBe("validation_failed");
    expect(badName.message).toContain("Bad Name.json: the file name is the workflow key");

    rmSync(join(dir, "flows", "Bad Name.json"));
    write("good.yaml", flowYaml(100));
    const twice = await failure("apply", "-f", "flows");
    expect(twice.message).toBe("good.json and good.yaml both name workflow good; keep one of them");

    rmSync(join(dir, "flows", "good.yaml"));
    write("zz-broken.yaml", "start: [unclosed");
    const syntax = await failure("apply", "-f", "flows");
    expect(syntax.message).toMatch(/^zz-broken\.yaml: /);

    // Saved as a draft it may be invalid (L5), but it cannot be published.
    write("zz-broken.yaml", { start: "nowhere", nodes: {} });
    const invalid = await failure("apply", "-f", "flows", "--publish");
    expect(invalid.code).toBe("definition_invalid");
    expect(invalid.message).toMatch(/^zz-broken\.yaml: /);

    expect((await strata("workflow", "show", "good")).code).toBe(1); // nothing was created

    const missing = await failure("apply", "-f", "nowhere");
    expect(missing.code).toBe("not_found");
    mkdirSync(join(dir, "empty"));
    const empty = await failure("apply", "-f", "empty");
    expect(empty.message).toContain("no definition files in 'empty'");
    const description = await failure("apply", "-f", "flows", "--description", "x");
    expect(description.message).toContain("give --publish too");
  });

  it("stops at the first refused change and says what was applied before it", async () => {
    write("a.json", flow(1));
    write("b.json", flow(2));
    write("c.json", flow(3));
    await ok("apply", "-f", join("flows", "b.json"), "--publish");
    // A rollout in progress on b refuses a publish that does not replace it.
    write("b2.json", flow(20));
    await ok("draft", "open", "b");
    await ok("draft", "save", "b", "--file", join("flows", "b2.json"));
    await ok("publish", "b", "--percent", "10");
    rmSync(join(dir, "flows", "b2.json"));
    write("b.json", flow(5));

    const stopped = await failure("apply", "-f", "flows", "--publish");
    expect(stopped.code).toBe("rollout_in_progress");
    expect(stopped.message).toMatch(
      /^b\.json: .*\(applied before it: a\.json; the files after it were not applied\)$/,
    );
    expect(stopped.details).toMatchObject({
      file: "b.json",
      applied: [{ file: "a.json", steps: ["created", "published"], version: 1 }],
    });
    expect((await versions("a"))[0]).toMatchObject({ number: 1, live: true });
    expect((await strata("workflow", "show", "c")).code).toBe(1);
  });
});
