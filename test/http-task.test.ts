/**
 * The built-in `http` task against a real HTTP server on 127.0.0.1: the allow-list, JSON in
 * and out, the idempotency key header, retries on 5xx and no retry on 4xx.
 */
import { createServer } from "node:http";
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Strata } from "../src/index.js";
import { createHttpHandler } from "../src/engine/http-handler.js";

const flow = (url: string) => ({
  start: "call",
  nodes: {
    call: {
      type: "task",
      handler: "http",
      input: { url: `'${url}'`, body: "$" },
      retry: { maxAttempts: 3, initialInterval: "PT0.01S" },
      assign: { answer: "$result.body" },
      next: "done",
    },
    done: { type: "end", output: "answer" },
  },
});

describe("the http task", () => {
  let server: Server;
  let base: string;
  const seen: Array<{ path: string; key: string | undefined; body: string }> = [];
  let failures = 0;

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString()));
      request.on("end", () => {
        seen.push({
          path: request.url ?? "",
          key: request.headers["idempotency-key"] as string | undefined,
          body,
        });
        if (request.url === "/flaky" && failures < 2) {
          failures += 1;
          response.writeHead(503).end();
        } else if (request.url === "/bad") {
          response.writeHead(400).end('{"error":"bad"}');
        } else {
          response
            .writeHead(200, { "content-type": "application/json" })
            .end(JSON.stringify({ echo: JSON.parse(body) as unknown }));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function runTo(path: string, allowed: string[]): Promise<{ strata: Strata; id: string }> {
    const strata = await Strata.open({ database: ":memory:", http: { allowedHosts: allowed } });
    await strata.workflows.create({ key: "call", definition: flow(`${base}${path}`) });
    await strata.drafts.publish("call");
    const run = await strata.runs.start("call", { input: { n: 1 } });
    for (let i = 0; i < 50 && (await strata.runs.show(run.id)).status === "running"; i++) {
      await strata.runDueWork();
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    return { strata, id: run.id };
  }

  it("posts JSON to an allowed host with the idempotency key, and returns the answer", async () => {
    const host = new URL(base).host;
    const { strata, id } = await runTo("/ok", [host]);
    expect(await strata.runs.show(id)).toMatchObject({
      status: "completed",
      output: { echo: { n: 1 } },
    });
    expect(seen.filter((s) => s.path === "/ok")).toEqual([
      { path: "/ok", key: `${id}:call`, body: '{"n":1}' },
    ]);
    await strata.close();
  });

  it("retries 5xx answers with the same key", async () => {
    const { strata, id } = await runTo("/flaky", [new URL(base).host]);
    expect((await strata.runs.show(id)).status).toBe("completed");
    const calls = seen.filter((s) => s.path === "/flaky");
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.key))).toEqual(new Set([`${id}:call`]));
    await strata.close();
  });

  it("does not retry a 4xx answer, and refuses hosts off the allow-list without calling them", async () => {
    const bad = await runTo("/bad", [new URL(base).host]);
    expect(await bad.strata.runs.show(bad.id)).toMatchObject({
      status: "failed",
      error: { code: "task_failed", details: { code: "http_400", attempts: 1 } },
    });
    await bad.strata.close();
    const before = seen.length;
    const refused = await runTo("/ok", []);
    expect(await refused.strata.runs.show(refused.id)).toMatchObject({
      status: "failed",
      error: { details: { code: "host_not_allowed" } },
    });
    expect(seen.length).toBe(before);
    await refused.strata.close();
  });

  it("refuses inputs without an http(s) url", async () => {
    const handler = createHttpHandler({ allowedHosts: ["example.com"] });
    const ctx = {
      idempotencyKey: "k",
      attempt: 1,
      signal: new AbortController().signal,
      runId: "r",
      node: "n",
    };
    await expect(handler({ url: "file:///etc/passwd" }, ctx)).rejects.toMatchObject({
      code: "http_input_invalid",
    });
    await expect(handler({}, ctx)).rejects.toMatchObject({ code: "http_input_invalid" });
  });
});
