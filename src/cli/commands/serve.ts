/**
 * `strata serve`: the REST API (and the worker loop) on a database. On a database without any
 * token, the first start creates an admin token and prints it once. SIGINT or SIGTERM stops
 * accepting connections, lets requests in flight finish, stops the worker and closes the
 * database. Limits and CORS come from the environment (see {@link SERVE_ENV}).
 */
import type { Command } from "commander";
import { createApp } from "../../api/app.js";
import { defaultConsoleDir } from "../../api/console.js";
import { StrataError, isStrataError, toStrataError } from "../../core/errors.js";
import type { Strata } from "../../index.js";
import { STARTUP_RETRY_MS, openLocalEngine } from "../backend.js";
import { retryWhile } from "../../core/backoff.js";
import { firstAdminAttempt } from "../../services/token-service.js";
import type { CommandContext, CommandRunner } from "../command-runner.js";
import { formatError } from "../output.js";
import { addSettingOptions, resolveSettings } from "../process-settings.js";
import type { ProcessSettings, SettingName } from "../process-settings.js";
import { allowedHosts, untilStopped, workerOptions } from "./worker.js";

/** The flags of `serve`: the process settings, the worker switch and the http allow-list. */
type ServeFlags = Partial<Record<SettingName, string>> & {
  worker: boolean;
  allowHost?: string[];
};

/** Adds the `serve` command to the program. */
export function registerServeCommand(program: Command, runner: CommandRunner): void {
  const command = program
    .command("serve")
    .description("serve the REST API (and run the worker loop) until SIGINT or SIGTERM");
  addSettingOptions(command, "serve")
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
    .action((flags: ServeFlags, command: Command) => {
      let settings: ProcessSettings | undefined;
      return runner.runWith(
        command,
        (options, io) => {
          settings = resolveSettings(flags, io.env);
          return openLocalEngine(
            options,
            {
              allowedHosts: allowedHosts(io, flags.allowHost),
              ...optional("maxDefinitionBytes", wholeNumber(io.env, "STRATA_DEFINITION_LIMIT")),
              settings,
            },
            "serve",
          );
        },
        (context) => serve(context, flags, settings ?? resolveSettings(flags, context.io.env)),
      );
    });
}

async function serve(
  { backend: strata, output, io }: CommandContext<Strata>,
  flags: ServeFlags,
  settings: ProcessSettings,
): Promise<void> {
  await printFirstAdminToken(strata, (line) => output.note(line));
  const consoleDir = defaultConsoleDir();
  const app = await createApp({
    services: strata.serviceLayer,
    consoleDir,
    logger: { level: settings.logLevel },
    ...optional("rateLimit", wholeNumber(io.env, "STRATA_RATE_LIMIT")),
    ...optional("bodyLimit", wholeNumber(io.env, "STRATA_BODY_LIMIT")),
    ...optional("corsOrigins", origins(io.env.STRATA_CORS_ORIGINS)),
  });
  if (flags.worker)
    strata.startWorker({
      ...workerOptions(settings, "serve"),
      onError: (error) => output.note(`worker: ${formatError(toStrataError(error))}`),
    });
  const address = await app.listen({ port: settings.port, host: settings.host });
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

/**
 * On a database with no token at all, creates the first admin token and prints it once. The
 * database may still be coming back from a restart (the store waited for it at open): retried
 * while it is unavailable, for as long as opening would have waited.
 */
async function printFirstAdminToken(strata: Strata, note: (line: string) => void): Promise<void> {
  // One id and secret for every try: a try whose COMMIT landed unseen is found by the next.
  const attempt = firstAdminAttempt();
  const created = await retryWhile(
    () => strata.serviceLayer.tokens.createFirstAdmin(strata.context, "admin", attempt),
    (error) => isStrataError(error, "store_unavailable"),
    { forMs: STARTUP_RETRY_MS },
  );
  if (created === null) return;
  note(
    `first start: the server's token, an admin of tenant ${created.tenant} that may also create tokens in other tenants (shown once, keep it):`,
  );
  note(`  ${created.token}`);
}
