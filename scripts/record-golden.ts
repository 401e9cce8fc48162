/**
 * Records the golden histories (`test/golden/*.json`): real runs of the fixture workflows,
 * made by the engine on a throwaway SQLite file with a manual clock and scripted handlers,
 * stored with the definition they ran. `test/golden.test.ts` replays every one against its own
 * version in CI: an engine change that alters any past decision fails the build.
 *
 * Run it only to add histories on purpose (`npx tsx scripts/record-golden.ts`), never to make
 * a failing golden test pass: a changed past decision is a bug or a breaking change.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDefinitionText } from "../src/core/definition/parse-definition.js";
import { PermanentTaskError, Strata } from "../src/index.js";
import type { Run } from "../src/index.js";

const HOUR = 3_600_000;

/** A clock the recording moves by hand. */
class Clock {
  ms = Date.parse("2026-03-01T09:00:00.000Z");
  now(): Date {
    return new Date(this.ms);
  }
}

type Json = Record<string, unknown>;
const loan = parseDefinitionText(readFileSync("examples/loan.yaml", "utf8")) as Json & {
  nodes: Json;
};
const loanV2 = parseDefinitionText(readFileSync("examples/loan-v2.yaml", "utf8")) as Json & {
  nodes: Json;
};
/** The loan flows with `notify` on a scripted handler instead of the http task. */
const withNotify = (def: Json & { nodes: Json }): Json => ({
  ...def,
  nodes: { ...def.nodes, notify: { ...(def.nodes.notify as Json), handler: "notify" } },
});

/** Loops, a counter, `$random`, `$now` and a handled task failure. */
const lottery = {
  name: "Lottery",
  start: "init",
  nodes: {
    init: { type: "set", assign: { tries: "0", drawn: "[]", started: "$now()" }, next: "draw" },
    draw: {
      type: "set",
      assign: { tries: "tries + 1", drawn: "$append(drawn, $round($random() * 100))" },
      next: "check",
    },
    check: {
      type: "switch",
      cases: [
        { when: "$count(drawn[$ > 90]) > 0", next: "claim" },
        { when: "tries < 5", next: "draw" },
      ],
      default: "lost",
    },
    claim: {
      type: "task",
      handler: "claim",
      input: { tries: "tries" },
      retry: { maxAttempts: 2, initialInterval: "PT1S" },
      onError: "unclaimed",
      next: "won",
    },
    won: { type: "end", output: { result: "'won'", tries: "tries", drawn: "drawn" } },
    lost: { type: "end", output: { result: "'lost'", drawn: "drawn", at: "started" } },
    unclaimed: { type: "end", output: { result: "'unclaimed'", error: "$error.code" } },
  },
};

const dir = mkdtempSync(join(tmpdir(), "strata-golden-"));
const clock = new Clock();
const strata = await Strata.open({ database: join(dir, "golden.db"), actor: "golden", clock });
let calls = 0;
strata.handlers.register("notify", () => {
  calls += 1;
  return calls % 3 === 0
    ? Promise.reject(new Error("webhook 503"))
    : Promise.resolve({ status: 200 });
});
strata.handlers.register("claim", (input, ctx) => {
  const tries = (input as { tries: number }).tries;
  if (tries === 2) return Promise.reject(new PermanentTaskError("claims closed", "closed"));
  if (tries === 5) return Promise.reject(new Error("busy"));
  if (tries % 2 === 1 && ctx.attempt === 1) return Promise.reject(new Error("busy"));
  return Promise.resolve({ ok: true });
});

async function drain(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    while ((await strata.runDueWork()) > 0);
    clock.ms += 2000;
  }
}

/** Starts runs of `key` for `inputs`, answers reviews or lets them time out, and returns them. */
async function record(key: string, inputs: unknown[]): Promise<Run[]> {
  const runs: Run[] = [];
  for (const [i, input] of inputs.entries()) {
    clock.ms += 1000;
    const run = await strata.runs.start(key, { input });
    if (run.status === "waiting" && run.waitingFor?.signal === "review") {
      if (i % 4 === 0)
        clock.ms += 73 * HOUR; // no review: the timer fires
      else {
        clock.ms += HOUR;
        await strata.runs.signal(run.id, "review", { by: i % 2 === 0 ? "ana" : "ben" });
      }
    }
    await drain();
    runs.push(await strata.runs.show(run.id));
  }
  return runs;
}

const applications = Array.from({ length: 60 }, (_, i) => ({
  amount: [500, 7500, 12_000, 9000, 60_000, 5000][i % 6] ?? 500,
  applicant: {
    id: `golden-${i}`,
    income: 20_000 + ((i * 7919) % 90) * 1000,
    age: 18 + ((i * 13) % 50),
    country: ["DE", "US", "FR", "NL", "BR"][i % 5] ?? "DE",
  },
}));

const histories: Array<{ file: string; key: string; definition: Json; inputs: unknown[] }> = [
  { file: "loan-v1.json", key: "loan", definition: withNotify(loan), inputs: applications },
  { file: "loan-v2.json", key: "loan2", definition: withNotify(loanV2), inputs: applications },
  {
    file: "lottery.json",
    key: "lottery",
    definition: lottery,
    inputs: Array.from({ length: 40 }, () => ({})),
  },
];
try {
  for (const history of histories) {
    await strata.workflows.create({ key: history.key, definition: history.definition });
    const version = await strata.drafts.publish(history.key);
    const runs = await record(history.key, history.inputs);
    const file = {
      note: "Recorded by scripts/record-golden.ts; replayed by test/golden.test.ts. Do not edit.",
      workflow: history.key,
      version: version.number,
      definition: version.definition,
      runs: runs.map((run) => ({
        id: run.id,
        kind: run.kind,
        input: run.input,
        status: run.status,
        output: run.output,
        trace: run.trace,
        createdAt: run.createdAt,
      })),
    };
    writeFileSync(join("test", "golden", history.file), `${JSON.stringify(file, null, 1)}\n`);
    const statuses = runs.reduce<Record<string, number>>((acc, run) => {
      acc[run.status] = (acc[run.status] ?? 0) + 1;
      return acc;
    }, {});
    console.log(`${history.file}: ${runs.length} runs`, statuses);
  }
} finally {
  await strata.close();
  rmSync(dir, { recursive: true, force: true });
}
