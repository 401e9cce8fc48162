/**
 * `strata rollout start|set|promote|abort|status|list <wf>` and `strata route <wf>`: staged
 * moves of the live route from one version to another (DESIGN.md §3).
 */
import type { Command } from "commander";
import type { StartRolloutInput } from "../../index.js";
import type { CommandContext, CommandRunner } from "../command-runner.js";
import { positiveInteger } from "../positive-integer.js";
import { renderRollout, renderRolloutTable, renderRoute } from "../render-routing.js";
import { addRampOptions, percentArgument, rolloutPlan } from "../rollout-flags.js";
import type { RolloutFlags } from "../rollout-flags.js";

/** The flags of `rollout start`. */
interface StartFlags extends RolloutFlags {
  to: number;
  percent: number;
  replace?: boolean;
}

/** Adds `rollout` with its subcommands, and `route`, to the program. */
export function registerRolloutCommands(program: Command, runner: CommandRunner): void {
  const rollout = program
    .command("rollout")
    .description("start, ramp, promote or abort a rollout of a version on the live route");
  addRampOptions(
    rollout
      .command("start <wf>")
      .description("send a share of new production runs to version N, the rest to the live one")
      .requiredOption("--to <n>", "the candidate version", positiveInteger)
      .requiredOption("--percent <p>", "the candidate's share, 0 to 100", percentArgument),
  )
    .option("--replace", "end a rollout in progress (status replaced) instead of refusing")
    .action((ref: string, flags: StartFlags, command: Command) =>
      runner.run(command, (context) => startRollout(context, ref, flags)),
    );
  rollout
    .command("set <wf>")
    .description("set the candidate's share by hand (an automatic ramp stops)")
    .requiredOption("--percent <p>", "the candidate's share, 0 to 100", percentArgument)
    .action((ref: string, flags: { percent: number }, command: Command) =>
      runner.run(command, async ({ backend, output }) => {
        const changed = await backend.rollouts.set(ref, { percent: flags.percent });
        output.result(changed, () => renderRollout(changed));
      }),
    );
  rollout
    .command("promote <wf>")
    .description("make the candidate the single live version")
    .action((ref: string, _flags: unknown, command: Command) =>
      runner.run(command, async ({ backend, output }) => {
        const ended = await backend.rollouts.promote(ref);
        output.result(ended, () => renderRollout(ended));
      }),
    );
  rollout
    .command("abort <wf>")
    .description("end the rollout: the stable version alone serves again")
    .option("--reason <text>", "why, for the audit log")
    .action((ref: string, flags: { reason?: string }, command: Command) =>
      runner.run(command, async ({ backend, output }) => {
        const ended = await backend.rollouts.abort(
          ref,
          flags.reason === undefined ? {} : { reason: flags.reason },
        );
        output.result(ended, () => renderRollout(ended));
      }),
    );
  rollout
    .command("status <wf>")
    .description("the rollout in progress (else the last one), each arm's runs and the guard")
    .action((ref: string, _flags: unknown, command: Command) =>
      runner.run(command, async ({ backend, output }) => {
        const report = await backend.rollouts.status(ref);
        output.result(report, () => renderRollout(report));
      }),
    );
  rollout
    .command("list <wf>")
    .description("the workflow's rollouts, newest first")
    .option("--limit <n>", "at most this many, the newest", positiveInteger)
    .action((ref: string, flags: { limit?: number }, command: Command) =>
      runner.run(command, async ({ backend, output }) => {
        const rollouts = await backend.rollouts.list(
          ref,
          flags.limit === undefined ? {} : { limit: flags.limit },
        );
        output.result(rollouts, () => renderRolloutTable(rollouts));
      }),
    );
  program
    .command("route <wf>")
    .description("what new production runs get now: live version, LATEST, rollout in progress")
    .action((ref: string, _flags: unknown, command: Command) =>
      runner.run(command, async ({ backend, output }) => {
        const route = await backend.rollouts.route(ref);
        output.result(route, () => renderRoute(route));
      }),
    );
}

async function startRollout(
  { backend, output }: CommandContext,
  ref: string,
  flags: StartFlags,
): Promise<void> {
  const input: StartRolloutInput = { to: flags.to, ...rolloutPlan(flags.percent, flags) };
  if (flags.replace === true) input.replace = true;
  const started = await backend.rollouts.start(ref, input);
  output.result(started, () => renderRollout(started));
}
