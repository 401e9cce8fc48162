/**
 * Runs the README's shell blocks as written, in order, in a fresh directory holding a copy of
 * `examples/` (issue 18: its examples after the walkthrough could not run: no draft open, a
 * deleted v1, a missing application.json, no v3, no flows/). Every `npx strata …` line runs in
 * local mode on `./strata.db` there, a `"$(npx strata …)"` word being replaced by what that
 * command printed, and must succeed. The other lines of the README and of docs/*.md are each
 * named below with the reason the suite does not run them (installing, the suite itself, the
 * benches, and calls to a running server, which test/serve.test.ts and the walkthrough's
 * remote mode cover). docs/walkthrough.md runs in test/cli-walkthrough.test.ts.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fencedBlocks, shellLines } from "./support/doc-commands.js";
import type { ShellLine } from "./support/doc-commands.js";
import { runCliIn } from "./support/local-cli.js";

const REPO = fileURLToPath(new URL("..", import.meta.url));

/** Lines the suite does not run, each with why. */
const NOT_RUN: ReadonlyArray<readonly [RegExp, string]> = [
  [/^npm (install|ci)\b/, "installs the package: done before the suite runs"],
  [/^npm (test|run lint|run typecheck)\b/, "the suite and its checks: CI runs them"],
  [/^npm run bench\b/, "the benches: minutes each, run by hand or in CI's bench job"],
  [/^npm start\b/, "a server that runs until stopped: test/serve.test.ts starts one"],
  [/^curl /, "a call to a running server with its token: covered by test/serve.test.ts"],
  [/^\{ echo "definition:";/, "builds the body of a call to a running server (docs/api.md)"],
  [/^export STRATA_SERVER=/, "points the CLI at a server: the walkthrough's remote mode runs so"],
];

/** The shell lines of a document's `sh` blocks, in order. */
function commandsOf(file: string): ShellLine[] {
  const markdown = readFileSync(join(REPO, file), "utf8");
  return fencedBlocks(markdown)
    .filter((block) => block.language === "sh")
    .flatMap((block) => shellLines(block.body));
}

const isStrata = (line: ShellLine): boolean =>
  line.words[0] === "npx" && line.words[1] === "strata";
/** A continued line (`\` at its end) belongs to the command it continues. */
const continued = (lines: readonly ShellLine[], index: number): boolean =>
  index > 0 && (lines[index - 1]?.line.endsWith("\\") ?? false);

describe("the shell blocks of the README and docs/", () => {
  const files = [
    "README.md",
    ...readdirSync(join(REPO, "docs"))
      .filter((name) => name.endsWith(".md") && name !== "walkthrough.md")
      .map((name) => `docs/${name}`),
  ];

  it("hold only strata commands and lines named here with why they are not run", () => {
    const unexplained = files.flatMap((file) =>
      commandsOf(file)
        .filter((line, index, all) => !isStrata(line) && !continued(all, index))
        .filter((line) => !NOT_RUN.some(([pattern]) => pattern.test(line.line)))
        .map((line) => `${file}: ${line.line}`),
    );
    expect(unexplained).toEqual([]);
  });

  it("hold strata commands only in the README (and the walkthrough)", () => {
    const elsewhere = files
      .filter((file) => file !== "README.md")
      .flatMap((file) =>
        commandsOf(file)
          .filter(isStrata)
          .map((line) => `${file}: ${line.line}`),
      );
    expect(elsewhere).toEqual([]);
  });
});

describe("the README's strata commands, in order", () => {
  let cwd: string;
  const steps = commandsOf("README.md").filter(isStrata);

  beforeAll(() => {
    cwd = mkdtempSync(join(tmpdir(), "strata-readme-"));
    cpSync(join(REPO, "examples"), join(cwd, "examples"), { recursive: true });
  });
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  /** Runs `strata <args>` in the directory, on its `./strata.db`. */
  const strata = (args: readonly string[]) => runCliIn(cwd, args, { STRATA_DB: "" });

  it("has the tour, rollouts, change safety, review and apply", () => {
    expect(steps.length).toBeGreaterThan(35);
  });

  for (const [index, step] of steps.entries()) {
    it(`step ${index + 1}: ${step.line}`, async () => {
      const args: string[] = [];
      for (const word of step.words.slice(2)) {
        const inner = /^\$\(npx strata (.*)\)$/.exec(word)?.[1];
        if (inner === undefined) {
          args.push(word);
          continue;
        }
        const substituted = await strata(inner.split(" "));
        expect(substituted.code, substituted.stderr).toBe(0);
        args.push(substituted.stdout.trim());
      }
      const outcome = await strata(args);
      expect(outcome.stderr, `${step.line}\n${outcome.stdout}`).toBe("");
      expect(outcome.code, step.line).toBe(0);
    }, 60_000);
  }

  it("ends where the README says: v4 published after rita's approval, fees from the flows", async () => {
    const versions = JSON.parse((await strata(["versions", "loan", "--json"])).stdout) as Array<{
      number: number | null;
      approvedBy: Array<{ actor: string }>;
      live: boolean;
    }>;
    expect(versions[0]).toMatchObject({ number: 4, live: true, approvedBy: [{ actor: "rita" }] });
    expect((await strata(["workflow", "show", "fees"])).stdout).toMatch(/^liveVersion: +1$/m);
  });
});
