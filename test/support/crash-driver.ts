/**
 * The crash test's driver: a process that works through the plan of `crash-plan.ts` with the
 * worker on, and that the test kills with SIGKILL at random moments and starts again. Every
 * life picks up from the database alone: it first delivers the signals owed to runs left
 * waiting (as a restarted service would), re-issues the start requests (their idempotency keys
 * return the runs that already exist), and lets the worker finish tasks, retries and timers. It prints `ready` once the store is open and
 * `done` once every planned run has ended.
 *
 * Into the log folder it appends, synchronously (a SIGKILL cannot lose a line), one line per
 * handler call ({@link HANDLER_LOG}) and one per start or signal the engine acknowledged
 * ({@link ACK_LOG}), for the test to hold the final database against.
 *
 * Life `k` of `lives` starts only the first `PLAN_SIZE·(k+1)/lives` planned runs (all of them
 * in the last life), so the work cannot be over before the test has killed it as often as it
 * means to, however fast the machine.
 *
 * Usage: crash-driver <database> <log folder> <life> <lives> <seed>
 */
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Strata, isStrataError } from "../../src/index.js";
import type { Run, TaskContext } from "../../src/index.js";
import {
  ACK_LOG,
  APPROVE_SIGNAL,
  DRIVER_LEASE_MS,
  HANDLER_LOG,
  PLAN_SIZE,
  computeValue,
  makePlan,
  receiptOf,
  stampOf,
} from "./crash-plan.js";
import type { Acknowledged, HandlerCall, PlanItem, TaskInput } from "./crash-plan.js";

const [location, logDir, lifeText, livesText, seedText] = process.argv.slice(2);
if (
  location === undefined ||
  logDir === undefined ||
  lifeText === undefined ||
  livesText === undefined ||
  seedText === undefined
) {
  throw new Error("usage: crash-driver <database> <log folder> <life> <lives> <seed>");
}
const handlerLog = join(logDir, HANDLER_LOG);
const ackLog = join(logDir, ACK_LOG);
const life = Number(lifeText);
const lives = Number(livesText);
const plan = makePlan(Number(seedText));
/** A run is signalled once it has waited this long (ms). */
const SIGNAL_AFTER_MS = 250;
/** A database call that has not settled after this long (ms) is stuck. */
const STUCK_MS = 5000;

const quota = life + 1 >= lives ? PLAN_SIZE : Math.floor((PLAN_SIZE * (life + 1)) / lives);

const strata = await Strata.open({
  database: location,
  actor: "crash-driver",
  leaseMs: DRIVER_LEASE_MS,
  worker: {
    pollMs: 20,
    batch: 16,
    onError: (error) => console.error(`worker round failed: ${String(error)}`),
  },
});

/**
 * Wraps a handler: appends the call to the log (synchronously, so the line is in the file
 * before the handler can return, and a SIGKILL cannot lose it), takes a little time so that
 * kills land inside calls too, then fails the attempts the input says must fail.
 */
function handler(result: (input: TaskInput) => unknown) {
  return async (raw: unknown, ctx: TaskContext): Promise<unknown> => {
    const input = raw as TaskInput;
    const call: HandlerCall = {
      runId: ctx.runId,
      node: ctx.node,
      idempotencyKey: ctx.idempotencyKey,
      attempt: ctx.attempt,
      item: input.item,
      i: input.i ?? 0,
      life,
    };
    appendFileSync(handlerLog, `${JSON.stringify(call)}\n`);
    await sleep(5 + Math.floor(Math.random() * 40));
    if (ctx.attempt <= input.failTimes)
      throw new Error(`planned failure on attempt ${ctx.attempt}`);
    return result(input);
  };
}
strata.handlers.register(
  "crash.compute",
  handler((input) => ({ value: computeValue(input) })),
);
strata.handlers.register(
  "crash.notify",
  handler((input) => ({ receipt: receiptOf(input) })),
);
strata.handlers.register(
  "crash.stamp",
  handler((input) => ({ stamp: stampOf(input) })),
);
console.log("ready");

/**
 * Issues the start request of every run this life may start, a few at a time. A request whose
 * run already exists returns it at once; a new run is paced, so that starts are spread over
 * the life and a kill can land between them.
 */
async function startRuns(started: Date): Promise<void> {
  const batch = 4;
  for (let from = 0; from < quota; from += batch) {
    const items = plan.slice(from, Math.min(quota, from + batch));
    const runs = await settleWithin(Promise.all(items.map(start)), `starting plan items ${from}…`);
    if (runs.some((run) => new Date(run.createdAt) >= started)) await sleep(30);
  }
}

async function start(item: PlanItem): Promise<Run> {
  const run = await strata.runs.start(item.workflow, {
    input: item.input,
    idempotencyKey: item.key,
  });
  acknowledge({ type: "start", item: item.item, runId: run.id, life });
  return run;
}

function acknowledge(ack: Acknowledged): void {
  appendFileSync(ackLog, `${JSON.stringify(ack)}\n`);
}

/**
 * Sends the planned signal to every run that has waited for it at least
 * {@link SIGNAL_AFTER_MS}; a run that moved on meanwhile is skipped. The delay leaves runs
 * waiting when a kill lands, so that the next life must deliver signals owed from before.
 */
async function signalWaiting(): Promise<void> {
  const waiting = await listAll({ workflow: "crash-signal", status: "waiting" });
  const due = Date.now() - SIGNAL_AFTER_MS;
  for (const run of waiting) {
    if (run.waitingFor?.signal !== APPROVE_SIGNAL) continue;
    if (new Date(run.createdAt).getTime() > due) continue;
    const item = plan[Number((run.input as { item: number }).item)];
    try {
      await settleWithin(
        strata.runs.signal(run.id, APPROVE_SIGNAL, item?.signal),
        `signal '${APPROVE_SIGNAL}' to run ${run.id} (plan item ${item?.item})`,
      );
      acknowledge({ type: "signal", item: item?.item ?? -1, runId: run.id, life });
    } catch (error) {
      if (!isStrataError(error) || error.code !== "run_not_waiting") throw error;
    }
  }
}

/**
 * Fails the life loudly when a call never settles. A call stuck on a promise nobody will
 * settle would otherwise end the process with exit code 13 (nothing left to run) or, with the
 * worker's timers alive, hang it until the test's deadline.
 */
async function settleWithin<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<never>(() => {
    timer = setTimeout(() => {
      console.error(`${what} did not settle within ${STUCK_MS} ms: the driver is stuck`);
      process.exit(4);
    }, STUCK_MS);
  });
  try {
    return await Promise.race([work, stuck]);
  } finally {
    clearTimeout(timer);
  }
}

async function listAll(filter: { workflow?: string; status?: Run["status"] }): Promise<Run[]> {
  const runs: Run[] = [];
  let cursor: string | undefined;
  do {
    const page = await strata.runs.list({
      ...filter,
      kind: "all",
      limit: 500,
      ...(cursor === undefined ? {} : { cursor }),
    });
    runs.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return runs;
}

/** Whether every planned run exists once and has ended. Exits on a duplicate at once. */
async function allEnded(): Promise<boolean> {
  const runs = await listAll({});
  if (runs.length > PLAN_SIZE) {
    console.error(`duplicate runs: ${runs.length} runs for ${PLAN_SIZE} planned`);
    process.exit(3);
  }
  const ended = runs.filter((run) => run.status === "completed" || run.status === "failed");
  return ended.length === PLAN_SIZE;
}

// First deliver the signals owed from earlier lives, as a restarted service would, then
// start this life's runs while signalling and watching in a loop.
await signalWaiting();
const starting = startRuns(new Date());
let startsDone = false;
void starting.then(() => (startsDone = true));
for (;;) {
  await signalWaiting();
  if (startsDone && (await settleWithin(allEnded(), "listing the runs"))) break;
  await sleep(50);
}
await starting;
await strata.close();
console.log("done");
