/**
 * `strata serve`: the REST API (and the worker loop) on a database. On a database without any
 * token, the first start creates an admin token and prints it once. SIGINT or SIGTERM stops
 * accepting connections, lets requests in flight finish, stops the worker and closes the
 * database. Limits and CORS come from the environment (see {@link SERVE_ENV}).
 */
import type { Command } from "commander";
import { createApp } from "../../api/app.js";
import { defaultConsoleDir } from "../../api/console.js";
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
    .addHelpText(
      "after",
      `\nEnvironment:\n${Object.entries(SERVE_ENV)
        .map(([name, meaning]) => `  ${name.padEnd(24)}${meaning}`)
        .join("\n")}`,
    )
    .option(
      "--allow-host <host>",
      "a host the http task may call; repeat for more",
      (host: string, hosts: string[] | undefined) => [...(hosts ?? []), host],
    )
    .action((flags: ServeFlags, command: Command) =>
      runner.runWith(
        command,
        (options, io) =>
          openLocalEngine(
            options,
            {
              allowedHosts: allowedHosts(io, flags.allowHost),
              ...optional("maxDefinitionBytes", wholeNumber(io.env, "STRATA_DEFINITION_LIMIT")),
            },
            "serve",
          ),
        (context) => serve(context, flags),
      ),
    );
}

async function serve(
  { backend: strata, output, io }: CommandContext<Strata>,
  flags: ServeFlags,
): Promise<void> {
  await printFirstAdminToken(strata, (line) => output.note(line));
  const consoleDir = defaultConsoleDir();
  const app = await createApp({
    services: strata.serviceLayer,
    consoleDir,
    logger: { level: io.env.STRATA_LOG_LEVEL ?? "info" },
    ...optional("rateLimit", wholeNumber(io.env, "STRATA_RATE_LIMIT")),
    ...optional("bodyLimit", wholeNumber(io.env, "STRATA_BODY_LIMIT")),
    ...optional("corsOrigins", origins(io.env.STRATA_CORS_ORIGINS)),
  });
  if (flags.worker)
    strata.startWorker({
      onError: (error) => output.note(`worker: ${formatError(toStrataError(error))}`),
    });
  const address = await app.listen({ port: flags.port ?? 8080, host: flags.host });
  const consoleUrl = consoleDir === null ? null : `${address}/console/`;
  output.result(
    {
      status: "listening",
      address,
      database: strata.store.location,
      worker: flags.worker,
      console: consoleUrl,
    },
    () =>
      `strata listening on ${address} (database ${strata.store.location}); ` +
      (consoleUrl === null
        ? "no console (not built: npm run build); "
        : `the console is at ${consoleUrl}; `) +
      "stop it with Ctrl-C or SIGTERM",
  );
  const reason = await untilStopped(io);
  output.note(`serve: ${reason} received, finishing requests in flight`);
  await app.close(); // stops accepting, waits for requests in flight
  await strata.stopWorker();
}

/** The environment `strata serve` reads, for the help text and the docs. */
export const SERVE_ENV = {
  STRATA_RATE_LIMIT: "requests per second per token (default 100; 0: no limit)",
  STRATA_BODY_LIMIT: "the largest request body in bytes (default 1048576)",
  STRATA_DEFINITION_LIMIT: "the largest definition in bytes of canonical JSON (default 262144)",
  STRATA_CORS_ORIGINS:
    "origins allowed to call the API from a browser, comma-separated (default: none)",
  STRATA_LOG_LEVEL: "pino log level (default info)",
} as const;

/** A whole number from the environment; unset or blank: undefined. */
function wholeNumber(
  env: Record<string, string | undefined>,
  name: keyof typeof SERVE_ENV,
): number | undefined {
  const value = env[name];
  if (value === undefined || value.trim() === "") return undefined;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0) {
    throw new StrataError(
      "validation_failed",
      `${name} must be a whole number (${SERVE_ENV[name]}), not ${value}`,
    );
  }
  return number;
}

/** `$STRATA_CORS_ORIGINS`: comma-separated origins such as `https://ops.example.com`. */
function origins(value: string | undefined): string[] | undefined {
  const list = (value ?? "")
    .split(",")
    .map((origin) => origin.trim())
    .filter((origin) => origin !== "");
  return list.length === 0 ? undefined : list;
}

/** `{ [key]: value }` when the value is defined, else nothing (for optional properties). */
function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
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
