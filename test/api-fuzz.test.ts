/**
 * Fuzzing the HTTP API with fast-check: malformed and hostile requests (random JSON, wrong
 * types, unknown fields, huge or non-JSON bodies, odd query strings, path parameters and
 * headers) sent with an admin token to the main routes, on both stores. Whatever arrives, the
 * server must (a) never answer 5xx, (b) answer every error as problem+json with a `code`, and
 * (c) write nothing when it refuses: every table is fingerprinted before and after each request.
 *
 * Bugs this test found (all fixed) are kept in REGRESSIONS, each checked on every store.
 *
 * A failure prints fast-check's seed and path; replay it with STRATA_FUZZ_SEED=<seed>.
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.js";
import type { Actor } from "../src/core/model.js";
import { createServices } from "../src/services/strata-services.js";
import type { StrataServices } from "../src/services/strata-services.js";
import type { Store } from "../src/store/store.js";
import { DIALECTS, openTestStore, uniqueTenant } from "./support/test-stores.js";

/** Runs per dialect: enough to reach every route many times, small enough for a few seconds. */
const NUM_RUNS = Number(process.env.STRATA_FUZZ_RUNS ?? 300);
const SEED =
  process.env.STRATA_FUZZ_SEED === undefined ? {} : { seed: Number(process.env.STRATA_FUZZ_SEED) };

/** Only waits and ends: no task node, so nothing a fuzzed run does leaves the process. */
const waitFlow = {
  start: "hold",
  nodes: {
    hold: { type: "wait", signal: "go", timeout: "PT1H", onTimeout: "late", next: "done" },
    done: { type: "end", output: { ok: "true" } },
    late: { type: "end", output: { ok: "false" } },
  },
};

/** One request as sent by `inject`; the payload is always text, so odd bodies stay odd. */
interface FuzzRequest {
  method: "GET" | "POST" | "PUT" | "DELETE";
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

/** The tables and their primary keys (src/store/migrations/0001_initial.sql). */
const TABLES = {
  workflows: ["tenant_id", "id"],
  versions: ["tenant_id", "id"],
  live_routes: ["tenant_id", "workflow_id"],
  runs: ["tenant_id", "id"],
  audit_events: ["tenant_id", "seq"],
  audit_heads: ["tenant_id"],
  tokens: ["tenant_id", "id"],
} as const;

// ---------------------------------------------------------------------------------------------
// Known bugs, each with the requests it covers and a reproduction.
// ---------------------------------------------------------------------------------------------

/** A request that once answered wrongly, kept as a regression check on every store. */
interface Regression {
  /** What went wrong before the fix. */
  summary: string;
  request: Omit<FuzzRequest, "headers"> & { headers?: Record<string, string> };
}

/** Bugs this test found, all fixed: each must now answer a 4xx problem+json. */
const REGRESSIONS: readonly Regression[] = [
  {
    summary: "PostgreSQL: a NUL in a path parameter was a 500 (it cannot store NUL in text)",
    request: { method: "GET", url: "/v1/workflows/a%00b" },
  },
  {
    summary: "PostgreSQL: a NUL in a stored string (a workflow name) was a 500",
    request: {
      method: "POST",
      url: "/v1/workflows",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ key: "nul", name: "a\u0000b" }),
    },
  },
  {
    summary: "PostgreSQL: a version number above 2147483647 overflowed its column: a 500",
    request: { method: "GET", url: "/v1/workflows/wf/versions/3000000000" },
  },
  {
    summary: "PostgreSQL: an audit cursor that is not an integer was a 500",
    request: { method: "GET", url: "/v1/audit?cursor=abc" },
  },
  {
    summary: "a malformed escape in the URL answered Fastify's JSON, not problem+json",
    request: { method: "GET", url: "/v1/workflows/%ZZ" },
  },
  {
    summary: "a path segment over 100 characters answered Fastify's 414 JSON, not problem+json",
    request: { method: "GET", url: `/v1/workflows/${"a".repeat(150)}` },
  },
];

// ---------------------------------------------------------------------------------------------
// Generators.
// ---------------------------------------------------------------------------------------------

/** Printable ASCII: header values must be sendable at all. */
const headerText = (maxLength: number) =>
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    maxLength,
  });

/** Any text: control characters (NUL too), astral characters, combining marks. */
const anyText = (maxLength = 40) =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: "binary", maxLength }),
    fc.string({ unit: "binary-ascii", maxLength }),
    fc.string({ unit: "grapheme", maxLength }),
  );

/** Escapes a percent-encoding parser may choke on, sent raw. */
const rawOddSegments = [
  "%",
  "%ZZ",
  "%00",
  "%2F",
  "%2e%2e",
  "..",
  ".",
  "%20",
  "%ED%A0%80",
  "%F0%9F%98%80",
  "%C0%AF",
  "a%2Fb",
  "~",
  "%25",
];

/** A path parameter: a real one, or text of any kind and length. */
function segment(real: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...real) },
    {
      weight: 3,
      arbitrary: anyText()
        .filter((s) => s !== "")
        .map(encodeURIComponent),
    },
    { weight: 1, arbitrary: fc.integer({ min: 80, max: 400 }).map((n) => "a".repeat(n)) },
    { weight: 1, arbitrary: fc.integer({ min: 10, max: 60 }).map((n) => "%C3%A9".repeat(n)) },
    { weight: 2, arbitrary: fc.constantFrom(...rawOddSegments) },
  );
}

/** A version number in a path: plausible, out of range, or not a number. */
const versionSegment = fc.oneof(
  fc.constantFrom("1", "2", "3"),
  fc.constantFrom("0", "-1", "1.5", "1e3", "abc", "NaN", "Infinity", "0x10", "01", "%201"),
  fc.constantFrom("2147483647", "2147483648", "99999999999999999999", "1e400"),
  fc.integer().map(String),
);

/** A value of any JSON type, to put where one type is expected. */
const anyJson = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, 0, -1, 1.5, 2 ** 53, 1e308, "", []) },
  { weight: 1, arbitrary: anyText(80) },
);

/** A definition: the valid one, a broken one, a random object, or an oversized one. */
const definition = fc.oneof(
  { weight: 3, arbitrary: fc.constant<unknown>(waitFlow) },
  {
    weight: 2,
    arbitrary: fc.record(
      { start: anyJson, nodes: fc.dictionary(anyText(10), anyJson, { maxKeys: 3 }) },
      { requiredKeys: [] },
    ),
  },
  { weight: 2, arbitrary: anyJson },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 200_000, max: 400_000 })
      .map((n) => ({ ...waitFlow, description: "d".repeat(n) })),
  },
);

/** An object shaped like `fields`, each field maybe missing or of the wrong type, maybe more. */
function shaped(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const mixed = Object.fromEntries(
    Object.entries(fields).map(([name, right]) => [
      name,
      fc.oneof({ weight: 5, arbitrary: right }, { weight: 1, arbitrary: anyJson }),
    ]),
  );
  return fc
    .tuple(
      fc.record(mixed, { requiredKeys: [] }),
      fc.option(fc.dictionary(anyText(12), anyJson, { maxKeys: 2 }), { freq: 5 }),
    )
    .map(([known, extra]) => ({ ...known, ...(extra ?? {}) }));
}

/** A body: the route's shape mutated, any JSON, text that is not JSON, YAML, or far too big. */
function body(shape: fc.Arbitrary<unknown>): fc.Arbitrary<{ text: string; type?: string }> {
  const jsonTypes = fc.constantFrom(
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=latin1",
  );
  return fc.oneof(
    {
      weight: 10,
      arbitrary: fc.record({ text: shape.map((v) => JSON.stringify(v)), type: jsonTypes }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ text: anyJson.map((v) => JSON.stringify(v)), type: jsonTypes }),
    },
    { weight: 2, arbitrary: fc.record({ text: anyText(60), type: jsonTypes }) },
    {
      weight: 1,
      arbitrary: fc.record({
        text: fc.oneof(
          anyText(60),
          fc.constantFrom("a: &a [*a, *a]\nb: &b [*a, *a]\nc: [*b, *b]", "- 1\n- 2"),
          shape.map((v) => JSON.stringify(v)), // JSON is YAML too
        ),
        type: fc.constantFrom("application/yaml", "text/yaml", "application/x-yaml"),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record(
        {
          text: anyText(60),
          type: fc.constantFrom(
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/octet-stream",
          ),
        },
        { requiredKeys: ["text"] },
      ),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 900_000, max: 1_200_000 }).map((n) => ({
        text: JSON.stringify({ key: "big", definition: { blob: "x".repeat(n) } }),
        type: "application/json",
      })),
    },
  );
}

/** Query strings: known keys with plausible or odd values, unknown keys, repeats, bad escapes. */
function queryString(keys: readonly string[], values: readonly string[]): fc.Arbitrary<string> {
  const pair = fc.tuple(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...keys) },
      { weight: 1, arbitrary: fc.constantFrom("__proto__", "constructor", "limit[]", "a[b]", "") },
      { weight: 1, arbitrary: anyText(10).map(encodeURIComponent) },
    ),
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...values) },
      { weight: 2, arbitrary: anyText(30).map(encodeURIComponent) },
      { weight: 1, arbitrary: fc.constantFrom(...rawOddSegments) },
      { weight: 1, arbitrary: fc.integer({ min: 400, max: 3_000 }).map((n) => "c".repeat(n)) },
    ),
  );
  return fc
    .array(pair, { maxLength: 4 })
    .map((pairs) => (pairs.length === 0 ? "" : `?${pairs.map(([k, v]) => `${k}=${v}`).join("&")}`));
}

const listValues = [
  "1",
  "0",
  "-1",
  "1000",
  "1001",
  "1.5",
  "abc",
  "test",
  "all",
  "production",
  "waiting",
  "completed",
  "wf",
  "2147483648",
];

/** Optional If-Match and Idempotency-Key headers, plausible or odd. */
const extraHeaders = fc.record(
  {
    "if-match": fc.oneof(
      fc.constantFrom('"1"', '"2"', 'W/"1"', "1", "*", '"-1"', '"0"', '"99999999999999999999"', ""),
      headerText(40),
    ),
    "idempotency-key": fc.oneof(
      fc.constantFrom("k", "k-1", ""),
      headerText(40),
      fc.integer({ min: 190, max: 5_000 }).map((n) => "i".repeat(n)),
    ),
  },
  { requiredKeys: [] },
);

/** The ids of the fixtures the generators aim at. */
interface Fixtures {
  workflows: string[];
  runs: string[];
  tokens: string[];
}

/** Every fuzzed route, with the parts that vary. */
function requests(fx: Fixtures): fc.Arbitrary<FuzzRequest> {
  const wf = segment(fx.workflows);
  const run = segment(fx.runs);
  const token = segment(fx.tokens);
  const signal = segment(["go", "stop"]);
  const noBody = fc.constant(undefined);
  type Part = fc.Arbitrary<string>;
  const route = (
    method: FuzzRequest["method"],
    url: fc.Arbitrary<string>,
    payload: fc.Arbitrary<{ text: string; type?: string } | undefined>,
  ) => fc.record({ method: fc.constant(method), url, payload, headers: extraHeaders });
  const path = (...parts: Array<string | Part>) =>
    fc
      .tuple(...parts.map((p) => (typeof p === "string" ? fc.constant(p) : p)))
      .map((xs) => xs.join(""));
  const start = shaped({
    input: anyJson,
    version: fc.constantFrom("live", "latest", "draft", 1, 2, 0),
    routingKey: anyText(20),
    kind: fc.constantFrom("production", "test"),
  });
  const routes = [
    route(
      "POST",
      fc.constant("/v1/workflows"),
      body(
        shaped({
          key: fc.oneof(
            fc.constantFrom("wf", "old"),
            fc.stringMatching(/^[a-z0-9][a-z0-9_.-]{0,20}$/),
            anyText(70),
          ),
          name: anyText(),
          definition,
        }),
      ),
    ),
    route("GET", path("/v1/workflows", queryString(["limit", "cursor"], listValues)), noBody),
    route("GET", path("/v1/workflows/", wf), noBody),
    route(
      "POST",
      path("/v1/workflows/", wf, fc.constantFrom("/activate", "/deactivate")),
      fc.option(body(anyJson), { freq: 3, nil: undefined }),
    ),
    route(
      "POST",
      path("/v1/workflows/", wf, "/draft"),
      fc.option(body(shaped({ from: fc.constantFrom(1, 2, 0, 3_000_000_000) })), {
        nil: undefined,
      }),
    ),
    route("GET", path("/v1/workflows/", wf, "/draft"), noBody),
    route("PUT", path("/v1/workflows/", wf, "/draft"), body(shaped({ definition }))),
    route("DELETE", path("/v1/workflows/", wf, "/draft"), noBody),
    route("POST", path("/v1/workflows/", wf, "/draft/revert"), noBody),
    route(
      "POST",
      path("/v1/workflows/", wf, "/draft/publish"),
      fc.option(
        body(
          shaped({
            revision: fc.constantFrom(1, 2, 0),
            description: anyText(),
            activate: fc.boolean(),
            retirePrevious: fc.boolean(),
          }),
        ),
        { nil: undefined },
      ),
    ),
    route("POST", path("/v1/workflows/", wf, "/draft/runs"), body(start)),
    route("POST", path("/v1/workflows/", wf, "/runs"), body(start)),
    route("GET", path("/v1/workflows/", wf, "/versions"), noBody),
    route("GET", path("/v1/workflows/", wf, "/versions/", versionSegment), noBody),
    route(
      "POST",
      path(
        "/v1/workflows/",
        wf,
        "/versions/",
        versionSegment,
        fc.constantFrom("/retire", "/restore"),
      ),
      noBody,
    ),
    route("DELETE", path("/v1/workflows/", wf, "/versions/", versionSegment), noBody),
    route(
      "GET",
      path(
        "/v1/runs",
        queryString(["workflow", "version", "kind", "status", "limit", "cursor"], listValues),
      ),
      noBody,
    ),
    route("GET", path("/v1/runs/", run), noBody),
    route(
      "POST",
      path("/v1/runs/", run, "/signals/", signal),
      fc.option(body(anyJson), { nil: undefined }),
    ),
    route("POST", path("/v1/runs/", run, "/cancel"), noBody),
    route(
      "GET",
      path("/v1/audit", queryString(["workflow", "limit", "cursor"], listValues)),
      noBody,
    ),
    route(
      "POST",
      fc.constant("/v1/tokens"),
      body(shaped({ role: fc.constantFrom("viewer", "admin", "root"), name: anyText() })),
    ),
    route("GET", path("/v1/tokens", queryString(["limit"], listValues)), noBody),
    route("DELETE", path("/v1/tokens/", token), noBody),
  ];
  return fc.oneof(...routes).map(({ method, url, payload, headers }) => ({
    method,
    url,
    headers: {
      ...headers,
      ...(payload?.type === undefined ? {} : { "content-type": payload.type }),
    },
    ...(payload === undefined ? {} : { payload: payload.text }),
  }));
}

// ---------------------------------------------------------------------------------------------
// The property, on each store.
// ---------------------------------------------------------------------------------------------

describe.each(DIALECTS)("fuzzing the API on %s", (dialect) => {
  let store: Store;
  let close: () => Promise<void>;
  let services: StrataServices;
  let app: FastifyInstance;
  let admin: string;
  let fixtures: Fixtures;

  beforeAll(async () => {
    ({ store, close } = await openTestStore(dialect));
    services = createServices(store);
    app = await createApp({ services, rateLimit: 0 });
    await app.ready();
    // Fixtures to aim at: `wf` live at 1 with an open draft, `old` with version 1 retired and
    // version 2 live, a waiting run, and a token to revoke. Fuzzed requests that succeed move
    // them on (publish, cancel, ...), which only widens what later requests meet.
    const ctx: Actor = { tenantId: uniqueTenant(), actor: "setup" };
    const created = await services.tokens.create(ctx, { role: "admin" });
    admin = created.token;
    const spare = await services.tokens.create(ctx, { role: "viewer" });
    const wf = await services.workflows.create(ctx, { key: "wf", definition: waitFlow });
    await services.publisher.publish(ctx, "wf");
    await services.drafts.open(ctx, "wf");
    await services.workflows.create(ctx, { key: "old", definition: waitFlow });
    await services.publisher.publish(ctx, "old");
    await services.drafts.open(ctx, "old");
    await services.drafts.save(ctx, "old", {
      definition: { ...waitFlow, description: "2" },
      revision: 1,
    });
    await services.publisher.publish(ctx, "old");
    await services.versions.retire(ctx, "old", 1);
    const waiting = await services.runs.start(ctx, "wf", { input: {} });
    // The admin token itself is no target: revoking it would turn every later request into 401.
    fixtures = { workflows: ["wf", "old", wf.id], runs: [waiting.id], tokens: [spare.id] };
  });
  afterAll(async () => {
    await app.close();
    await close();
  });

  /** Per table: row count and a hash of every row in key order. */
  async function fingerprint(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const [table, keys] of Object.entries(TABLES)) {
      let query = store.db.selectFrom(table as keyof typeof TABLES).selectAll();
      for (const key of keys) query = query.orderBy(key);
      const rows = await query.execute();
      out[table] =
        `${rows.length} ${createHash("sha256").update(JSON.stringify(rows)).digest("hex")}`;
    }
    return out;
  }

  function send(request: FuzzRequest): Promise<LightMyRequestResponse> {
    return app.inject({
      method: request.method,
      url: request.url,
      headers: { authorization: `Bearer ${admin}`, ...request.headers },
      ...(request.payload === undefined ? {} : { payload: request.payload }),
    });
  }

  it(`never fails, always explains, never writes on a refusal (${NUM_RUNS} requests)`, async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(requests(fixtures), async (request) => {
        const before = await fingerprint();
        const response = await send(request);
        const status = response.statusCode;
        expect(status, "the fuzzing token must stay valid").not.toBe(401);
        seen.set(String(status), (seen.get(String(status)) ?? 0) + 1);
        const what = `${request.method} ${request.url.slice(0, 200)} -> ${status} ${response.body.slice(0, 300)}`;
        expect(status, what).toBeLessThan(500);
        if (status >= 400) {
          expect(response.headers["content-type"], what).toMatch(/^application\/problem\+json/);
          const problem = response.json<{ code?: unknown; status?: unknown }>();
          expect(typeof problem.code, what).toBe("string");
          expect(problem.status, what).toBe(status);
        }
        // A refusal (or any read) must leave every table as it was.
        if (status >= 400 || request.method === "GET")
          expect(await fingerprint(), what).toEqual(before);
      }),
      { numRuns: NUM_RUNS, ...SEED },
    );
    // The generators should reach both success and refusal, or they test too little.
    const statuses = [...seen.keys()];
    expect(statuses.some((s) => s.startsWith("2"))).toBe(true);
    expect(statuses.some((s) => s.startsWith("4"))).toBe(true);
  });

  // Bugs this test found once, each answered properly now.
  for (const { summary, request } of REGRESSIONS) {
    it(`fixed: ${summary}`, async () => {
      const before = await fingerprint();
      const response = await send({ headers: {}, ...request });
      expect(response.statusCode, response.body).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, response.body).toBeLessThan(500);
      expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
      expect(typeof response.json<{ code?: unknown }>().code).toBe("string");
      expect(await fingerprint()).toEqual(before);
    });
  }
});
