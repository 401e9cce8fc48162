/**
 * The chaos test's HTTP sink: the `http` tasks' target, a node:http server on 127.0.0.1 in the
 * test process. It answers by the run's input, which the task sends as its body (see
 * `chaos-plan.ts`, {@link SinkMode}): the first `failTimes` calls of an idempotency key get 503
 * and later ones 200, `down` always 503, `reject` 422. A 200 echoes the key, so the outcome a run
 * recorded can be traced to the call that produced it. Every call is kept, in order.
 */
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { ChaosInput } from "./chaos-plan.js";

/** One call the sink received. */
export interface SinkCall {
  key: string;
  /** 1 for the key's first call. */
  nth: number;
  status: number;
  item: number | null;
  /** Calls of the same key in flight when this one arrived (0: none). */
  concurrent: number;
}

/** A running sink. */
export class ChaosSink {
  readonly calls: SinkCall[] = [];
  readonly #count = new Map<string, number>();
  readonly #inFlight = new Map<string, number>();
  readonly #random: () => number;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    random: () => number,
  ) {
    this.#random = random;
  }

  /** Starts a sink on a free port; `random` picks each answer's small delay. */
  static async start(random: () => number): Promise<ChaosSink> {
    const holder: { sink?: ChaosSink } = {};
    const server = createServer((request, response) => {
      if (holder.sink === undefined) response.writeHead(503).end();
      else void holder.sink.#answer(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    holder.sink = new ChaosSink(server, `http://127.0.0.1:${port}/sink`, random);
    return holder.sink;
  }

  /** `host:port`, for `--allow-host`. */
  get host(): string {
    return new URL(this.url).host;
  }

  /** The calls of each key, in order. */
  byKey(): Map<string, SinkCall[]> {
    const byKey = new Map<string, SinkCall[]>();
    for (const call of this.calls) byKey.set(call.key, [...(byKey.get(call.key) ?? []), call]);
    return byKey;
  }

  /** Requests whose caller went away before its body arrived (a worker killed mid-call). */
  aborted = 0;

  async #answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      await this.#handle(request, response);
    } catch {
      this.aborted++;
      response.destroy();
    }
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const key = String(request.headers["idempotency-key"] ?? "");
    let input: Partial<ChaosInput> = {};
    try {
      input = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Partial<ChaosInput>;
    } catch {
      // recorded with item null; the checks report it
    }
    const nth = (this.#count.get(key) ?? 0) + 1;
    this.#count.set(key, nth);
    const concurrent = this.#inFlight.get(key) ?? 0;
    this.#inFlight.set(key, concurrent + 1);
    const status =
      input.mode === "down"
        ? 503
        : input.mode === "reject"
          ? 422
          : nth <= Number(input.failTimes ?? 0)
            ? 503
            : 200;
    this.calls.push({ key, nth, status, item: input.item ?? null, concurrent });
    // A little latency, so that kills and cut connections land while calls are in flight.
    await new Promise((resolve) => setTimeout(resolve, 5 + Math.floor(this.#random() * 25)));
    this.#inFlight.set(key, (this.#inFlight.get(key) ?? 1) - 1);
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(status === 200 ? { key, nth } : { error: `planned ${status}` }));
  }

  /** Stops listening and drops every connection. */
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
