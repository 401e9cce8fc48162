/**
 * The `strata` CLI driven in-process through `runCli` on a temporary SQLite file: every
 * foundation command, the `--json` shapes and field names (DESIGN.md §7), error output and exit
 * codes, and that the actor is recorded.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Strata } from "../src/index.js";
import type { AuditEvent, Draft, Version, Workflow } from "../src/index.js";
import type { BackendOptions, OpenedBackend } from "../src/cli/backend.js";
import { runCli } from "../src/cli/run-cli.js";
import { createTestDatabase } from "./support/test-stores.js";

/** What one CLI run printed and returned. */
interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A small valid definition whose decision depends on `threshold`. */
function decision(threshold: number): object {
  return {
    inputSchema: {
      type: "object",
      required: ["amount"],
      properties: { amount: { type: "number" } },
    },
    start: "route",
    nodes: {
      route: {
        type: "switch",
        cases: [{ when: `amount > ${threshold}`, next: "reject" }],
        default: "approve",
      },
      approve: { type: "end", output: { decision: "'approve'" } },
      reject: { type: "end", output: { decision: "'reject'" } },
    },
  };
}

/** The YAML form of the same definition, to exercise both formats. */
function decisionYaml(threshold: number): string {
  return [
    "inputSchema: { type: object, required: [amount], properties: { amount: { type: number } } }",
    "start: route",
    "nodes:",
    "  route:",
    "    type: switch",
    `    cases: [{ when: "amount > ${threshold}", next: reject }]`,
    "    default: approve",
    `  approve: { type: end, output: { decision: "'approve'" } }`,
    `  reject: { type: end, output: { decision: "'reject'" } }`,
    "",
  ].join("\n");
}

/** The fields DESIGN.md §7 names for a version, and those a draft adds. */
const VERSION_FIELDS = [
  "id",
  "workflowId",
  "number",
  "state",
  "live",
  "definition",
  "description",
  "summary",
  "createdAt",
  "createdBy",
  "updatedAt",
  "lastEditedBy",
  "publishedAt",
  "retiredAt",
  "runCounts",
];
const DRAFT_FIELDS = [...VERSION_FIELDS, "revision", "nextNumber", "baseVersion"];

let dir: string;
let db: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "strata-cli-"));
  db = join(dir, "test.db");
  writeFileSync(join(dir, "v1.yaml"), decisionYaml(1000));
  writeFileSync(join(dir, "v2.json"), JSON.stringify(decision(2000)));
  writeFileSync(join(dir, "v3.yaml"), decisionYaml(3000));
  writeFileSync(
    join(dir, "invalid.yaml"),
    "start: nowhere\nnodes:\n  done: { type: end, output: {} }\n",
  );
  writeFileSync(join(dir, "broken.yaml"), "start: [unclosed\n");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI on the test database (`--db` is given unless `options.env` says otherwise). */
async function strata(
  args: string[],
  options: { env?: Record<string, string>; noDb?: boolean } = {},
): Promise<CliResult> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io = {
    stdout: { write: (text: string) => stdout.push(text) },
    stderr: { write: (text: string) => stderr.push(text) },
    env: options.env ?? {},
    cwd: dir,
  };
  const code = await runCli(options.noDb === true ? args : ["--db", db, ...args], io);
  return { code, stdout: stdout.join(""), stderr: stderr.join("") };
}

/** Runs a command with `--json`, expects success, and parses its one JSON document. */
async function json<T>(...args: string[]): Promise<T> {
  const result = await strata([...args, "--json"]);
  expect(result.stderr).toBe("");
  expect(result.code, result.stdout).toBe(0);
  return JSON.parse(result.stdout) as T;
}

/** Runs a command and expects it to succeed, returning its human output. */
async function ok(...args: string[]): Promise<string> {
  const result = await strata(args);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return result.stdout;
}

/** Runs a command and expects the Strata error `code`, in human and in JSON form. */
async function fails(
  code: string,
  ...args: string[]
): Promise<{ human: CliResult; error: Record<string, unknown> }> {
  const human = await strata(args);
  expect(human.code).toBe(1);
  expect(human.stdout).toBe("");
  expect(human.stderr).toMatch(new RegExp(`^error\\[${code}\\]: \\S`));
  const asJson = await strata([...args, "--json"]);
  expect(asJson.code).toBe(1);
  expect(asJson.stderr).toBe("");
  const body = JSON.parse(asJson.stdout) as { error: Record<string, unknown> };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error).toMatchObject({
    code,
    status: expect.any(Number) as unknown,
    message: expect.any(String) as unknown,
  });
  return { human, error: body.error };
}

/** Creates `loan` from v1.yaml and publishes version 1. */
async function publishedLoan(): Promise<void> {
  await ok("workflow", "create", "loan", "--file", "v1.yaml");
  await ok("publish", "loan", "--description", "first");
}

describe("strata workflow", () => {
  it("creates from a YAML file, shows by key and id, lists, deactivates and activates", async () => {
    const created = await json<Workflow>(
      "workflow",
      "create",
      "loan",
      "--file",
      "v1.yaml",
      "--name",
      "Loan decision",
      "--actor",
      "ann",
    );
    expect(Object.keys(created).sort()).toEqual(
      [
        "id",
        "key",
        "name",
        "status",
        "liveVersion",
        "latestVersion",
        "draftRevision",
        "policy",
        "createdAt",
        "createdBy",
        "updatedAt",
      ].sort(),
    );
    expect(created).toMatchObject({
      key: "loan",
      name: "Loan decision",
      status: "active",
      liveVersion: null,
      draftRevision: 1,
      createdBy: "ann",
    });
    expect(created.id).toMatch(/^wfl_/);

    const shown = await ok("workflow", "show", created.id);
    expect(shown).toMatch(/^key: +loan$/m);
    expect(shown).toMatch(/^name: +Loan decision$/m);
    expect(shown).toMatch(/^liveVersion: +-$/m);
    expect(shown).toMatch(/^draftRevision: +1$/m);

    await ok("workflow", "create", "offer");
    const list = await json<Workflow[]>("workflow", "list");
    expect(list.map((workflow) => workflow.key)).toEqual(["loan", "offer"]);
    expect(await ok("workflow", "list")).toMatch(
      /^KEY +NAME +STATUS +LIVE +LATEST +DRAFT\nloan +Loan decision +active +- +- +rev 1\noffer +offer +active/,
    );

    await ok("publish", "loan");
    expect(await json<Workflow>("workflow", "deactivate", "loan")).toMatchObject({
      status: "deactivated",
      liveVersion: 1,
    });
    expect(await ok("workflow", "activate", "loan")).toMatch(/^status: +active$/m);
  });

  it("starts with the one-step starter without --file, and reads JSON files", async () => {
    const starter = await json<Draft>(
      "draft",
      "show",
      (await json<Workflow>("workflow", "create", "blank")).key,
    );
    expect(starter.definition).toEqual({
      start: "done",
      nodes: { done: { type: "end", output: {} } },
    });
    await ok("workflow", "create", "fromjson", "--file", "v2.json");
    expect((await json<Draft>("draft", "show", "fromjson")).definition).toEqual(decision(2000));
  });

  it("reports refusals with their code, problems and exit code 1", async () => {
    await ok("workflow", "create", "loan");
    await fails("workflow_exists", "workflow", "create", "loan");
    const { human, error } = await fails("validation_failed", "workflow", "create", "Not A Slug");
    expect(human.stderr).toContain("\n  key: must be a lowercase slug\n");
    expect(error.details).toEqual([{ path: "key", message: "must be a lowercase slug" }]);
    await fails("not_found", "workflow", "show", "nope");
    await fails(
      "no_live_version",
      "workflow",
      "activate",
      (await json<Workflow>("workflow", "deactivate", "loan")).key,
    );
  });

  it("refuses definition files it cannot read", async () => {
    await fails("not_found", "workflow", "create", "a", "--file", "missing.yaml");
    await fails("validation_failed", "workflow", "create", "b", "--file", "notes.txt");
    const { human, error } = await fails(
      "definition_invalid",
      "workflow",
      "create",
      "c",
      "--file",
      "broken.yaml",
    );
    expect(human.stderr.split("\n")[1]).toMatch(/^ {2}\S.*line \d+, column \d+/);
    expect(error.details).toEqual([
      expect.objectContaining({ path: "", line: expect.any(Number) as unknown }),
    ]);
  });
});

describe("strata draft", () => {
  it("opens, shows, saves, reverts and discards the draft (L1, L4–L6)", async () => {
    await publishedLoan();
    const opened = await json<Draft>("draft", "open", "loan");
    expect(Object.keys(opened)).toEqual(expect.arrayContaining(DRAFT_FIELDS));
    expect(opened).toMatchObject({
      state: "draft",
      number: null,
      revision: 1,
      nextNumber: 2,
      baseVersion: 1,
      problems: [],
    });
    await fails("draft_exists", "draft", "open", "loan");

    const saved = await json<Draft>("draft", "save", "loan", "--file", "v2.json");
    expect(saved).toMatchObject({ revision: 2, definition: decision(2000) });
    const human = await ok("draft", "show", "loan");
    expect(human).toMatch(/^state: +draft \(rev 2 → v2\)$/m);
    expect(human).toMatch(/^problems: +none/m);

    const reverted = await json<Draft>("draft", "revert", "loan");
    expect(reverted).toMatchObject({
      revision: 3,
      baseVersion: 1,
      definition: (await json<Version>("version", "show", "loan", "1")).definition,
    });

    expect(await json<unknown>("draft", "discard", "loan")).toEqual({
      workflow: "loan",
      discarded: true,
    });
    await fails("not_found", "draft", "show", "loan");
    await ok("draft", "open", "loan");
    expect(await ok("draft", "discard", "loan")).toBe("discarded the draft of loan\n");
  });

  it("opens a draft from any version with --from, retired ones too (L4)", async () => {
    await publishedLoan();
    await ok("draft", "open", "loan");
    await ok("draft", "save", "loan", "--file", "v2.json");
    await ok("publish", "loan", "--retire-previous");
    const fromRetired = await json<Draft>("draft", "open", "loan", "--from", "1");
    expect(fromRetired).toMatchObject({
      baseVersion: 1,
      nextNumber: 3,
      definition: decision(1000),
    });
    await ok("draft", "discard", "loan");
    await fails("not_found", "draft", "open", "loan", "--from", "9");
  });

  it("saves only over the revision named with --revision (L5)", async () => {
    await ok("workflow", "create", "loan", "--file", "v1.yaml");
    await ok("draft", "save", "loan", "--file", "v2.json", "--revision", "1");
    const { human, error } = await fails(
      "revision_mismatch",
      "draft",
      "save",
      "loan",
      "--file",
      "v3.yaml",
      "--revision",
      "1",
    );
    expect(human.stderr).toContain("revision 2");
    expect(error).toMatchObject({ status: 412, details: { expected: 1, current: 2 } });
    expect((await json<Draft>("draft", "show", "loan")).definition).toEqual(decision(2000));
    // Without --revision, the save goes over the current revision.
    expect(await json<Draft>("draft", "save", "loan", "--file", "v3.yaml")).toMatchObject({
      revision: 3,
      definition: decision(3000),
    });
  });

  it("lists an invalid draft's problems one per line with their path", async () => {
    await ok("workflow", "create", "loan", "--file", "invalid.yaml");
    const human = await ok("draft", "show", "loan");
    expect(human).toMatch(/^problems: +\d+$/m);
    expect(human).toMatch(/^ {2}start: .*nowhere/m);
    const draft = await json<Draft>("draft", "show", "loan");
    expect(draft.problems).toContainEqual(expect.objectContaining({ path: "start" }));
  });

  it("records --actor as createdBy and lastEditedBy", async () => {
    await ok("workflow", "create", "loan", "--file", "v1.yaml", "--actor", "ann");
    expect(await json<Draft>("draft", "show", "loan")).toMatchObject({
      createdBy: "ann",
      lastEditedBy: "ann",
    });
    await ok("draft", "save", "loan", "--file", "v2.json", "--actor", "bob");
    expect(await json<Draft>("draft", "show", "loan")).toMatchObject({
      createdBy: "ann",
      lastEditedBy: "bob",
    });
    const v1 = await json<Version>("publish", "loan", "--actor", "carol");
    expect(v1).toMatchObject({ createdBy: "ann", lastEditedBy: "carol" });
    const events = await json<AuditEvent[]>("audit", "list");
    expect(events.map((event) => event.actor)).toEqual(["ann", "bob", "carol"]);
  });
});

describe("strata publish", () => {
  it("publishes version 1 live with its description and summary (L7)", async () => {
    await ok("workflow", "create", "loan", "--file", "v1.yaml");
    const v1 = await json<Version>("publish", "loan", "--description", "first rules");
    expect(Object.keys(v1)).toEqual(expect.arrayContaining(VERSION_FIELDS));
    expect(v1).toMatchObject({
      number: 1,
      state: "published",
      live: true,
      description: "first rules",
      summary: "first version",
    });
    expect(v1.publishedAt).not.toBeNull();

    await ok("draft", "open", "loan");
    await ok("draft", "save", "loan", "--file", "v2.json");
    const human = await ok("publish", "loan", "--description", "second");
    expect(human).toMatch(/^number: +2$/m);
    expect(human).toMatch(/^live: +yes$/m);
    expect(human).toMatch(/^summary:\n {2}node changed: route/m);
  });

  it("refuses a stale --revision, an unchanged draft and an invalid one", async () => {
    await publishedLoan();
    await ok("draft", "open", "loan");
    await fails("no_changes", "publish", "loan");
    await ok("draft", "save", "loan", "--file", "v2.json");
    await fails("revision_mismatch", "publish", "loan", "--revision", "1");
    expect(await json<Version>("publish", "loan", "--revision", "2")).toMatchObject({ number: 2 });

    await ok("workflow", "create", "bad", "--file", "invalid.yaml");
    const { human, error } = await fails("definition_invalid", "publish", "bad");
    expect(human.stderr).toMatch(/\n {2}start: .*nowhere/);
    expect(error.details).toContainEqual(expect.objectContaining({ path: "start" }));
  });

  it("publishes without activating, or retires the previous version", async () => {
    await publishedLoan();
    await ok("draft", "open", "loan");
    await ok("draft", "save", "loan", "--file", "v2.json");
    expect(await json<Version>("publish", "loan", "--no-activate")).toMatchObject({
      number: 2,
      live: false,
    });
    expect(await json<Workflow>("workflow", "show", "loan")).toMatchObject({
      liveVersion: 1,
      latestVersion: 2,
    });

    await ok("draft", "open", "loan", "--from", "2");
    await ok("draft", "save", "loan", "--file", "v3.yaml");
    expect(await json<Version>("publish", "loan", "--retire-previous")).toMatchObject({
      number: 3,
      live: true,
    });
    const states = (await json<Version[]>("versions", "loan")).map((version) => [
      version.number,
      version.state,
    ]);
    expect(states).toEqual([
      [3, "published"],
      [2, "published"],
      [1, "retired"],
    ]);
  });
});

describe("strata versions and version", () => {
  it("lists versions as a table with the draft row first", async () => {
    await publishedLoan();
    await ok("draft", "open", "loan");
    await ok("draft", "save", "loan", "--file", "v2.json");
    await ok("draft", "save", "loan", "--file", "v3.yaml");
    const table = (await ok("versions", "loan", "--actor", "ann")).split("\n");
    expect(table[0]).toMatch(
      /^NUMBER +STATE +LIVE +HASH +PUBLISHED +BY +APPROVED +RUNS +OPEN +DESCRIPTION$/,
    );
    expect(table[1]).toMatch(
      /^draft \(rev 3 → v2\) +draft +- +[0-9a-f]{12} +- +\S+ +- +0 +drained +-$/,
    );
    expect(table[2]).toMatch(
      /^1 +published +yes +[0-9a-f]{12} +\d{4}-\d\d-\d\d \d\d:\d\d +\S+ +- +0 +drained +first$/,
    );

    const list = await json<Array<Version | Draft>>("versions", "loan");
    expect(list.map((version) => version.state)).toEqual(["draft", "published"]);
    expect(list[0]).toMatchObject({ revision: 3, nextNumber: 2 });
  });

  it("shows, retires, restores and deletes versions (L8–L10)", async () => {
    await publishedLoan();
    await ok("draft", "open", "loan");
    await ok("draft", "save", "loan", "--file", "v2.json");
    await ok("publish", "loan");

    const shown = await ok("version", "show", "loan", "1");
    expect(shown).toMatch(/^number: +1$/m);
    expect(shown).toMatch(/^summary:\n {2}first version$/m);
    expect(await json<Version>("version", "show", "loan", "2")).toMatchObject({
      number: 2,
      live: true,
      state: "published",
    });

    const { human } = await fails("version_live", "version", "retire", "loan", "2");
    expect(human.stderr).toBe(
      "error[version_live]: version 2 is live; publish another version to replace it, or deactivate the workflow first\n",
    );
    await fails("version_not_retired", "version", "delete", "loan", "1");
    expect(await json<Version>("version", "retire", "loan", "1")).toMatchObject({
      state: "retired",
      retiredAt: expect.any(String) as unknown,
    });
    expect(await json<Version>("version", "restore", "loan", "1")).toMatchObject({
      state: "published",
      retiredAt: null,
    });
    await ok("version", "retire", "loan", "1");
    expect(await json<unknown>("version", "delete", "loan", "1")).toEqual({
      workflow: "loan",
      version: 1,
      deleted: true,
    });
    await fails("not_found", "version", "show", "loan", "1");
    expect((await json<Version[]>("versions", "loan")).map((version) => version.number)).toEqual([
      2,
    ]);
  });
});

describe("strata audit", () => {
  it("lists events with --workflow and --limit", async () => {
    await publishedLoan();
    await ok("workflow", "create", "offer");
    const all = await json<AuditEvent[]>("audit", "list");
    expect(all.map((event) => event.action)).toEqual([
      "workflow.created",
      "version.published",
      "workflow.created",
    ]);
    expect(Object.keys(all[0] ?? {}).sort()).toEqual(
      [
        "id",
        "seq",
        "at",
        "actor",
        "actorTokenId",
        "action",
        "workflowId",
        "subjectId",
        "before",
        "after",
        "prevHash",
        "hash",
      ].sort(),
    );
    expect(await json<AuditEvent[]>("audit", "list", "--workflow", "offer")).toHaveLength(1);
    expect(
      (await json<AuditEvent[]>("audit", "list", "--limit", "2")).map((event) => event.seq),
    ).toEqual([1, 2]);
    const table = (await ok("audit", "list")).split("\n");
    expect(table[0]).toMatch(/^SEQ +AT +ACTOR +ACTION +WORKFLOW +DETAIL$/);
    expect(table[2]).toMatch(/^2 +\S+ \S+ +\S+ +version\.published +loan +v1, live$/);
  });

  it("verifies the chain, and fails naming the first bad event when it is broken", async () => {
    await publishedLoan();
    expect(await json<unknown>("audit", "verify")).toMatchObject({
      ok: true,
      events: 2,
      headSeq: 2,
    });
    expect(await ok("audit", "verify")).toMatch(
      /^audit chain intact: 2 events, head #2 sha256:[0-9a-f]{64}\n$/,
    );

    const sqlite = new Database(db);
    sqlite.exec("DROP TRIGGER audit_events_no_update");
    sqlite.prepare("UPDATE audit_events SET actor = 'mallory' WHERE seq = 2").run();
    sqlite.close();

    const { human, error } = await fails("audit_broken", "audit", "verify");
    expect(human.stderr).toMatch(
      /^error\[audit_broken\]: the audit chain is broken at event #2 \(evt_\w+\): event #2 was edited/,
    );
    expect(error.details).toMatchObject({ ok: false, seq: 2 });
  });
});

describe("global options, usage and failures", () => {
  it("uses $STRATA_DB, else ./strata.db in the working directory", async () => {
    const elsewhere = join(dir, "env.db");
    await strata(["workflow", "create", "viaenv"], { env: { STRATA_DB: elsewhere }, noDb: true });
    expect(
      (await strata(["workflow", "list", "--db", elsewhere, "--json"], { noDb: true })).stdout,
    ).toContain("viaenv");
    await strata(["workflow", "create", "viacwd"], { noDb: true });
    const fromCwd = await strata(["workflow", "list", "--db", "./strata.db", "--json"], {
      noDb: true,
    });
    expect(JSON.parse(fromCwd.stdout)).toEqual([expect.objectContaining({ key: "viacwd" })]);
  });

  it("works on PostgreSQL when --db is a postgres:// URL", async () => {
    const database = await createTestDatabase("postgres");
    try {
      const onPostgres = (...args: string[]) =>
        strata(["--db", database.location, ...args, "--json"], { noDb: true });
      expect((await onPostgres("workflow", "create", "loan", "--file", "v1.yaml")).code).toBe(0);
      expect((await onPostgres("publish", "loan")).code).toBe(0);
      const versions = JSON.parse((await onPostgres("versions", "loan")).stdout) as Version[];
      expect(versions).toEqual([expect.objectContaining({ number: 1, live: true })]);
    } finally {
      await database.cleanup();
    }
  });

  it("keeps tenants apart with --tenant", async () => {
    await ok("workflow", "create", "loan", "--tenant", "acme");
    await fails("not_found", "workflow", "show", "loan");
    expect(await json<Workflow[]>("workflow", "list", "--tenant", "acme")).toHaveLength(1);
  });

  it("exits 2 with commander's message on invalid usage, 0 on --help", async () => {
    for (const args of [
      ["nope"],
      ["draft", "save", "loan"],
      ["version", "show", "loan", "x"],
      ["publish"],
      ["publish", "loan", "--percent", "lots"], // --percent takes a number
      ["workflow"],
    ]) {
      const result = await strata(args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr, args.join(" ")).not.toBe("");
    }
    expect((await strata(["version", "show", "loan", "0"])).stderr).toMatch(
      /invalid for argument 'n'/,
    );
    const help = await strata(["publish", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--retire-previous/);
    expect(help.stdout).toMatch(/--db <path\|postgres-url>/);
  });

  it("reports a database it cannot open as database_unavailable (exit 1)", async () => {
    const result = await strata(["--db", dir, "workflow", "list"], { noDb: true });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error\[database_unavailable\]: cannot open the database/);
  });

  it("reports unexpected failures as error[internal] with exit code 2", async () => {
    const io = (out: string[]) => ({
      stdout: { write: (text: string) => out.push(text) },
      stderr: { write: (text: string) => out.push(text) },
      env: {},
      cwd: dir,
    });
    const broken = (): Promise<OpenedBackend> => Promise.reject(new Error("disk on fire"));
    const text: string[] = [];
    expect(await runCli(["workflow", "list"], io(text), broken)).toBe(2);
    expect(text.join("")).toMatch(/^error\[internal\]: .*disk on fire/);
    const asJson: string[] = [];
    expect(await runCli(["workflow", "list", "--json"], io(asJson), broken)).toBe(2);
    expect(JSON.parse(asJson.join(""))).toMatchObject({ error: { code: "internal", status: 500 } });
  });

  it("closes the backend after every command, success or failure", async () => {
    const opened: BackendOptions[] = [];
    let closed = 0;
    const open = async (options: BackendOptions): Promise<OpenedBackend> => {
      opened.push(options);
      if (options.mode !== "local") throw new Error("expected local mode");
      const strataInstance = await Strata.open(options);
      return Object.assign(Object.create(strataInstance) as Strata, {
        close: async () => {
          closed += 1;
          await strataInstance.close();
        },
      });
    };
    const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: {}, cwd: dir };
    expect(
      await runCli(["workflow", "create", "loan", "--actor", "ann", "--tenant", "t1"], io, open),
    ).toBe(0);
    expect(
      await runCli(["workflow", "create", "loan", "--actor", "ann", "--tenant", "t1"], io, open),
    ).toBe(1);
    expect(
      await runCli(["draft", "save", "loan", "--file", "missing.yaml", "--tenant", "t1"], io, open),
    ).toBe(1);
    expect(closed).toBe(3);
    expect(opened[0]).toEqual({
      mode: "local",
      database: join(dir, "strata.db"),
      tenant: "t1",
      actor: "ann",
    });
  });
});
