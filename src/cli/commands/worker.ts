/**
 * `strata worker`: the engine's worker loop as a process of its own (DESIGN.md §4, §8). It runs
 * due task attempts, retries and wait timers of every tenant in the database until SIGINT or
 * SIGTERM, then finishes the round in progress, closes the database and exits 0.
 */
import type { Command } from "commander";
import { toStrataError } from "../../core/errors.js";
import type { Strata } from "../../index.js";
import { openLocalEngine } from "../backend.js";
import type { CliIo } from "../cli-io.js";
import type { CommandContext, CommandRunner } from "../command-runner.js";
import { formatError, formatTable } from "../output.js";
import type { WorkerKind } from "../../engine/worker-registry.js";
import type { WorkerOptions } from "../../engine/worker.js";
import { addSettingOptions, resolveSettings } from "../process-settings.js";
import type { ProcessSettings, SettingName } from "../process-settings.js";

/** The flags of `worker`: the process settings and the http allow-list. */
type WorkerFlags = Partial<Record<SettingName, string>> & { allowHost?: string[] };

/** The environment variable that adds hosts to the http task's allow-list, comma-separated. */
export const ALLOWED_HOSTS_ENV = "STRATA_HTTP_ALLOWED_HOSTS";

const HELP_AFTER = `
Only the built-in http task runs here. Handlers an application registers in code
(strata.handlers.register) exist only in that application's process: run the worker there
(Strata.open({ worker: true })): this worker leaves their tasks alone, and they stay due
until a worker with the handler takes them. The http task calls only hosts on its allow-list
(empty by default).`;

/** Adds the `worker` command to the program. */
export function registerWorkerCommand(program: Command, runner: CommandRunner): void {
  const command = program
    .command("worker")
    .description("run due tasks, retries and wait timers of every tenant until SIGINT or SIGTERM");
  addSettingOptions(command, "worker")
    .option(
      "--allow-host <host>",
      `a host the http task may call (host or host:port); repeat for more; adds to $${ALLOWED_HOSTS_ENV} (comma-separated)`,
      (host: string, hosts: string[] | undefined) => [...(hosts ?? []), host],
    )
    .addHelpText("after", HELP_AFTER);
  command
    .command("list")
    .description("list the processes running a worker loop: handlers, slots in use, heartbeat")
    .action((_flags: unknown, list: Command) => runner.run(list, listWorkers));
  command.action((flags: WorkerFlags, command: Command) => {
    let settings: ProcessSettings | undefined;
    return runner.runWith(
      command,
      (options, io) => {
        settings = resolveSettings(flags, io.env);
        const hosts = allowedHosts(io, flags.allowHost);
        return openLocalEngine(options, { allowedHosts: hosts, settings }, "worker");
      },
      (context) => runWorker(context, flags, settings ?? resolveSettings(flags, context.io.env)),
    );
  });
}

async function listWorkers({ backend, output }: CommandContext): Promise<void> {
  const { items } = await backend.workers.list();
  output.result(items, () =>
    items.length === 0
      ? "No worker is running: start one with `strata worker` (or `strata serve`)."
      : formatTable(
          ["ID", "KIND", "HOST", "PID", "SLOTS", "HANDLERS", "HEARTBEAT", "STATUS"],
          items.map((w) => [
            w.id,
            w.kind,
            w.host,
            String(w.pid),
            `${w.inFlight}/${w.concurrency}`,
            w.handlers.join(","),
            w.heartbeatAt,
            w.status,
          ]),
        ),
  );
}

/** The worker loop's options a process's settings stand for. */
export function workerOptions(settings: ProcessSettings, kind: WorkerKind): WorkerOptions {
  return {
    kind,
    concurrency: settings.concurrency,
    pollMs: settings.pollMs,
    automationMs: settings.automationMs,
  };
}

/** Starts the loop, says so, waits for a stop signal, then lets the runs in flight finish. */
async function runWorker(
  { backend: strata, output, io }: CommandContext<Strata>,
  flags: WorkerFlags,
  settings: ProcessSettings,
): Promise<void> {
  const hosts = allowedHosts(io, flags.allowHost);
  strata.startWorker({
    ...workerOptions(settings, "worker"),
    onError: (error) => output.note(`worker: ${formatError(toStrataError(error))}`),
  });
  const { pollMs, concurrency, leaseMs } = settings;
  const started = {
    status: "started",
    database: strata.store.location,
    pid: process.pid,
    pollMs,
    concurrency,
    leaseMs,
    allowedHosts: hosts,
  };
  output.result(
    started,
    () =>
      `worker started on ${started.database} (pid ${started.pid}, polling every ${pollMs} ms, ` +
      `${concurrency} slots, lease ${leaseMs} ms, http hosts: ` +
      `${hosts.length === 0 ? "none" : hosts.join(", ")}); stop it with Ctrl-C or SIGTERM`,
  );
  const reason = await untilStopped(io);
  output.note(`worker: ${reason} received, finishing the runs in flight`);
  await strata.stopWorker();
  output.note("worker: stopped");
}

/** `--allow-host` values and `$STRATA_HTTP_ALLOWED_HOSTS` entries, trimmed, without repeats. */
export function allowedHosts(io: CliIo, flags: readonly string[] = []): string[] {
  const fromEnv = (io.env[ALLOWED_HOSTS_ENV] ?? "").split(",");
  const hosts = [...fromEnv, ...flags].map((host) => host.trim()).filter((host) => host !== "");
  return [...new Set(hosts)];
}

/**
 * Resolves with what stopped the worker: `io.stop` when the caller supplies it (tests), else
 * the first SIGINT or SIGTERM. The listeners are removed at once, so a second Ctrl-C during the
 * graceful stop ends the process the default way.
 */
export function untilStopped(io: CliIo): Promise<string> {
  const stop = io.stop;
  if (stop !== undefined) {
    return new Promise((resolve) => {
      if (stop.aborted) resolve("stop");
      else stop.addEventListener("abort", () => resolve("stop"), { once: true });
    });
  }
  return new Promise((resolve) => {
    const signals = ["SIGINT", "SIGTERM"] as const;
    const onSignal = (signal: NodeJS.Signals): void => {
      for (const name of signals) process.off(name, onSignal);
      resolve(signal);
    };
    for (const name of signals) process.on(name, onSignal);
  });
}
