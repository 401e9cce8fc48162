/**
 * The chaos test's client: starts the plan's runs over REST at a steady pace and signals the
 * runs that wait for it, the way a careful client does against a server that can die or lose
 * its database at any moment. Every start carries an idempotency key and is retried with the
 * same key and body on a 503, a 429 or a lost connection until it is acknowledged (2xx); every
 * answer's run id is held against the first one for the key. Signals are retried the same way;
 * a retried signal that finds the run no longer waiting counts as delivered only if the run's
 * trace shows the signal applied (its first try was committed and only the answer was lost).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { CHAOS_WORKFLOW, GO_SIGNAL } from "./chaos-plan.js";
import type { ChaosItem, ChaosTraceEntry } from "./chaos-plan.js";

/** What the client saw, for the checks and the summary. */
export interface LoadStats {
  requests: number;
  /** 503 answers (`store_unavailable`, with Retry-After, or the server starting). */
  unavailable: number;
  /** 503 answers without a Retry-After header. */
  unavailableWithoutRetryAfter: number;
  rateLimited: number;
  /** Requests that got no answer: refused, reset or timed out (the server was killed or starting). */
  connectionErrors: number;
  /** Starts that took more than one request. */
  retriedStarts: number;
  /** Signals retried after a lost answer and found already applied. */
  signalsAppliedEarlier: number;
  /** Every answer nobody should get (a 500, a 4xx, an id that changed…), with its details. */
  problems: string[];
}

/** One answer of the server. */
interface Answer {
  status: number;
  body: unknown;
  retryAfter: string | null;
}

/** The longest one request may take before it counts as lost. */
const REQUEST_TIMEOUT_MS = 10_000;

/** A REST client of the fleet's server. */
export class ChaosClient {
  readonly stats: LoadStats = {
    requests: 0,
    unavailable: 0,
    unavailableWithoutRetryAfter: 0,
    rateLimited: 0,
    connectionErrors: 0,
    retriedStarts: 0,
    signalsAppliedEarlier: 0,
    problems: [],
  };
  /** The run id each key was acknowledged with, the first time. */
  readonly runIds = new Map<string, string>();
  /** Signals acknowledged (2xx, or found applied after a lost answer), by run id. */
  readonly signalled = new Set<string>();

  constructor(
    private readonly base: string,
    private readonly token: string,
    /** The client gives up retrying once this returns true (the test's deadline). */
    private readonly expired: () => boolean,
  ) {}

  /** One request; null when no answer came (connection refused, reset, timed out). */
  async #request(
    method: string,
    path: string,
    body?: unknown,
    key?: string,
  ): Promise<Answer | null> {
    this.stats.requests++;
    try {
      const response = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(key === undefined ? {} : { "idempotency-key": key }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text === "" ? null : (JSON.parse(text) as unknown);
      } catch {
        // not JSON: kept as text
      }
      return {
        status: response.status,
        body: parsed,
        retryAfter: response.headers.get("retry-after"),
      };
    } catch {
      this.stats.connectionErrors++;
      return null;
    }
  }

  /**
   * A request retried while the answer says "later" (no answer, 503, 429); returns the first
   * other answer, or null once the deadline passed. `tries` counts the requests made.
   */
  async #retrying(
    method: string,
    path: string,
    body?: unknown,
    key?: string,
  ): Promise<{ answer: Answer | null; tries: number }> {
    for (let tries = 1; ; tries++) {
      const answer = await this.#request(method, path, body, key);
      if (answer !== null && answer.status !== 503 && answer.status !== 429)
        return { answer, tries };
      if (answer?.status === 503) {
        this.stats.unavailable++;
        if (answer.retryAfter === null) this.stats.unavailableWithoutRetryAfter++;
      }
      if (answer?.status === 429) this.stats.rateLimited++;
      if (this.expired()) return { answer: null, tries };
      // Shorter than Retry-After (2 s) to keep the test short; jittered, growing a little.
      await sleep(100 + Math.random() * Math.min(800, 100 * tries));
    }
  }

  /** Starts `item`'s run until acknowledged; returns its run and status, or null (deadline, refusal). */
  async start(item: ChaosItem): Promise<{ id: string; status: string } | null> {
    const path = `/v1/workflows/${CHAOS_WORKFLOW}/runs`;
    for (;;) {
      const { answer, tries } = await this.#retrying("POST", path, { input: item.input }, item.key);
      if (answer === null) {
        this.stats.problems.push(`start ${item.key}: not acknowledged before the deadline`);
        return null;
      }
      if (tries > 1) this.stats.retriedStarts++;
      const run = answer.body as { id?: string; status?: string };
      if (answer.status < 200 || answer.status > 299 || typeof run.id !== "string") {
        this.stats.problems.push(
          `start ${item.key}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 500)}`,
        );
        // A 500 says the engine failed; retrying with the same key shows whether it recovers.
        if (answer.status >= 500 && !this.expired()) continue;
        return null;
      }
      this.#acknowledged(item.key, run.id);
      return { id: run.id, status: run.status ?? "?" };
    }
  }

  #acknowledged(key: string, id: string): void {
    const earlier = this.runIds.get(key);
    if (earlier === undefined) this.runIds.set(key, id);
    else if (earlier !== id) this.stats.problems.push(`key ${key}: run ${earlier}, then run ${id}`);
  }

  /** Signals `runId` until acknowledged (or found applied after a lost answer). */
  async signal(item: ChaosItem, runId: string): Promise<void> {
    const path = `/v1/runs/${runId}/signals/${GO_SIGNAL}`;
    let first = true;
    for (;;) {
      const { answer, tries } = await this.#retrying("POST", path, item.signal, undefined);
      if (answer === null) {
        this.stats.problems.push(
          `signal ${runId} (${item.key}): not acknowledged before the deadline`,
        );
        return;
      }
      const retried = !first || tries > 1;
      first = false;
      if (answer.status >= 200 && answer.status <= 299) {
        if (this.signalled.has(runId))
          this.stats.problems.push(`signal ${runId}: acknowledged twice`);
        this.signalled.add(runId);
        return;
      }
      const code = (answer.body as { code?: string } | null)?.code;
      if (answer.status === 409 && code === "run_not_waiting" && retried) {
        // The first try may have been committed with its answer lost: the trace says.
        if (await this.#signalApplied(runId)) {
          this.stats.signalsAppliedEarlier++;
          this.signalled.add(runId);
          return;
        }
      }
      this.stats.problems.push(
        `signal ${runId} (${item.key}): ${answer.status} ${JSON.stringify(answer.body).slice(0, 500)}`,
      );
      if (answer.status >= 500 && !this.expired()) continue;
      return;
    }
  }

  async #signalApplied(runId: string): Promise<boolean> {
    const { answer } = await this.#retrying("GET", `/v1/runs/${runId}`);
    const trace = (answer?.body as { trace?: ChaosTraceEntry[] } | null)?.trace ?? [];
    return trace.some((entry) => entry.event === "signal");
  }

  /** How many runs are `running` or `waiting` (null when the server did not answer). */
  async unfinished(): Promise<number | null> {
    let total = 0;
    for (const status of ["running", "waiting"]) {
      const { answer } = await this.#retrying("GET", `/v1/runs?status=${status}&limit=1000`);
      const items = (answer?.body as { items?: unknown[] } | null)?.items;
      if (answer?.status !== 200 || items === undefined) return null;
      total += items.length;
    }
    return total;
  }
}

/** Runs `work` on each item, starting one every `intervalMs`, at most `inFlight` at once. */
export async function paced<T>(
  items: readonly T[],
  intervalMs: number,
  inFlight: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const running = new Set<Promise<void>>();
  const began = Date.now();
  for (const [index, item] of items.entries()) {
    const due = began + index * intervalMs;
    if (due > Date.now()) await sleep(due - Date.now());
    while (running.size >= inFlight) await Promise.race(running);
    const job = work(item).finally(() => running.delete(job));
    running.add(job);
  }
  await Promise.all(running);
}
