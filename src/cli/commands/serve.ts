/**
 * `strata serve`: the REST API (and the worker loop) on a database. On a database without any
 * token, the first start creates an admin token and prints it once. SIGINT or SIGTERM stops
 * accepting connections, lets requests in flight finish, stops the worker and closes the
 * database.
 */
import type { Command } from "commander";
import { createApp } from "../../api/app.js";
import { StrataError, toStrataError } from "../../core/errors.js";
import type { Strata } from "../../index.js";
import { openLocalEngine } from "../backend.js";
import type { CommandContext, CommandRunner } from "../command-runner.js";
import { formatError } from "../output.js";
import { positiveInteger } from "../positive-integer.js";
import { allowedHosts, untilStopped } from "./worker.js";

/** The flags of `serve`. */
interface ServeFlags {
  port?: number;
  host: string;
  worker: boolean;
  allowHost?: string[];
}

/** Adds the `serve` command to the program. */
export function registerServeCommand(program: Command, runner: CommandRunner): void {
  program
    .command("serve")
    .description("serve the REST API (and run the worker loop) until SIGINT or SIGTERM")
    .option("--port <n>", "the port to listen on (default: 8080)", positiveInteger)
    .option("--host <host>", "the address to listen on", "127.0.0.1")
    .option("--no-worker", "do not run tasks and timers in this process")
    .option(
      "--allow-host <host>",
      "a host the http task may call; repeat for more",
      (host: string, hosts: string[] | undefined) => [...(hosts ?? []), host],
    )
    .action((flags: ServeFlags, command: Command) =>
      runner.runWith(
        command,
        (options, io) =>
          openLocalEngine({ ...options, allowedHosts: allowedHosts(io, flags.allowHost) }),
        (context) => serve(context, flags),
      ),
    );
}

async function serve(
  { backend: strata, output, io }: CommandContext<Strata>,
  flags: ServeFlags,
): Promise<void> {
  await printFirstAdminToken(strata, (line) => output.note(line));
  const app = await createApp({
    services: strata.serviceLayer,
    logger: { level: io.env.STRATA_LOG_LEVEL ?? "info" },
    ...rateLimitFrom(io.env.STRATA_RATE_LIMIT),
  });
  if (flags.worker)
    strata.startWorker({
      onError: (error) => output.note(`worker: ${formatError(toStrataError(error))}`),
    });
  const address = await app.listen({ port: flags.port ?? 8080, host: flags.host });
  output.result(
    { status: "listening", address, database: strata.store.location, worker: flags.worker },
    () =>
      `strata listening on ${address} (database ${strata.store.location}); stop it with Ctrl-C or SIGTERM`,
  );
  const reason = await untilStopped(io);
  output.note(`serve: ${reason} received, finishing requests in flight`);
  await app.close(); // stops accepting, waits for requests in flight
  await strata.stopWorker();
}

/** `$STRATA_RATE_LIMIT`: requests per second per token, `0` for none; unset: the default. */
function rateLimitFrom(value: string | undefined): { rateLimit?: number } {
  if (value === undefined || value.trim() === "") return {};
  const perSecond = Number(value);
  if (!Number.isInteger(perSecond) || perSecond < 0) {
    throw new StrataError(
      "validation_failed",
      `STRATA_RATE_LIMIT must be a whole number of requests per second (0: no limit), not ${value}`,
    );
  }
  return { rateLimit: perSecond };
}

/** On a database with no token at all, creates the first admin token and prints it once. */
async function printFirstAdminToken(strata: Strata, note: (line: string) => void): Promise<void> {
  const any = await strata.store.db.selectFrom("tokens").select("id").limit(1).executeTakeFirst();
  if (any !== undefined) return;
  const created = await strata.tokens.create({
    role: "admin",
    name: "first admin (created by strata serve)",
  });
  note(`first start: an admin token for tenant ${created.tenant} (shown once, keep it):`);
  note(`  ${created.token}`);
}
