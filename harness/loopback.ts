/**
 * A stand-in's HTTP server on a free port of 127.0.0.1: started with its handler (given the whole
 * request body), stopped with every open connection closed, so a test's `after` never waits on a
 * keep-alive socket.
 */
import * as http from "http";
import type { AddressInfo } from "net";

export type LoopbackHandler = (
  req: http.IncomingMessage,
  body: string,
  res: http.ServerResponse,
) => void;

export class LoopbackServer {
  private server?: http.Server;

  constructor(private readonly handler: LoopbackHandler) {}

  /** Listens on a free port of 127.0.0.1; resolves to its base URL. */
  async start(): Promise<string> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => this.handler(req, Buffer.concat(chunks).toString("utf8"), res));
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
