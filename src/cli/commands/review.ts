/** `strata review request|approve|reject|list <wf>` (DESIGN.md §10, ADR 0015). */
import type { Command } from "commander";
import type { ReviewDecision } from "../../core/model.js";
import type { CommandContext, CommandRunner } from "../command-runner.js";
import { positiveInteger } from "../positive-integer.js";
import { renderReview, renderReviewTable } from "../render.js";

/** The flags of the three decisions. */
interface ReviewFlags {
  revision?: number;
  note?: string;
}

/** Adds the `review` command and its subcommands to the program. */
export function registerReviewCommands(program: Command, runner: CommandRunner): void {
  const review = program
    .command("review")
    .description(
      "four-eyes review of the draft: ask for it, approve or reject one revision, list the reviews",
    );
  review
    .command("request <wf>")
    .description("ask for review of the draft's current revision")
    .option("--revision <r>", "the revision to review (default: the current one)", positiveInteger)
    .option("--note <text>", "what to look at")
    .action((ref: string, flags: ReviewFlags, command: Command) =>
      runner.run(command, (context) => decide(context, ref, "request", flags)),
    );
  review
    .command("approve <wf>")
    .description(
      "approve the revision you reviewed (needs the reviewer role; not if you edited the draft)",
    )
    .requiredOption("--revision <r>", "the revision you reviewed", positiveInteger)
    .option("--note <text>", "a comment kept with the approval")
    .action((ref: string, flags: ReviewFlags, command: Command) =>
      runner.run(command, (context) => decide(context, ref, "approve", flags)),
    );
  review
    .command("reject <wf>")
    .description(
      "reject the revision you reviewed, saying what to change (needs the reviewer role)",
    )
    .requiredOption("--revision <r>", "the revision you reviewed", positiveInteger)
    .requiredOption("--note <text>", "what to change")
    .action((ref: string, flags: ReviewFlags, command: Command) =>
      runner.run(command, (context) => decide(context, ref, "reject", flags)),
    );
  review
    .command("list <wf>")
    .description("the draft's reviews, oldest first; approvals of earlier revisions are stale")
    .action((ref: string, _flags: unknown, command: Command) =>
      runner.run(command, async ({ backend, output }) => {
        const reviews = await backend.reviews.list(ref);
        output.result(reviews, () => renderReviewTable(reviews));
      }),
    );
}

async function decide(
  { backend, output }: CommandContext,
  ref: string,
  decision: ReviewDecision,
  flags: ReviewFlags,
): Promise<void> {
  const revision = flags.revision ?? (await backend.drafts.show(ref)).revision;
  const review = await backend.reviews.add(ref, {
    decision,
    revision,
    ...(flags.note === undefined ? {} : { note: flags.note }),
  });
  output.result(review, () => renderReview(review));
}
