/**
 * The API in-process on a test store, for a `describe` block: the store, the services and the
 * Fastify app are made before its tests and closed after them (read them inside the tests).
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll } from "vitest";
import { createApp } from "../../src/api/app.js";
import { createServices } from "../../src/services/strata-services.js";
import type { StrataServices } from "../../src/services/strata-services.js";
import type { DialectName, Store } from "../../src/store/store.js";
import { openTestStore } from "./test-stores.js";

/** What the block's tests use. */
export interface InProcessApi {
  store: Store;
  services: StrataServices;
  app: FastifyInstance;
}

/** Registers the hooks that open and close the API; the returned object fills in before tests. */
export function useInProcessApi(dialect: DialectName): InProcessApi {
  const api = {} as InProcessApi;
  let close: () => Promise<void> = () => Promise.resolve();
  beforeAll(async () => {
    const opened = await openTestStore(dialect);
    close = opened.close;
    api.store = opened.store;
    api.services = createServices(opened.store);
    api.app = await createApp({ services: api.services, rateLimit: 0 });
    await api.app.ready();
  });
  afterAll(async () => {
    await api.app.close();
    await close();
  });
  return api;
}
