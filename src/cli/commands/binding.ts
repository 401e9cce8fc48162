/**
 * `strata binding create|show|list|update|delete|run`: named entry points bound to a workflow
 * and a selector, optionally subscribed to an event type or a cron schedule (DESIGN.md §3).
 */
import { InvalidArgumentError } from "commander";
import type { Command } from "commander";
import type { BindingSelector, CreateBindingInput, UpdateBindingInput } from "../../index.js";
import { collectPages } from "../collect-pages.js";
import type { CommandContext, CommandRunner } from "../command-runner.js";
import { jsonArgument, readJsonArgument } from "../json-argument.js";
import type { JsonArgument } from "../json-argument.js";
import { positiveInteger } from "../positive-integer.js";
import { renderBinding, renderBindingTable } from "../render-routing.js";
import { printRun } from "./run.js";

/** The settings flags of `binding create`. */
interface CreateFlags {
  workflow: string;
  selector?: BindingSelector;
  event?: string;
  cron?: string;
  timezone?: string;
  input?: JsonArgument;
}

/**
 * The flags of `binding update`: each optional; `--no-event`, `--no-cron` and `--no-timezone`
 * give `false`, and an empty value (`--event ""`) clears too.
 */
interface UpdateFlags {
  workflow?: string;
  selector?: BindingSelector;
  event?: string | false;
  cron?: string | false;
  timezone?: string | false;
  input?: JsonArgument;
}

/** The flags of `binding run`. */
interface RunFlags {
  input: JsonArgument;
  key?: string;
  idempotencyKey?: string;
}

/** Adds the `binding` command and its subcommands to the program. */
export function registerBindingCommands(program: Command, runner: CommandRunner): void {
  const binding = program
    .command("binding")
    .description("named entry points to a workflow: a selector, an event type, a schedule");
  addSettings(
    binding
      .command("create <name>")
      .description("create a binding (lowercase letters, digits, . _ -)")
      .requiredOption("--workflow <wf>", "the workflow (id or key)"),
  ).action((name: string, flags: CreateFlags, command: Command) =>
    runner.run(command, (context) => createBinding(context, name, flags)),
  );
  binding
    .command("show <name>")
    .description("show a binding, with its status and the version it resolves to now")
    .action((name: string, _flags: unknown, command: Command) =>
      runner.run(command, async ({ backend, output }) => {
        const shown = await backend.bindings.show(name);
        output.result(shown, () => renderBinding(shown));
      }),
    );
  binding
    .command("list")
    .description("list bindings by name, with their status")
    .option("--workflow <wf>", "only the bindings of one workflow (id or key)")
    .action((flags: { workflow?: string }, command: Command) =>
      runner.run(command, async ({ backend, output }) => {
        const bindings = await collectPages((cursor) =>
          backend.bindings.list({
            ...(flags.workflow === undefined ? {} : { workflow: flags.workflow }),
            ...(cursor === undefined ? {} : { cursor }),
          }),
        );
        output.result(bindings, () => renderBindingTable(bindings));
      }),
    );
  addSettings(
    binding
      .command("update <name>")
      .description("change a binding: re-pin it, move it, change its event or schedule")
      .option("--workflow <wf>", "move it to another workflow (id or key)"),
  )
    .option("--no-event", "unsubscribe it from its event type")
    .option("--no-cron", "remove its schedule")
    .option("--no-timezone", "read its schedule in UTC")
    .action((name: string, flags: UpdateFlags, command: Command) =>
      runner.run(command, (context) => updateBinding(context, name, flags)),
    );
  binding
    .command("delete <name>")
    .description("delete a binding; runs that came through it keep its name")
    .action((name: string, _flags: unknown, command: Command) =>
      runner.run(command, async ({ backend, output }) => {
        await backend.bindings.delete(name);
        output.result({ name, deleted: true }, () => `deleted binding ${name}`);
      }),
    );
  binding
    .command("run <name>")
    .description("start a run through a binding, on the version its selector resolves to now")
    .requiredOption("--input <json>", "the run's input (JSON, or @file.json)", jsonArgument)
    .option("--key <key>", "the routing key: keeps one customer on one version in a rollout")
    .option(
      "--idempotency-key <key>",
      "the same key and request return the first run instead of starting another",
    )
    .action((name: string, flags: RunFlags, command: Command) =>
      runner.run(command, (context) => runBinding(context, name, flags)),
    );
}

/** The settings both create and update take. */
function addSettings(command: Command): Command {
  return command
    .option("--selector <selector>", "live (default), latest, or a version number", selector)
    .option("--event <type>", "start a run for every event of this type (e.g. loan.submitted)")
    .option("--cron <pattern>", 'start a run on this schedule, e.g. "0 * * * *"')
    .option("--timezone <zone>", "the IANA time zone of the schedule (default UTC)")
    .option("--input <json>", "the input of scheduled runs (JSON, or @file.json)", jsonArgument);
}

async function createBinding(
  { backend, output, resolvePath }: CommandContext,
  name: string,
  flags: CreateFlags,
): Promise<void> {
  const input: CreateBindingInput = { name, workflow: flags.workflow };
  if (flags.selector !== undefined) input.selector = flags.selector;
  if (flags.event !== undefined) input.event = flags.event;
  if (flags.cron !== undefined) input.cron = flags.cron;
  if (flags.timezone !== undefined) input.timezone = flags.timezone;
  if (flags.input !== undefined)
    input.input = await readJsonArgument(flags.input, "--input", resolvePath);
  const created = await backend.bindings.create(input);
  output.result(created, () => renderBinding(created));
}

async function updateBinding(
  { backend, output, resolvePath }: CommandContext,
  name: string,
  flags: UpdateFlags,
): Promise<void> {
  const input: UpdateBindingInput = {};
  if (flags.workflow !== undefined) input.workflow = flags.workflow;
  if (flags.selector !== undefined) input.selector = flags.selector;
  const cleared = (value: string | false | undefined) =>
    value === undefined ? undefined : value === false || value === "" ? null : value;
  const event = cleared(flags.event);
  const cron = cleared(flags.cron);
  const timezone = cleared(flags.timezone);
  if (event !== undefined) input.event = event;
  if (cron !== undefined) input.cron = cron;
  if (timezone !== undefined) input.timezone = timezone;
  if (flags.input !== undefined)
    input.input = await readJsonArgument(flags.input, "--input", resolvePath);
  const updated = await backend.bindings.update(name, input);
  output.result(updated, () => renderBinding(updated));
}

async function runBinding(context: CommandContext, name: string, flags: RunFlags): Promise<void> {
  const input = await readJsonArgument(flags.input, "--input", context.resolvePath);
  const run = await context.backend.bindings.run(name, {
    input,
    ...(flags.key === undefined ? {} : { routingKey: flags.key }),
    ...(flags.idempotencyKey === undefined ? {} : { idempotencyKey: flags.idempotencyKey }),
  });
  await printRun(context, run);
}

/** `live`, `latest` or a version number; anything else is a usage error. */
function selector(value: string): BindingSelector {
  if (value === "live" || value === "latest") return value;
  try {
    return positiveInteger(value);
  } catch {
    throw new InvalidArgumentError("expected live, latest or a version number.");
  }
}
