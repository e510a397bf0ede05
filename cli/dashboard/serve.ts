/**
 * `dashboard --serve PORT`: the page on 127.0.0.1, read afresh on every request (stack files,
 * deployed state, git history, live Argo CD state), so a reload shows the present; the page
 * reloads itself every REFRESH_SECONDS. `/data.json` serves the same data as `dashboard --json`.
 */
import * as http from "http";
import type { AddressInfo } from "net";
import { renderDashboard } from "./html";
import type { DashboardData } from "./model";

/** How often the served page reloads itself. */
export const REFRESH_SECONDS = 30;

/** Binds only the loopback address: the page is for this machine (or a port-forward). */
export const SERVE_HOST = "127.0.0.1";

/** Reads the sources and assembles the data; throws when the project cannot be read at all. */
export type DataSource = () => Promise<DashboardData>;

function send(response: http.ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, {
    "Content-Type": `${type}; charset=utf-8`,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
  });
  response.end(body);
}

/**
 * The Host headers the server answers: the address it listens on, by the names a browser on this
 * machine uses for it, with its port. Binding 127.0.0.1 is not enough: a page on another site can
 * point its own DNS name at 127.0.0.1 (DNS rebinding) and then read the dashboard as a same-origin
 * page, with its own name in the Host header. That name is what tells it apart.
 */
export function allowedHosts(port: number): string[] {
  return [`${SERVE_HOST}:${port}`, `localhost:${port}`, `[::1]:${port}`];
}

/** Whether a request's Host header names this server (case-insensitive, as DNS names are). */
export function hostAllowed(host: string | undefined, port: number): boolean {
  return host !== undefined && allowedHosts(port).includes(host.trim().toLowerCase());
}

async function answer(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  read: DataSource,
  port: number,
): Promise<void> {
  if (!hostAllowed(request.headers.host, port)) {
    // 421 Misdirected Request: this server is not the one that name is for.
    return send(
      response,
      421,
      "text/plain",
      `this dashboard answers only the Host ${allowedHosts(port).join(", ")}\n`,
    );
  }
  const path = new URL(request.url ?? "/", `http://${SERVE_HOST}`).pathname;
  if (request.method !== "GET" && request.method !== "HEAD") {
    return send(response, 405, "text/plain", "only GET\n");
  }
  if (path !== "/" && path !== "/index.html" && path !== "/data.json") {
    return send(
      response,
      404,
      "text/plain",
      `no ${path} here: / is the dashboard, /data.json its data\n`,
    );
  }
  let data: DashboardData;
  try {
    data = await read();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return send(
      response,
      500,
      "text/plain",
      `the dashboard's sources cannot be read: ${message}\n`,
    );
  }
  if (path === "/data.json")
    return send(response, 200, "application/json", JSON.stringify(data, null, 2));
  send(response, 200, "text/html", renderDashboard(data, { refreshSeconds: REFRESH_SECONDS }));
}

/** Serves until closed; resolves once listening. Port 0 takes any free port (see the address). */
export function serveDashboard(port: number, read: DataSource): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    // The port it listens on, read per request: with port 0 the system chose it.
    void answer(request, response, read, (server.address() as AddressInfo).port);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, SERVE_HOST, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}

/** `http://127.0.0.1:<port>/`. */
export function serverUrl(server: http.Server): string {
  return `http://${SERVE_HOST}:${(server.address() as AddressInfo).port}/`;
}
