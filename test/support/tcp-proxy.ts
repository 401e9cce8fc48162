/**
 * A TCP proxy on 127.0.0.1 in front of a real server, that a test can cut and restore: what
 * a failover, a restarted PostgreSQL or a proxy's timeout looks like to a client, without
 * touching the server other test files share. `cut()` resets every connection and stops
 * listening (new connections are refused); `restore()` listens again on the same port.
 */
import { createConnection, createServer } from "node:net";
import type { Server, Socket } from "node:net";

/** A proxy that forwards to `target` until cut. */
export class TcpProxy {
  readonly #sockets = new Set<Socket>();
  #server: Server | null = null;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  /** Listens (on a free port the first time, the same port afterwards). */
  async listen(): Promise<void> {
    const server = createServer((client) => {
      const upstream = createConnection(this.target);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on("close", () => this.#sockets.delete(socket));
        socket.on("error", () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    if (typeof address === "object" && address !== null) this.port = address.port;
    this.#server = server;
  }

  /** Resets every connection and refuses new ones. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    for (const socket of this.#sockets) socket.resetAndDestroy();
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Accepts connections again. */
  restore(): Promise<void> {
    return this.listen();
  }

  /** Stops for good. */
  close(): Promise<void> {
    return this.cut();
  }
}

/** `url` with its host and port replaced by the proxy's. */
export function throughProxy(url: string, proxy: TcpProxy): string {
  const parsed = new URL(url);
  parsed.hostname = "127.0.0.1";
  parsed.port = String(proxy.port);
  return parsed.toString();
}
