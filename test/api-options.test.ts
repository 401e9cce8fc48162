/**
 * What the server offers beyond JSON with default settings: YAML bodies, CORS when (and only
 * when) configured, the configurable body and definition limits, and Idempotency-Key on test
 * runs of the draft, and helmet's security headers on every answer. Driven in-process with `inject` on SQLite (none of it depends on the store).
 */
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import helmet from "helmet";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.js";
import type { AppDeps } from "../src/api/app.js";
import { createServices } from "../src/services/strata-services.js";
import type { StrataServices } from "../src/services/strata-services.js";
import { openTestStore } from "./support/test-stores.js";

const LOAN_YAML = readFileSync(new URL("../examples/loan.yaml", import.meta.url), "utf8");
const APPLICANT = { id: "a-1", income: 90_000, age: 30, country: "DE" };

let services: StrataServices;
let close: () => Promise<void>;
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  const opened = await openTestStore("sqlite");
  close = opened.close;
  services = createServices(opened.store, { maxDefinitionBytes: 4096 });
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await close();
});

/** An app over the shared services with `options`, and an admin token of a fresh tenant. */
async function appWith(
  options: Partial<AppDeps> = {},
): Promise<{ app: FastifyInstance; auth: { authorization: string } }> {
  const app = await createApp({ services, rateLimit: 0, ...options });
  apps.push(app);
  const tenantId = `t-${apps.length}-${Date.now()}`;
  const { token } = await services.tokens.create({ tenantId, actor: "setup" }, { role: "admin" });
  return { app, auth: { authorization: `Bearer ${token}` } };
}

/** The loan definition as YAML, indented under `definition:`. */
function definitionYaml(): string {
  return `definition:\n${LOAN_YAML.split("\n")
    .map((line) => `  ${line}`)
    .join("\n")}`;
}

describe("YAML bodies", () => {
  it("accepts the same documents as JSON, spelled in YAML", async () => {
    const { app, auth } = await appWith();
    const created = await app.inject({
      method: "POST",
      url: "/v1/workflows",
      headers: { ...auth, "content-type": "application/yaml" },
      payload: `key: loan\nname: Loan decision\n${definitionYaml()}`,
    });
    expect(created.statusCode, created.body).toBe(201);
    const saved = await app.inject({
      method: "PUT",
      url: "/v1/workflows/loan/draft",
      headers: { ...auth, "content-type": "text/yaml", "if-match": '"1"' },
      payload: definitionYaml().replace("amount > 10000", "amount > 20000"),
    });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.headers.etag).toBe('"2"');
    const json = await app.inject({
      method: "GET",
      url: "/v1/workflows/loan/draft",
      headers: auth,
    });
    expect(JSON.stringify(json.json())).toContain("amount > 20000");
  });

  it("answers malformed YAML, and YAML of the wrong shape, with 400 validation_failed", async () => {
    const { app, auth } = await appWith();
    const broken = await app.inject({
      method: "POST",
      url: "/v1/workflows",
      headers: { ...auth, "content-type": "application/yaml" },
      payload: "key: [unclosed",
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(broken.json()).toMatchObject({ code: "validation_failed" });
    expect(broken.json<{ detail: string }>().detail).toMatch(/not valid YAML/);
    const wrongShape = await app.inject({
      method: "POST",
      url: "/v1/workflows",
      headers: { ...auth, "content-type": "application/yaml" },
      payload: "key: loan\ncolour: blue\n",
    });
    expect(wrongShape.statusCode).toBe(400);
    expect(wrongShape.json()).toMatchObject({ code: "validation_failed" });
  });

  it("bounds aliases, so a small YAML bomb is refused, not expanded", async () => {
    const { app, auth } = await appWith();
    const lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let level = 1; level < 12; level++) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      lines.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(", ")}]`);
    }
    const bomb = await app.inject({
      method: "POST",
      url: "/v1/workflows",
      headers: { ...auth, "content-type": "application/yaml" },
      payload: `key: bomb\nname: x\ndefinition:\n  ${lines.join("\n  ")}\n`,
    });
    expect(bomb.statusCode).toBe(400);
    expect(bomb.json()).toMatchObject({ code: "validation_failed" });
    expect(bomb.json<{ detail: string }>().detail).toMatch(/not valid YAML .*alias/i);
  });
});

describe("security headers", () => {
  it("are helmet's defaults on every answer: success, error and unknown route", async () => {
    const { app, auth } = await appWith();
    // What helmet's own middleware sets on a response, for comparison.
    const expected: Record<string, string> = {};
    helmet()(
      {} as IncomingMessage,
      {
        setHeader: (name: string, value: string) => (expected[name.toLowerCase()] = value),
        removeHeader: (name: string) => delete expected[name.toLowerCase()],
      } as unknown as ServerResponse,
      () => undefined,
    );
    expect(Object.keys(expected)).toContain("content-security-policy");
    const answers = [
      await app.inject({ method: "GET", url: "/v1/workflows", headers: auth }),
      await app.inject({ method: "GET", url: "/v1/workflows" }),
      await app.inject({ method: "GET", url: "/v1/nowhere", headers: auth }),
    ];
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 401, 404]);
    for (const answer of answers) {
      for (const [name, value] of Object.entries(expected))
        expect(answer.headers[name], name).toBe(value);
      expect(answer.headers["x-powered-by"]).toBeUndefined();
    }
  });
});

describe("CORS", () => {
  it("is off by default: no CORS headers, preflights are not answered", async () => {
    const { app } = await appWith();
    const preflight = await app.inject({
      method: "OPTIONS",
      url: "/v1/workflows",
      headers: { origin: "https://ops.example.com", "access-control-request-method": "POST" },
    });
    expect(preflight.headers["access-control-allow-origin"]).toBeUndefined();
    expect(preflight.statusCode).toBe(404);
  });

  it("allows exactly the configured origins, with the headers the API uses", async () => {
    const { app, auth } = await appWith({ corsOrigins: ["https://ops.example.com"] });
    const preflight = await app.inject({
      method: "OPTIONS",
      url: "/v1/workflows/loan/draft",
      headers: {
        origin: "https://ops.example.com",
        "access-control-request-method": "PUT",
        "access-control-request-headers": "authorization, if-match, content-type",
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe("https://ops.example.com");
    expect(String(preflight.headers["access-control-allow-headers"])).toMatch(/if-match/);
    const listed = await app.inject({
      method: "GET",
      url: "/v1/workflows",
      headers: { ...auth, origin: "https://ops.example.com" },
    });
    expect(listed.headers["access-control-allow-origin"]).toBe("https://ops.example.com");
    expect(String(listed.headers["access-control-expose-headers"])).toMatch(/etag/);
    const other = await app.inject({
      method: "GET",
      url: "/v1/workflows",
      headers: { ...auth, origin: "https://evil.example.net" },
    });
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

describe("limits", () => {
  it("refuses a body over the configured request limit with 413", async () => {
    const { app, auth } = await appWith({ bodyLimit: 2048 });
    const big = await app.inject({
      method: "POST",
      url: "/v1/workflows",
      headers: { ...auth, "content-type": "application/json" },
      payload: JSON.stringify({ key: "big", name: "x".repeat(3000) }),
    });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ code: "payload_too_large" });
  });

  it("refuses a definition over the configured definition limit with 413, storing nothing", async () => {
    const { app, auth } = await appWith();
    const padded = {
      start: "done",
      nodes: { done: { type: "end", output: { note: `'${"x".repeat(5000)}'` } } },
    };
    const created = await app.inject({
      method: "POST",
      url: "/v1/workflows",
      headers: auth,
      payload: { key: "padded", definition: padded },
    });
    expect(created.statusCode).toBe(413);
    expect(created.json<{ detail: string }>().detail).toMatch(/limit is 4096 bytes/);
    const listed = await app.inject({ method: "GET", url: "/v1/workflows", headers: auth });
    expect(listed.json()).toEqual({ items: [], nextCursor: null });
  });
});

describe("test runs of the draft", () => {
  it("honour Idempotency-Key: same key and body, same run; another body, 422", async () => {
    const { app, auth } = await appWith();
    await app.inject({
      method: "POST",
      url: "/v1/workflows",
      headers: { ...auth, "content-type": "application/yaml" },
      payload: `key: loan\n${definitionYaml()}`,
    });
    const start = (amount: number) =>
      app.inject({
        method: "POST",
        url: "/v1/workflows/loan/draft/runs",
        headers: { ...auth, "idempotency-key": "try-1" },
        payload: { input: { amount, applicant: APPLICANT } },
      });
    const first = await start(5000);
    const again = await start(5000);
    expect(first.statusCode).toBe(201);
    expect(again.json<{ id: string }>().id).toBe(first.json<{ id: string }>().id);
    const reused = await start(6000);
    expect(reused.statusCode).toBe(422);
    expect(reused.json()).toMatchObject({ code: "idempotency_key_reused" });
  });
});
