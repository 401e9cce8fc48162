/** `strata event publish <type> --data JSON [--key K]`: one run per subscribed binding (DESIGN.md §3). */
import type { Command } from "commander";
import type { CommandRunner } from "../command-runner.js";
import { jsonArgument, readJsonArgument } from "../json-argument.js";
import type { JsonArgument } from "../json-argument.js";
import { renderPublishedEvent } from "../render-routing.js";

/** Adds the `event` command to the program. */
export function registerEventCommands(program: Command, runner: CommandRunner): void {
  const event = program.command("event").description("publish events to subscribed bindings");
  event
    .command("publish <type>")
    .description(
      "start a run for every binding subscribed to <type>; lists the runs and the bindings that refused",
    )
    .requiredOption(
      "--data <json>",
      "the event's data, the runs' input (JSON, or @file.json)",
      jsonArgument,
    )
    .option("--key <key>", "the routing key: keeps one customer on one version in a rollout")
    .action((type: string, flags: { data: JsonArgument; key?: string }, command: Command) =>
      runner.run(command, async ({ backend, output, resolvePath }) => {
        const data = await readJsonArgument(flags.data, "--data", resolvePath);
        const published = await backend.events.publish({
          type,
          data,
          ...(flags.key === undefined ? {} : { key: flags.key }),
        });
        output.result(published, () => renderPublishedEvent(published));
      }),
    );
}
