/** Requests per second per token: 429 `rate_limited` with Retry-After; 0 turns it off. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.js";
import { createServices } from "../src/services/strata-services.js";
import type { StrataServices } from "../src/services/strata-services.js";
import { openTestStore } from "./support/test-stores.js";

describe("rate limits", () => {
  let services: StrataServices;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const opened = await openTestStore("sqlite");
    close = opened.close;
    services = createServices(opened.store);
  });
  afterAll(() => close());

  const tokenFor = async (): Promise<string> =>
    (await services.tokens.create({ tenantId: "t", actor: "setup" }, { role: "viewer" })).token;

  it("answers 429 with Retry-After past the per-token limit, and counts tokens apart", async () => {
    const app = await createApp({ services, rateLimit: 3 });
    const [a, b] = [await tokenFor(), await tokenFor()];
    const get = (token: string) =>
      app.inject({
        method: "GET",
        url: "/v1/workflows",
        headers: { authorization: `Bearer ${token}` },
      });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await get(a)).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await get(a);
    expect(limited.headers["retry-after"]).toBeDefined();
    expect(limited.headers["content-type"]).toContain("application/problem+json");
    expect(limited.json()).toMatchObject({ code: "rate_limited", status: 429 });
    expect((await get(b)).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);
    await app.close();
  });

  it("has no limit when set to 0", async () => {
    const app = await createApp({ services, rateLimit: 0 });
    const token = await tokenFor();
    for (let i = 0; i < 150; i++) {
      const response = await app.inject({
        method: "GET",
        url: "/v1/workflows",
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.statusCode).toBe(200);
    }
    await app.close();
  });
});
