/** Wires the services together over one store; the composition shared by library, CLI and API. */
import type { Clock } from "../core/clock.js";
import { systemClock } from "../core/clock.js";
import type { Store } from "../store/store.js";
import { AuditService } from "./audit-service.js";
import type { ServiceDeps } from "./deps.js";
import { DraftService } from "./draft-service.js";
import { PublishService } from "./publish-service.js";
import { VersionService } from "./version-service.js";
import { WorkflowService } from "./workflow-service.js";

/** Every service, sharing one store and clock. */
export interface StrataServices {
  deps: ServiceDeps;
  workflows: WorkflowService;
  drafts: DraftService;
  versions: VersionService;
  publisher: PublishService;
  audit: AuditService;
}

/** Builds the services over a store. */
export function createServices(store: Store, clock: Clock = systemClock): StrataServices {
  const deps: ServiceDeps = { store, clock };
  const drafts = new DraftService(deps);
  const versions = new VersionService(deps);
  return {
    deps,
    workflows: new WorkflowService(deps),
    drafts,
    versions,
    publisher: new PublishService(deps, drafts),
    audit: new AuditService(deps),
  };
}
