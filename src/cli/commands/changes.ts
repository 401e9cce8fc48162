/**
 * Seeing a change (DESIGN.md §5, §6, L7): `strata diff <wf> <a> <b>`, `strata replay <run-id>`,
 * `strata adapter add|list`, and `strata workflow policy <wf> --compatibility MODE`.
 */
import { InvalidArgumentError, Option } from "commander";
import type { Command } from "commander";
import type { ReplayRequest } from "../../index.js";
import { StrataError } from "../../core/errors.js";
import { MAX_APPROVALS } from "../../core/policy.js";
import type { PolicyChange } from "../../core/policy.js";
import type { CommandRunner } from "../command-runner.js";
import { positiveInteger } from "../positive-integer.js";
import { renderWorkflow } from "../render.js";
import { renderAdapters, renderDiff, renderMigration, renderReplay } from "../render-changes.js";
import { versionSelector } from "./run.js";

/** `3`, `draft` or `live`. */
function diffSide(value: string): number | "draft" | "live" {
  if (value === "draft" || value === "live") return value;
  try {
    return positiveInteger(value);
  } catch {
    throw new InvalidArgumentError("expected a version number, draft or live.");
  }
}

/** `node=JSON`, repeatable: a task result or signal payload for replay. */
function mockArgument(
  value: string,
  previous: Record<string, unknown> = {},
): Record<string, unknown> {
  const at = value.indexOf("=");
  if (at < 1) throw new InvalidArgumentError("expected node=JSON, e.g. notify='{\"status\":200}'.");
  try {
    return { ...previous, [value.slice(0, at)]: JSON.parse(value.slice(at + 1)) as unknown };
  } catch {
    throw new InvalidArgumentError(`the value of ${value.slice(0, at)} is not JSON.`);
  }
}

/** Adds `diff`, `replay`, `adapter` and `workflow policy`. */
export function registerChangeCommands(program: Command, runner: CommandRunner): void {
  registerMigrateCommand(program, runner);
  program
    .command("diff <wf>")
    .argument("<a>", "the version to compare from: a number, draft or live", diffSide)
    .argument("<b>", "the version to compare to", diffSide)
    .description("what changed between two versions: fields, nodes, edges, input schema")
    .action(
      (
        ref: string,
        a: number | "draft" | "live",
        b: number | "draft" | "live",
        _flags: unknown,
        command: Command,
      ) =>
        runner.run(command, async ({ backend, output }) => {
          const diff = await backend.versions.diff(ref, a, b);
          output.result(diff, () => renderDiff(ref, diff));
        }),
    );
  program
    .command("replay <run-id>")
    .description("replay a past run through another version, with no side effects, side by side")
    .option("--version <selector>", "live (default), latest, a number, or draft", versionSelector)
    .option("--adapter <expr>", "a JSONata expression from the run's input to the target's")
    .option(
      "--mock <node=json>",
      "a task result (or signal payload) for a node; repeat for more",
      mockArgument,
    )
    .action(
      (
        runId: string,
        flags: {
          version?: ReplayRequest["version"];
          adapter?: string;
          mock?: Record<string, unknown>;
        },
        command: Command,
      ) =>
        runner.run(command, async ({ backend, output }) => {
          const run = await backend.runs.show(runId);
          const request: ReplayRequest = { runId };
          if (flags.version !== undefined) request.version = flags.version;
          if (flags.adapter !== undefined) request.adapter = flags.adapter;
          if (flags.mock !== undefined) request.mocks = flags.mock;
          const report = await backend.replays.replay(run.workflowId, request);
          output.result(report, () => renderReplay(report));
        }),
    );
  const adapter = program
    .command("adapter")
    .description("input adapters: carry old runs' inputs across a schema change, for replay");
  adapter
    .command("add <wf>")
    .description("register (or replace) the adapter from version --from to version --to")
    .requiredOption("--from <n>", "the version whose runs' inputs it reads", positiveInteger)
    .requiredOption("--to <n>", "the version whose schema its result must fit", positiveInteger)
    .requiredOption("--expression <expr>", "JSONata from the old input to the new one")
    .action(
      (ref: string, flags: { from: number; to: number; expression: string }, command: Command) =>
        runner.run(command, async ({ backend, output }) => {
          const { from, to, expression } = flags;
          const added = await backend.replays.registerAdapter(ref, { from, to, expression });
          output.result(added, () => renderAdapters([added]));
        }),
    );
  adapter
    .command("list <wf>")
    .description("list the workflow's input adapters")
    .action((ref: string, _flags: unknown, command: Command) =>
      runner.run(command, async ({ backend, output }) => {
        const adapters = await backend.replays.listAdapters(ref);
        output.result(adapters, () => renderAdapters(adapters));
      }),
    );
}

/** `old=new,old2=new2` (repeatable): the wait nodes a migration maps. */
function mapArgument(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const map = { ...previous };
  for (const pair of value.split(",")) {
    const [from, to, ...rest] = pair.split("=").map((part) => part.trim());
    if (from === undefined || from === "" || to === undefined || to === "" || rest.length > 0) {
      throw new InvalidArgumentError("expected old=new pairs, e.g. review=review2,hold=hold");
    }
    map[from] = to;
  }
  return map;
}

/** Adds `migrate`. */
export function registerMigrateCommand(program: Command, runner: CommandRunner): void {
  program
    .command("migrate <wf>")
    .description("move runs waiting on one version to another, by a map of wait nodes")
    .requiredOption("--from <n>", "the version the runs wait on", positiveInteger)
    .requiredOption("--to <n>", "the version to move them to", positiveInteger)
    .requiredOption(
      "--map <old=new,…>",
      "which wait node of --to each wait node of --from becomes",
      mapArgument,
    )
    .option("--dry-run", "report per run whether it can move and why not; move nothing")
    .action(
      (
        ref: string,
        flags: { from: number; to: number; map: Record<string, string>; dryRun?: boolean },
        command: Command,
      ) =>
        runner.run(command, async ({ backend, output }) => {
          const report = await backend.migrations.migrate(ref, {
            from: flags.from,
            to: flags.to,
            map: flags.map,
            dryRun: flags.dryRun === true,
          });
          output.result(report, () => renderMigration(ref, report));
        }),
    );
}

/** Adds `workflow policy` to the `workflow` command. */
export function registerPolicyCommand(workflow: Command, runner: CommandRunner): void {
  workflow
    .command("policy <wf>")
    .description(
      "set what publishes must keep: the input-schema compatibility mode, and whether they need approvals",
    )
    .addOption(
      new Option("--compatibility <mode>", "backward (default), forward, full or none").choices([
        "backward",
        "forward",
        "full",
        "none",
      ]),
    )
    .option("--require-review", "publishing needs approvals of the published revision")
    .option("--no-review", "publishing needs no approvals (the default)")
    .option(
      "--approvals <n>",
      `how many approvals, from different people (1 to ${MAX_APPROVALS}; default 1)`,
      positiveInteger,
    )
    .action((ref: string, flags: PolicyFlags, command: Command) =>
      runner.run(command, async ({ backend, output }) => {
        const workflow = await backend.workflows.setPolicy(ref, policyChange(flags));
        output.result(workflow, () => renderWorkflow(workflow));
      }),
    );
}

/** The flags of `workflow policy`. */
interface PolicyFlags {
  compatibility?: "backward" | "forward" | "full" | "none";
  requireReview?: boolean;
  /** Commander's `--no-review`: false when given, true otherwise. */
  review?: boolean;
  approvals?: number;
}

function policyChange(flags: PolicyFlags): PolicyChange {
  if (flags.requireReview === true && flags.review === false) {
    throw new StrataError(
      "validation_failed",
      "--require-review and --no-review contradict each other; give one",
    );
  }
  if (flags.approvals !== undefined && flags.requireReview !== true) {
    throw new StrataError(
      "validation_failed",
      "--approvals sets how many approvals --require-review needs; give both",
    );
  }
  const review =
    flags.requireReview === true
      ? { required: true, ...(flags.approvals === undefined ? {} : { approvals: flags.approvals }) }
      : flags.review === false
        ? { required: false }
        : undefined;
  return {
    ...(flags.compatibility === undefined ? {} : { compatibility: flags.compatibility }),
    ...(review === undefined ? {} : { review }),
  };
}
