/**
 * Runs docs/walkthrough.md as written: every `npx strata …` line of its `sh` blocks runs as a
 * child process (`node --import tsx src/cli/main.ts …`) in a fresh directory holding a copy of
 * `examples/`, with `$STRATA_DB` unset so the default `./strata.db` is used. Each step's output
 * is checked below, and each `text` block in the document (sample output) must match what the
 * command before it printed, up to times, hashes, ids, column widths and the user's name. So
 * the document cannot drift from what the CLI does.
 *
 * It runs twice: in local mode, and in remote mode against a real `strata serve` process on a
 * free port, with `$STRATA_SERVER` and the first admin token it printed as `$STRATA_TOKEN`.
 * There the actor is the token, and the audit log starts with the event of that first token.
 */
import { execFile, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localActor, parseDefinitionText } from "../src/index.js";
import { fencedBlocks, shellLines } from "./support/doc-commands.js";
import { freePort } from "./support/free-port.js";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const MAIN = join(REPO, "src", "cli", "main.ts");
/** tsx's loader by absolute URL: the child runs outside the repository, where `tsx` would not resolve. */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
/** Lines of `sh` blocks that are not strata commands and that the test does not run. */
const SETUP_LINES = ["npm install"];

/** One `npx strata …` line of the document, with the sample output shown after it, if any. */
interface Step {
  line: string;
  args: string[];
  sample?: string;
}

/** What a child process printed and how it exited. */
interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Checks per step, in the document's order, keyed by the command line as written. */
const EXPECTATIONS: ReadonlyArray<readonly [string, (outcome: Outcome, actor: string) => void]> = [
  [
    `workflow create loan --file examples/loan.yaml --name "Loan decision"`,
    (o, actor) => {
      succeeded(o);
      expect(o.stdout).toMatch(/^key: +loan$/m);
      expect(o.stdout).toMatch(/^name: +Loan decision$/m);
      expect(o.stdout).toMatch(/^draftRevision: +1$/m);
      expect(o.stdout).toMatch(new RegExp(`^createdBy: +${escape(actor)}$`, "m"));
    },
  ],
  [
    "draft show loan",
    (o) => {
      succeeded(o);
      expect(o.stdout).toMatch(/^state: +draft \(rev 1 → v1\)$/m);
      expect(o.stdout).toMatch(/^problems: +none/m);
    },
  ],
  [
    `publish loan --description "first rules"`,
    (o) => {
      succeeded(o);
      expect(o.stdout).toMatch(/^number: +1$/m);
      expect(o.stdout).toMatch(/^live: +yes$/m);
      expect(o.stdout).toMatch(/^summary:\n {2}first version$/m);
    },
  ],
  ["versions loan", (o) => succeeded(o)],
  [
    "draft open loan",
    (o) => {
      succeeded(o);
      expect(o.stdout).toMatch(/^state: +draft \(rev 1 → v2\)$/m);
      expect(o.stdout).toMatch(/^baseVersion: +1$/m);
    },
  ],
  [
    "draft save loan --file examples/loan-v2.yaml",
    (o) => {
      succeeded(o);
      expect(o.stdout).toMatch(/^revision: +2$/m);
      expect(o.stdout).toMatch(/^problems: +none/m);
    },
  ],
  [
    `publish loan --description "stricter limit" --retire-previous`,
    (o) => {
      succeeded(o);
      expect(o.stdout).toMatch(/^number: +2$/m);
      expect(o.stdout).toMatch(/^summary:\n {2}node changed: route \(cases\)$/m);
    },
  ],
  ["versions loan", (o) => succeeded(o)],
  [
    "version retire loan 2",
    (o) => {
      expect(o.code).toBe(1);
      expect(o.stdout).toBe("");
    },
  ],
  [
    "version restore loan 1",
    (o) => {
      succeeded(o);
      expect(o.stdout).toMatch(/^state: +published$/m);
      expect(o.stdout).toMatch(/^live: +no$/m);
    },
  ],
  [
    "draft open loan --from 1",
    (o) => {
      succeeded(o);
      expect(o.stdout).toMatch(/^state: +draft \(rev 1 → v3\)$/m);
      expect(o.stdout).toMatch(/^baseVersion: +1$/m);
    },
  ],
  [
    "draft discard loan",
    (o) => {
      succeeded(o);
      expect(o.stdout).toBe("discarded the draft of loan\n");
    },
  ],
  [
    "version retire loan 1",
    (o) => {
      succeeded(o);
      expect(o.stdout).toMatch(/^state: +retired$/m);
    },
  ],
  [
    "version delete loan 1",
    (o) => {
      succeeded(o);
      expect(o.stdout).toBe("deleted version 1 of loan; its number stays used\n");
    },
  ],
  ["versions loan", (o) => succeeded(o)],
  ["audit list", (o) => succeeded(o)],
  ["audit verify", (o) => succeeded(o)],
  [
    "audit export --out audit.json",
    (o) => {
      succeeded(o);
      expect(o.stdout).toMatch(/^audit bundle written to \/.*\/audit\.json$/m);
      expect(o.stdout).toMatch(/^definitions: +1$/m);
    },
  ],
  ["audit verify --bundle audit.json", (o) => succeeded(o)],
  [
    `run start loan --input '{"amount": 5000, "applicant": {"id": "a-17", "income": 90000, "age": 30, "country": "DE"}}'`,
    (o) => {
      succeeded(o);
      expect(o.stdout).toMatch(/^versionNumber: +2$/m);
      expect(o.stdout).toMatch(/^status: +completed$/m);
      expect(o.stdout).toMatch(/^output: +\{"decision":"approve","score":60\}$/m);
    },
  ],
  [
    "run list",
    (o) => {
      succeeded(o);
      expect(o.stdout).toMatch(/^run_\w+ +loan +v2 +production +completed /m);
    },
  ],
];

const walkthrough = readWalkthrough(readFileSync(join(REPO, "docs", "walkthrough.md"), "utf8"));

describe("docs/walkthrough.md", () => {
  it("runs only strata commands, the ones this test checks", () => {
    expect(walkthrough.otherLines.filter((line) => !SETUP_LINES.includes(line))).toEqual([]);
    expect(walkthrough.steps.map((step) => step.line)).toEqual(EXPECTATIONS.map(([line]) => line));
  });

  it("edits only the switch's amount threshold in loan-v2.yaml", () => {
    const v1 = definitionFile("loan.yaml");
    const v2 = definitionFile("loan-v2.yaml");
    expect({ ...v2, nodes: { ...v2.nodes, route: v1.nodes.route } }).toEqual(v1);
    expect(JSON.stringify(v2.nodes.route)).not.toEqual(JSON.stringify(v1.nodes.route));
  });
});

describe.each(["local", "remote"] as const)("docs/walkthrough.md in %s mode", (mode) => {
  let cwd: string;
  let server: ChildProcess | undefined;
  /** The environment of every step, and who the changes are attributed to. */
  let env: Record<string, string | undefined>;
  let actor = localActor();

  beforeAll(async () => {
    cwd = mkdtempSync(join(tmpdir(), "strata-walkthrough-"));
    cpSync(join(REPO, "examples"), join(cwd, "examples"), { recursive: true });
    env = { ...process.env };
    delete env.STRATA_DB;
    if (mode === "remote") {
      const started = await startServer(join(cwd, "server.db"));
      server = started.child;
      env = { ...env, STRATA_SERVER: started.url, STRATA_TOKEN: started.token };
      actor = "admin"; // the first admin token's name
    }
  }, 60_000);
  afterAll(async () => {
    if (server !== undefined) {
      const exited = new Promise((resolve) => server?.on("close", resolve));
      server.kill("SIGTERM");
      await exited;
    }
    rmSync(cwd, { recursive: true, force: true });
  });

  for (const [index, step] of walkthrough.steps.entries()) {
    it(`step ${index + 1}: strata ${step.line}`, async () => {
      const outcome = await runStrata(step.args, cwd, env);
      const check = EXPECTATIONS[index]?.[1];
      expect(check, "every step has an expectation").toBeDefined();
      check?.(outcome, actor);
      if (step.sample !== undefined) {
        const adjust = mode === "remote" ? withoutFirstToken : (text: string) => text;
        expect(adjust(normalize(outcome.stdout + outcome.stderr, actor))).toEqual(
          adjust(normalize(step.sample, "ann")),
        );
      }
    }, 60_000);
  }
});

/**
 * `strata serve` as a child process on a free port; resolves once it listens, with the first
 * admin token it printed.
 */
async function startServer(
  database: string,
): Promise<{ child: ChildProcess; url: string; token: string }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ["--import", TSX, MAIN, "serve", "--port", String(port), "--db", database],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, STRATA_LOG_LEVEL: "warn" } },
  );
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  for (let i = 0; i < 400 && !stdout.includes("listening"); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const token = /\n\s+(tok_\S+)/.exec(stderr)?.[1];
  if (!stdout.includes("listening") || token === undefined) {
    child.kill("SIGKILL");
    throw new Error(`strata serve did not start: ${stdout}${stderr}`);
  }
  return { child, url: `http://127.0.0.1:${port}`, token };
}

/**
 * Against a server, the audit log also holds the event of the first admin token (sequence 1),
 * so the document's events come one later: drop that line and the sequence numbers.
 */
function withoutFirstToken(text: string): string {
  return text
    .split("\n")
    .filter((line) => !line.includes("token.created"))
    .map((line) => line.replace(/^\d+ /, "<seq> "))
    .join("\n")
    .replace(/intact: \d+ events, head #\d+/, "intact: <n> events, head #<n>");
}

function succeeded(outcome: Outcome): void {
  expect(outcome.stderr).toBe("");
  expect(outcome.code).toBe(0);
}

/** Runs the CLI from source, as `npx strata` would run its build. */
function runStrata(
  args: readonly string[],
  cwd: string,
  env: Record<string, string | undefined>,
): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", TSX, MAIN, ...args],
      { cwd, env },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The `npx strata` lines of the `sh` blocks, each with the `text` block right after its block. */
function readWalkthrough(markdown: string): { steps: Step[]; otherLines: string[] } {
  const steps: Step[] = [];
  const otherLines: string[] = [];
  let previous: { language: string; steps: Step[] } | undefined;
  for (const { language, body } of fencedBlocks(markdown)) {
    if (language === "text" && previous?.language === "sh") {
      const last = previous.steps.at(-1);
      if (last !== undefined) last.sample = body;
    }
    const blockSteps: Step[] = [];
    if (language === "sh") {
      for (const { line, words } of shellLines(body)) {
        if (words[0] === "npx" && words[1] === "strata")
          blockSteps.push({ line: line.replace(/^npx strata /, ""), args: words.slice(2) });
        else otherLines.push(line);
      }
    }
    steps.push(...blockSteps);
    previous = { language, steps: blockSteps };
  }
  return { steps, otherLines };
}

/**
 * Output with what legitimately varies made uniform: times, hashes and ids, runs of spaces
 * (column widths follow the user name's length), and the user's name (`ann` in the document).
 */
function normalize(text: string, actor = localActor()): string {
  return text
    .replace(/\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?Z)?/g, "<time>")
    .replace(/sha256:[0-9a-f]{64}/g, "<hash>")
    .replace(/\b[0-9a-f]{12}\b/g, "<hash>")
    .replace(/\b(wfl|wflv|evt|run)_[0-9a-z]{26}\b/g, "<id>")
    .replace(new RegExp(`(?<=^|\\s)${escape(actor)}(?=\\s|$)`, "gm"), "<actor>")
    .split("\n")
    .map((line) => line.replace(/ +/g, " ").trim())
    .join("\n")
    .trim();
}

function definitionFile(
  name: string,
): { nodes: Record<string, unknown> } & Record<string, unknown> {
  return parseDefinitionText(readFileSync(join(REPO, "examples", name), "utf8")) as {
    nodes: Record<string, unknown>;
  };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
