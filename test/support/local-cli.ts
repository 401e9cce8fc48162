/**
 * The CLI run in-process on a local SQLite file, for the CLI tests: each call captures what the
 * command printed and its exit code. `ok` and `json` expect success; `failure` expects a refusal
 * and returns its `--json` error.
 */
import { expect } from "vitest";
import type { CliIo } from "../../src/cli/cli-io.js";
import type { BackendOpener } from "../../src/cli/command-runner.js";
import { runCli } from "../../src/cli/run-cli.js";

/** What one CLI run printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A refusal as `--json` prints it. */
export interface CliError {
  code: string;
  message: string;
  details?: unknown;
}

/** Where the CLI runs: asked at each call, so a test's `beforeEach` can make a new folder. */
export interface CliPlace {
  /** The working directory relative paths resolve against. */
  cwd: string;
  /** The database (`--db`). */
  db: string;
}

/**
 * Runs `strata <args>` in-process in `cwd` with the environment `env`, opening backends with
 * `open` when given (to check that a command opens none, say).
 */
export async function runCliIn(
  cwd: string,
  args: readonly string[],
  env: Record<string, string> = {},
  open?: BackendOpener,
): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: { write: (text: string) => out.push(text) },
    stderr: { write: (text: string) => err.push(text) },
    env,
    cwd,
  };
  const code = await runCli([...args], io, open);
  return { code, stdout: out.join(""), stderr: err.join("") };
}

/** The CLI in local mode on `place()`'s database, acting as `actor`. */
export function localCli(place: () => CliPlace, actor = "ann") {
  const strata = (...args: string[]): Promise<CliResult> => {
    const { cwd, db } = place();
    return runCliIn(cwd, ["--db", db, "--actor", actor, ...args]);
  };
  /** Runs a command that must succeed; its stdout. */
  const ok = async (...args: string[]): Promise<string> => {
    const result = await strata(...args);
    expect(result.stderr, args.join(" ")).toBe("");
    expect(result.code, args.join(" ")).toBe(0);
    return result.stdout;
  };
  /** Runs a command that must succeed with `--json`; its parsed output. */
  const json = async <T>(...args: string[]): Promise<T> =>
    JSON.parse(await ok(...args, "--json")) as T;
  /** Runs a command that must be refused (exit 1) with `--json`; its error. */
  const failure = async (...args: string[]): Promise<CliError> => {
    const result = await strata(...args, "--json");
    expect(result.code, `${args.join(" ")}: ${result.stdout}${result.stderr}`).toBe(1);
    return (JSON.parse(result.stdout) as { error: CliError }).error;
  };
  return { strata, ok, json, failure };
}
