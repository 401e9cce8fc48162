/** A TCP port on 127.0.0.1 that nothing listens on right now. */
import { createServer } from "node:net";

/** Asks the OS for a free port, then releases it for the caller to use. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        resolve(typeof address === "object" && address !== null ? address.port : 0),
      );
    });
  });
}
