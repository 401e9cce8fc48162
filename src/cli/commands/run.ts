/**
 * `strata run start|show|list|signal|cancel`: runs of a workflow (DESIGN.md §3, §4, L12–L13).
 * A pure decision flow finishes inside `run start`; a flow that reaches a task or a wait comes
 * back `running` or `waiting`, and a worker (`strata worker`) or a signal moves it on.
 */
import { InvalidArgumentError, Option } from "commander";
import type { Command } from "commander";
import type { ListRunsOptions, Run, RunKind, RunStatus, VersionSelector } from "../../index.js";
import type { StrataBackend } from "../backend.js";
import type { CommandContext, CommandRunner } from "../command-runner.js";
import { jsonArgument, readJsonArgument } from "../json-argument.js";
import type { JsonArgument } from "../json-argument.js";
import type { Output } from "../output.js";
import { positiveInteger } from "../positive-integer.js";
import { renderRun, renderRunTable } from "../render-run.js";
import { workflowKeys } from "../workflow-keys.js";

/** The flags of `run start`. */
interface StartFlags {
  input: JsonArgument;
  version?: VersionSelector;
  key?: string;
  test?: boolean;
  idempotencyKey?: string;
}

/** The flags of `run list`; `kind` has its default. */
interface ListFlags {
  workflow?: string;
  version?: number;
  kind: RunKind | "all";
  status?: RunStatus;
  limit: number;
  quiet?: boolean;
}

/** How many runs `run list` prints when `--limit` is not given: the newest page. */
export const DEFAULT_RUN_LIMIT = 50;

const RUN_STATUSES: readonly RunStatus[] = [
  "running",
  "waiting",
  "completed",
  "failed",
  "cancelled",
];

/** Adds the `run` command and its subcommands to the program. */
export function registerRunCommands(program: Command, runner: CommandRunner): void {
  const run = program
    .command("run")
    .description("start, show, list, signal and cancel runs of workflows");
  addStartCommand(run, runner);
  run
    .command("show <id>")
    .description("show a run with its trace, one line per step")
    .action((id: string, _flags: unknown, command: Command) =>
      runner.run(command, async (context) =>
        printRun(context, await context.backend.runs.show(id), true),
      ),
    );
  addListCommand(run, runner);
  run
    .command("signal <id> <name>")
    .description("send signal <name> to a run that waits for it")
    .option(
      "--data <json>",
      "the signal's payload (JSON, or @file.json; default: null)",
      jsonArgument,
    )
    .action((id: string, name: string, flags: { data?: JsonArgument }, command: Command) =>
      runner.run(command, (context) => signalRun(context, id, name, flags.data)),
    );
  run
    .command("cancel <id>")
    .description("cancel a running or waiting run")
    .action((id: string, _flags: unknown, command: Command) =>
      runner.run(command, async (context) =>
        printRun(context, await context.backend.runs.cancel(id)),
      ),
    );
}

function addStartCommand(run: Command, runner: CommandRunner): void {
  run
    .command("start <wf>")
    .description(
      "start a run: a pure decision flow finishes at once and prints its output; one that " +
        "reaches a task or a wait prints the run running or waiting",
    )
    .requiredOption("--input <json>", "the run's input (JSON, or @file.json)", jsonArgument)
    .option(
      "--version <selector>",
      "live (default), latest, a version number, or draft (always a test run)",
      versionSelector,
    )
    .option("--key <key>", "the routing key: keeps one customer on one version in a rollout")
    .option("--test", "start a test run, kept out of production lists and figures")
    .option(
      "--idempotency-key <key>",
      "the same key and request return the first run instead of starting another",
    )
    .action((ref: string, flags: StartFlags, command: Command) =>
      runner.run(command, (context) => startRun(context, ref, flags)),
    );
}

function addListCommand(run: Command, runner: CommandRunner): void {
  run
    .command("list")
    .description("list runs, newest first; test runs only with --kind test or all")
    .option("--workflow <wf>", "only the runs of one workflow (id or key)")
    .option("--version <n>", "only the runs of version N", positiveInteger)
    .addOption(
      new Option("--kind <kind>", "which runs")
        .choices(["production", "test", "all"])
        .default("production"),
    )
    .addOption(new Option("--status <status>", "only runs in this status").choices(RUN_STATUSES))
    .option("--limit <n>", "at most this many runs, the newest", positiveInteger, DEFAULT_RUN_LIMIT)
    .option(
      "-q, --quiet",
      'print only the runs\' ids, one per line (for scripts: strata replay "$(strata run list -q --limit 1)")',
    )
    .action((flags: ListFlags, command: Command) =>
      runner.run(command, (context) => listRuns(context, flags)),
    );
}

/** Starts a run; `--version draft` makes it a test run whatever `--test` says. */
async function startRun(context: CommandContext, ref: string, flags: StartFlags): Promise<void> {
  const input = await readJsonArgument(flags.input, "--input", context.resolvePath);
  const run = await context.backend.runs.start(ref, {
    input,
    ...(flags.version === undefined ? {} : { version: flags.version }),
    ...(flags.test === true ? { kind: "test" as const } : {}),
    ...(flags.key === undefined ? {} : { routingKey: flags.key }),
    ...(flags.idempotencyKey === undefined ? {} : { idempotencyKey: flags.idempotencyKey }),
  });
  await printRun(context, run);
}

async function signalRun(
  context: CommandContext,
  id: string,
  name: string,
  data: JsonArgument | undefined,
): Promise<void> {
  const payload =
    data === undefined ? undefined : await readJsonArgument(data, "--data", context.resolvePath);
  await printRun(context, await context.backend.runs.signal(id, name, payload));
}

async function listRuns({ backend, output }: CommandContext, flags: ListFlags): Promise<void> {
  const options: ListRunsOptions = { kind: flags.kind, limit: flags.limit };
  if (flags.workflow !== undefined) options.workflow = flags.workflow;
  if (flags.version !== undefined) options.version = flags.version;
  if (flags.status !== undefined) options.status = flags.status;
  const page = await backend.runs.list(options);
  const runs = page.items;
  if (flags.quiet === true && !output.json) {
    output.result(runs, () => runs.map((run) => run.id).join("\n"));
    return;
  }
  const keys = output.json
    ? new Map<string, string>()
    : await workflowKeys(
        backend,
        runs.map((run) => run.workflowId),
      );
  output.result(runs, () =>
    renderRunTable(runs, keys, { more: page.nextCursor !== null, hint: emptyHint(flags) }),
  );
}

/**
 * Prints a run: the whole run with `--json`, else its block (with the trace for `run show`)
 * naming its workflow's key.
 */
export async function printRun(
  { backend, output }: { backend: StrataBackend; output: Output },
  run: Run,
  trace = false,
): Promise<void> {
  const workflowKey = output.json
    ? undefined
    : (await workflowKeys(backend, [run.workflowId])).get(run.workflowId);
  output.result(run, () => renderRun(run, { workflowKey, trace }));
}

/** `live`, `latest`, `draft` or a version number; anything else is a usage error. */
export function versionSelector(value: string): VersionSelector {
  if (value === "live" || value === "latest" || value === "draft") return value;
  try {
    return positiveInteger(value);
  } catch {
    throw new InvalidArgumentError("expected live, latest, draft or a version number.");
  }
}

/** What an empty list says: test runs are only listed when asked for (L13). */
function emptyHint(flags: ListFlags): string {
  return flags.kind === "production"
    ? "No production runs match; test runs are listed with --kind test or --kind all."
    : "No runs match.";
}
