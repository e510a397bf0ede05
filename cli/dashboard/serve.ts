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

async function answer(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  read: DataSource,
): Promise<void> {
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
    void answer(request, response, read);
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
