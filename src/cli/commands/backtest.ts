/**
 * `strata backtest <wf> [--target draft|N] [--version N] [--since T] [--limit N]` and
 * `backtest show|list|cancel`: replay many past runs against a target (DESIGN.md §5). Locally
 * the job runs here, on every core; against a server it is stored there and this command
 * follows its progress. On a terminal a progress bar shows how far it got.
 */
import { SingleBar } from "cli-progress";
import { InvalidArgumentError } from "commander";
import type { Command } from "commander";
import type { Backtest, CreateBacktestInput, Strata } from "../../index.js";
import type { CliIo } from "../cli-io.js";
import type { CommandContext, CommandRunner } from "../command-runner.js";
import { positiveInteger } from "../positive-integer.js";
import { renderBacktest, renderBacktestTable } from "../render-changes.js";

/** The flags of `backtest <wf>`. */
interface BacktestFlags {
  target?: number | "draft";
  version?: number;
  since?: string;
  limit?: number;
  adapter?: string;
  wait: boolean;
}

function target(value: string): number | "draft" {
  if (value === "draft") return value;
  try {
    return positiveInteger(value);
  } catch {
    throw new InvalidArgumentError("expected draft or a version number.");
  }
}

/** Adds the `backtest` command and its subcommands. */
export function registerBacktestCommands(program: Command, runner: CommandRunner): void {
  const backtest = program
    .command("backtest")
    .description("replay many past runs against a version or the draft, and report what changes")
    .argument("[wf]", "the workflow whose production runs to replay")
    .option("--target <draft|n>", "what to replay through (default: draft)", target)
    .option("--version <n>", "only runs of this version", positiveInteger)
    .option("--since <time>", "only runs since: an ISO time or an age (30d, 12h)")
    .option("--limit <n>", "at most this many runs, the newest (default 10,000)", positiveInteger)
    .option("--adapter <expr>", "a JSONata input adapter applied to every run's input")
    .option("--no-wait", "store the job and return (a worker runs it)")
    .action((ref: string | undefined, flags: BacktestFlags, command: Command) =>
      runner.run(command, (context) => startBacktest(context, ref, flags)),
    );
  backtest
    .command("show <id>")
    .description("show a backtest with its progress and report")
    .action((id: string, _flags: unknown, command: Command) =>
      runner.run(command, async ({ backend, output }) => {
        const shown = await backend.backtests.show(id);
        output.result(shown, () => renderBacktest(shown));
      }),
    );
  backtest
    .command("list")
    .description("list backtests, newest first")
    .option("--workflow <wf>", "only those of one workflow")
    .action((flags: { workflow?: string }, command: Command) =>
      runner.run(command, async ({ backend, output }) => {
        const page = await backend.backtests.list(
          flags.workflow === undefined ? {} : { workflow: flags.workflow },
        );
        output.result(page.items, () => renderBacktestTable(page.items));
      }),
    );
  backtest
    .command("cancel <id>")
    .description("cancel a backtest (a running one stops within a batch)")
    .action((id: string, _flags: unknown, command: Command) =>
      runner.run(command, async ({ backend, output }) => {
        const cancelled = await backend.backtests.cancel(id);
        output.result(cancelled, () => renderBacktest(cancelled));
      }),
    );
}

async function startBacktest(
  { backend, output, io }: CommandContext,
  ref: string | undefined,
  flags: BacktestFlags,
): Promise<void> {
  if (ref === undefined) {
    throw new InvalidArgumentError(
      "name the workflow: strata backtest <wf> (or show, list, cancel)",
    );
  }
  const input: CreateBacktestInput = {};
  if (flags.target !== undefined) input.target = flags.target;
  if (flags.version !== undefined) input.version = flags.version;
  if (flags.since !== undefined) input.since = flags.since;
  if (flags.limit !== undefined) input.limit = flags.limit;
  if (flags.adapter !== undefined) input.adapter = flags.adapter;
  const created = await backend.backtests.create(ref, input);
  if (!flags.wait) {
    output.result(created, () => renderBacktest(created));
    return;
  }
  const bar = progressBar(io, output.json);
  let finished: Backtest;
  try {
    const local = (backend as Partial<Strata>).backtests;
    if (local !== undefined && "run" in local) {
      // Local mode: run it here, on every core.
      finished = await local.run(created.id, {
        onProgress: (done, total) => bar?.update(done, total),
      });
    } else {
      finished = await follow(backend.backtests.show.bind(backend.backtests), created.id, bar);
    }
  } finally {
    bar?.stop();
  }
  output.result(finished, () => renderBacktest(finished));
}

/** Polls a stored job until it ends, moving the bar. */
async function follow(
  show: (id: string) => Promise<Backtest>,
  id: string,
  bar: Bar | undefined,
): Promise<Backtest> {
  for (;;) {
    const current = await show(id);
    bar?.update(current.done, current.total ?? 0);
    if (current.status !== "queued" && current.status !== "running") return current;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The bar `follow` moves. */
export interface Bar {
  update(done: number, total: number): void;
  stop(): void;
}

/**
 * A progress bar on stderr when it is a terminal (never with --json). It starts once the job
 * knows how many runs it replays: a queued job's total is 0, and a bar started then read
 * `100% 0/0 runs` (issue 18). The time left shows once there is a rate to go by.
 */
export function progressBar(io: CliIo, json: boolean): Bar | undefined {
  const stream = io.stderr as NodeJS.WriteStream;
  if (json || stream.isTTY !== true) return undefined;
  const bar = new SingleBar({
    stream,
    format: "replaying [{bar}] {percentage}% {value}/{total} runs{eta}",
    hideCursor: true,
    formatValue: (value, options, type) => (type === "eta" ? timeLeft(value) : String(value)),
  });
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        if (total === 0) return;
        bar.start(total, done);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done);
      }
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

/**
 * cli-progress's estimate as the bar says it: `, 12s left`, or nothing while it has no rate
 * yet (it gives the text `NULL`, or `INF` while nothing moved).
 */
export function timeLeft(eta: number | string): string {
  return typeof eta === "number" && Number.isFinite(eta) ? `, ${eta}s left` : "";
}
