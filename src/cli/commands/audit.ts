/** `strata audit list|verify`: the append-only, hash-chained audit log (DESIGN.md L14, §6). */
import type { Command } from "commander";
import { StrataError } from "../../core/errors.js";
import { collectPages } from "../collect-pages.js";
import type { CommandContext, CommandRunner } from "../command-runner.js";
import { positiveInteger } from "../positive-integer.js";
import { renderAuditTable, renderVerdict } from "../render.js";
import { workflowKeys } from "../workflow-keys.js";

/** The flags of `audit list`. */
interface ListFlags {
  workflow?: string;
  limit?: number;
}

/** Adds the `audit` command and its subcommands to the program. */
export function registerAuditCommands(program: Command, runner: CommandRunner): void {
  const audit = program.command("audit").description("read and verify the audit log");
  audit
    .command("list")
    .description("list audit events, oldest first")
    .option("--workflow <wf>", "only the events of one workflow (id or key)")
    .option("--limit <n>", "at most this many events (default: all)", positiveInteger)
    .action((flags: ListFlags, command: Command) =>
      runner.run(command, (context) => listEvents(context, flags)),
    );
  audit
    .command("verify")
    .description("recompute the hash chain; fails naming the first edited or missing event")
    .action((_flags: unknown, command: Command) => runner.run(command, verifyChain));
}

async function listEvents({ backend, output }: CommandContext, flags: ListFlags): Promise<void> {
  const filter = flags.workflow === undefined ? {} : { workflow: flags.workflow };
  const events =
    flags.limit === undefined
      ? await collectPages((cursor) =>
          backend.audit.list({ ...filter, ...(cursor === undefined ? {} : { cursor }) }),
        )
      : (await backend.audit.list({ ...filter, limit: flags.limit })).items;
  const keys = output.json
    ? new Map<string, string>()
    : await workflowKeys(
        backend,
        events.map((event) => event.workflowId),
      );
  output.result(events, () => renderAuditTable(events, keys));
}

/** A broken chain is a failure (exit 1) whose message names the first bad event. */
async function verifyChain({ backend, output }: CommandContext): Promise<void> {
  const verdict = await backend.audit.verify();
  if (!verdict.ok) {
    const event =
      verdict.eventId === null ? `#${verdict.seq}` : `#${verdict.seq} (${verdict.eventId})`;
    throw new StrataError(
      "audit_broken",
      `the audit chain is broken at event ${event}: ${verdict.reason}`,
      { details: verdict },
    );
  }
  output.result(verdict, () => renderVerdict(verdict));
}
