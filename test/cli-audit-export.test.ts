/**
 * `strata audit export --out F` and `strata audit verify --bundle F` through `runCli`: the file
 * and the summary in local mode on both databases, the refusals (an existing file, a missing
 * folder, a file that is no bundle, a tampered bundle), that verifying a bundle opens no
 * backend, and the export against a real HTTP server giving the same bundle as local mode.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.js";
import type { BackendOpener } from "../src/cli/command-runner.js";
import { Strata } from "../src/index.js";
import type { AuditBundle } from "../src/index.js";
import { freePort } from "./support/free-port.js";
import { runCliIn } from "./support/local-cli.js";
import type { CliResult } from "./support/local-cli.js";
import { createTestDatabase, DIALECTS } from "./support/test-stores.js";
import type { TestDatabase } from "./support/test-stores.js";

/** A valid one-step definition, told apart by its description. */
function flow(label: string): object {
  return {
    description: label,
    start: "done",
    nodes: { done: { type: "end", output: { label: `'${label}'` } } },
  };
}

/** `loan`: created with a, saved as b, published, opened and saved as c; one token. */
async function history(database: string): Promise<void> {
  const strata = await Strata.open({ database, actor: "ann" });
  try {
    await strata.workflows.create({ key: "loan", definition: flow("a") });
    await strata.drafts.save("loan", { definition: flow("b"), revision: 1 });
    await strata.drafts.publish("loan");
    await strata.drafts.open("loan");
    await strata.drafts.save("loan", { definition: flow("c"), revision: 1 });
    await strata.tokens.create({ role: "viewer", name: "auditor" });
  } finally {
    await strata.close();
  }
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "strata-cli-audit-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI in `dir` with `env`, opening backends with `open` when given. */
const cli = (
  args: string[],
  options: { env?: Record<string, string>; open?: BackendOpener } = {},
): Promise<CliResult> => runCliIn(dir, args, options.env, options.open);

/** Expects the Strata error `code` (exit 1) in human and in JSON form; returns both. */
async function fails(
  code: string,
  args: string[],
  options: { env?: Record<string, string>; open?: BackendOpener } = {},
): Promise<{ human: string; error: { message: string; details?: unknown } }> {
  const human = await cli(args, options);
  expect(human.code, human.stderr).toBe(1);
  expect(human.stdout).toBe("");
  expect(human.stderr).toMatch(new RegExp(`^error\\[${code}\\]: \\S`));
  const asJson = await cli([...args, "--json"], options);
  expect(asJson.code).toBe(1);
  const body = JSON.parse(asJson.stdout) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  return { human: human.stderr, error: body.error };
}

/** Reads a bundle file. */
function readBundle(path: string): AuditBundle {
  return JSON.parse(readFileSync(path, "utf8")) as AuditBundle;
}

/** An opener that fails the test if a command opens a backend at all. */
const noBackend: BackendOpener = () => Promise.reject(new Error("a backend was opened"));
/** A server setting without a token: any command that read the global options would fail. */
const serverWithoutToken = { STRATA_SERVER: "http://127.0.0.1:9" };

describe.each(DIALECTS)("audit export and verify --bundle in local mode on %s", (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    await history(database.location);
  });
  afterAll(() => database.cleanup());

  it("writes the bundle, summarises it, and verifies it offline", async () => {
    const exported = await cli([
      "audit",
      "export",
      "--out",
      "audit.json",
      "--db",
      database.location,
    ]);
    expect(exported.stderr).toBe("");
    expect(exported.code).toBe(0);
    const path = join(dir, "audit.json");
    expect(exported.stdout).toMatch(
      new RegExp(
        [
          `^audit bundle written to ${path}`,
          "tenantId: +default",
          "events: +6",
          "head: +#6 sha256:[0-9a-f]{64}",
          "definitions: +2",
          "missing: +1 \\(named by events but no longer stored; listed in the bundle\\)\\n$",
        ].join("\\n"),
      ),
    );
    const bundle = readBundle(path);
    expect(bundle).toMatchObject({
      tenantId: "default",
      head: { seq: 6 },
      missing: [expect.any(String)],
    });
    // Nothing else was left in the folder: the temporary file became the bundle.
    expect(readdirSync(dir)).toEqual(["audit.json"]);

    const verified = await cli(["audit", "verify", "--bundle", "audit.json"], {
      env: serverWithoutToken,
      open: noBackend,
    });
    expect(verified.stderr).toBe("");
    expect(verified.code).toBe(0);
    expect(verified.stdout).toBe(
      [
        `audit bundle intact: 6 events, head #6 ${bundle.head?.hash}`,
        "tenantId:    default",
        `exportedAt:  ${bundle.exportedAt}`,
        "definitions: 2, each matching its hash",
        "missing:     1, not in the bundle and so not checked:",
        `  ${bundle.missing[0]}`,
        "",
      ].join("\n"),
    );
  });

  it("prints JSON summaries with --json", async () => {
    const exported = await cli([
      "audit",
      "export",
      "--out",
      "audit.json",
      "--db",
      database.location,
      "--json",
    ]);
    expect(exported.code, exported.stdout).toBe(0);
    const bundle = readBundle(join(dir, "audit.json"));
    expect(JSON.parse(exported.stdout)).toEqual({
      path: join(dir, "audit.json"),
      format: "strata-audit-bundle/1",
      tenantId: "default",
      exportedAt: bundle.exportedAt,
      events: 6,
      headSeq: 6,
      headHash: bundle.head?.hash,
      definitions: 2,
      missing: 1,
    });
    const verified = await cli(["audit", "verify", "--bundle", "audit.json", "--json"], {
      open: noBackend,
    });
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toEqual({
      ok: true,
      tenantId: "default",
      exportedAt: bundle.exportedAt,
      events: 6,
      headSeq: 6,
      headHash: bundle.head?.hash,
      definitions: 2,
      missing: bundle.missing,
    });
  });
});

describe("audit export and verify --bundle: refusals", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    await history(database.location);
  });
  afterAll(() => database.cleanup());

  const exportTo = (out: string, ...more: string[]) => [
    "audit",
    "export",
    "--out",
    out,
    "--db",
    database.location,
    ...more,
  ];

  it("refuses to replace a file unless --force, leaving it as it was", async () => {
    writeFileSync(join(dir, "audit.json"), "keep me");
    const { human } = await fails("validation_failed", exportTo("audit.json"));
    expect(human).toBe(
      `error[validation_failed]: ${join(dir, "audit.json")} already exists; pass --force to replace it, or choose another path\n`,
    );
    expect(readFileSync(join(dir, "audit.json"), "utf8")).toBe("keep me");

    const forced = await cli(exportTo("audit.json", "--force"));
    expect(forced.code, forced.stderr).toBe(0);
    expect(readBundle(join(dir, "audit.json")).events).toHaveLength(6);
    expect(readdirSync(dir)).toEqual(["audit.json"]);
  });

  it("says when the folder to write in does not exist", async () => {
    const { human } = await fails("not_found", exportTo("nowhere/audit.json"));
    expect(human).toMatch(/nowhere\/audit\.json: its directory does not exist/);
  });

  it("needs --out", async () => {
    const result = await cli(["audit", "export", "--db", database.location]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/required option '--out <file>' not specified/);
  });

  it("fails a tampered bundle with audit_broken, naming the first problem", async () => {
    await cli(exportTo("audit.json"));
    const bundle = readBundle(join(dir, "audit.json"));
    const second = bundle.events[1];
    if (second === undefined) throw new Error("too few events");
    second.actor = "mallory";
    writeFileSync(join(dir, "edited.json"), JSON.stringify(bundle));
    const edited = await fails("audit_broken", ["audit", "verify", "--bundle", "edited.json"], {
      open: noBackend,
    });
    expect(edited.human).toBe(
      `error[audit_broken]: the audit bundle ${join(dir, "edited.json")} is broken at event #2 (${second.id}): event #2 was edited: its content no longer matches its hash\n`,
    );
    expect(edited.error.details).toMatchObject({ ok: false, seq: 2, eventId: second.id });

    const intact = readBundle(join(dir, "audit.json"));
    const [hash] = Object.keys(intact.definitions);
    if (hash === undefined) throw new Error("no definition");
    intact.definitions[hash] = flow("forged");
    writeFileSync(join(dir, "forged.json"), JSON.stringify(intact));
    const forged = await fails("audit_broken", ["audit", "verify", "--bundle", "forged.json"]);
    expect(forged.human).toMatch(
      new RegExp(
        `^error\\[audit_broken\\]: the audit bundle \\S+forged\\.json is broken: definition ${hash}, named by event #\\d+ \\(\\S+\\), was altered`,
      ),
    );
  });

  it("says what is wrong with a file that is not a readable bundle", async () => {
    const options = { env: serverWithoutToken, open: noBackend };
    const verify = (file: string) => ["audit", "verify", "--bundle", file];
    const absent = await fails("not_found", verify("absent.json"), options);
    expect(absent.human).toBe(
      `error[not_found]: ${join(dir, "absent.json")}: the bundle file does not exist\n`,
    );

    writeFileSync(join(dir, "text.json"), "{ not json");
    const text = await fails("validation_failed", verify("text.json"), options);
    expect(text.human).toMatch(
      /text\.json: not JSON \(.+\); pass the file `strata audit export --out F` wrote/,
    );

    writeFileSync(join(dir, "definition.json"), JSON.stringify(flow("a")));
    const definition = await fails("validation_failed", verify("definition.json"), options);
    expect(definition.human).toMatch(
      /definition\.json: not a valid audit bundle: format must be "strata-audit-bundle\/1": this is not a Strata audit bundle/,
    );
    expect(definition.error.details).toEqual([
      { path: "format", message: expect.any(String) as unknown },
    ]);

    mkdirSync(join(dir, "folder"));
    await fails("validation_failed", verify("folder"), options);
  });
});

describe("audit export against a server", () => {
  let server: FastifyInstance;
  let serverStrata: Strata;
  let serverDir: string;
  let base: string;
  let viewerToken: string;

  beforeAll(async () => {
    serverDir = mkdtempSync(join(tmpdir(), "strata-cli-audit-server-"));
    const database = join(serverDir, "server.db");
    await history(database);
    serverStrata = await Strata.open({ database, actor: "setup" });
    viewerToken = (await serverStrata.tokens.create({ role: "viewer" })).token;
    server = await createApp({ services: serverStrata.serviceLayer, rateLimit: 0 });
    base = await server.listen({ port: await freePort(), host: "127.0.0.1" });
  });
  afterAll(async () => {
    await server.close();
    await serverStrata.close();
    rmSync(serverDir, { recursive: true, force: true });
  });

  it("writes the same bundle a local export of the server's database does", async () => {
    const remote = await cli(["audit", "export", "--out", "remote.json", "--json"], {
      env: { STRATA_SERVER: base, STRATA_TOKEN: viewerToken },
    });
    expect(remote.stderr).toBe("");
    expect(remote.code, remote.stdout).toBe(0);
    expect(JSON.parse(remote.stdout)).toMatchObject({
      path: join(dir, "remote.json"),
      events: 7,
      definitions: 2,
      missing: 1,
    });
    const local = await cli([
      "audit",
      "export",
      "--out",
      "local.json",
      "--db",
      join(serverDir, "server.db"),
    ]);
    expect(local.code, local.stderr).toBe(0);
    const fromServer = readBundle(join(dir, "remote.json"));
    const fromDatabase = readBundle(join(dir, "local.json"));
    expect({ ...fromServer, exportedAt: fromDatabase.exportedAt }).toEqual(fromDatabase);

    // Verifying needs the file only: the server's address may be anything, even dead.
    const verified = await cli(["audit", "verify", "--bundle", "remote.json", "--json"], {
      env: { STRATA_SERVER: `http://127.0.0.1:${await freePort()}`, STRATA_TOKEN: viewerToken },
    });
    expect(verified.code, verified.stdout).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, events: 7, definitions: 2 });
  });
});
