/** `strata token create|list|revoke`: API tokens with a role in a tenant (DESIGN.md §8). */
import type { Command } from "commander";
import type { CreatedToken, TokenInfo } from "../../index.js";
import type { CommandContext, CommandRunner } from "../command-runner.js";
import { formatBlock, formatTable } from "../output.js";
import { ROLES } from "../../core/roles.js";

/** The flags of `token create`. */
interface CreateFlags {
  role: string;
  name?: string;
  inTenant?: string;
  serverToken?: boolean;
}

/** Adds the `token` command and its subcommands to the program. */
export function registerTokenCommands(program: Command, runner: CommandRunner): void {
  const token = program
    .command("token")
    .description("API tokens for the server: a role in a tenant, shown once, stored hashed");
  token
    .command("create")
    .description("create a token (its text is printed once; keep it)")
    .requiredOption("--role <role>", ROLES.join(" | "))
    .option(
      "--name <name>",
      "who the token is for (a person or a service): changes made with it are recorded under this name",
    )
    .option(
      "--in-tenant <id>",
      "create it in this tenant rather than your own; a new id starts a tenant (on a server: needs a server token)",
    )
    .option(
      "--server-token",
      "a server token: an admin that may also create tokens in other tenants (on a server: needs a server token)",
    )
    .action((flags: CreateFlags, command: Command) =>
      runner.run(command, (context) => createToken(context, flags)),
    );
  token
    .command("list")
    .description("list the tenant's tokens (never their secrets)")
    .action((_flags: unknown, command: Command) => runner.run(command, listTokens));
  token
    .command("revoke <id>")
    .description("revoke a token; it stops working at once")
    .action((id: string, _flags: unknown, command: Command) =>
      runner.run(command, async ({ backend, output }) => {
        const revoked = await backend.tokens.revoke(id);
        output.result(revoked, () => renderToken(revoked));
      }),
    );
}

async function createToken({ backend, output }: CommandContext, flags: CreateFlags): Promise<void> {
  const created: CreatedToken = await backend.tokens.create({
    role: flags.role,
    ...(flags.name === undefined ? {} : { name: flags.name }),
    ...(flags.inTenant === undefined ? {} : { tenant: flags.inTenant }),
    ...(flags.serverToken === true ? { server: true } : {}),
  });
  output.result(
    {
      id: created.id,
      role: created.role,
      tenant: created.tenant,
      name: created.name,
      server: created.server,
      token: created.token,
    },
    () => `${renderToken(created)}\ntoken: ${created.token}\n(shown once: store it now)`,
  );
}

async function listTokens({ backend, output }: CommandContext): Promise<void> {
  const tokens = await backend.tokens.list();
  output.result(tokens, () =>
    tokens.length === 0
      ? "No tokens yet: create one with `strata token create --role <role>`."
      : formatTable(
          ["ID", "ROLE", "NAME", "SERVER", "CREATED", "BY", "REVOKED"],
          tokens.map((t) => [
            t.id,
            t.role,
            t.name,
            t.server ? "yes" : "",
            t.createdAt,
            t.createdBy,
            t.revokedAt,
          ]),
        ),
  );
}

function renderToken(token: TokenInfo): string {
  return formatBlock([
    ["id", token.id],
    ["role", token.role],
    ["tenant", token.tenant],
    ["name", token.name],
    ["server", token.server ? "yes: may create tokens in other tenants" : "no"],
    ["createdAt", token.createdAt],
    ["createdBy", token.createdBy],
    ["revokedAt", token.revokedAt],
  ]);
}
