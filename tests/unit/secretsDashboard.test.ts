/**
 * Issue #20, "Secrets stay secret", for `dashboard --serve`: a page of another site that points
 * its DNS name at 127.0.0.1 (DNS rebinding) must not read the dashboard. The server answers only
 * requests whose Host is the address it listens on; checked with the real server and raw HTTP
 * requests carrying a forged Host, as a rebinding browser sends them.
 */
import { strict as assert } from "assert";
import * as http from "http";
import type { AddressInfo } from "net";
import type { DashboardData } from "../../cli/dashboard/model";
import { hostAllowed, serveDashboard } from "../../cli/dashboard/serve";

interface Answer {
  status: number;
  body: string;
}

/** A GET of /data.json on 127.0.0.1:port with exactly this Host header (none when undefined). */
function get(port: number, host: string | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: "127.0.0.1",
        port,
        path: "/data.json",
        method: "GET",
        setHost: false,
        headers: host === undefined ? {} : { Host: host },
      },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (body += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on("error", reject);
    request.end();
  });
}

describe("secrets: dashboard --serve answers only its own Host", () => {
  let server: http.Server;
  let port: number;
  let reads = 0;

  before(async () => {
    server = await serveDashboard(0, () => {
      reads++;
      return Promise.resolve({ marker: "dashboard data" } as unknown as DashboardData);
    });
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("answers 127.0.0.1, localhost and [::1] with its port", async () => {
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `[::1]:${port}`,
      `LOCALHOST:${port}`,
    ]) {
      const answer = await get(port, host);
      assert.equal(answer.status, 200, host);
      assert.match(answer.body, /dashboard data/, host);
    }
  });

  it("refuses a forged Host with 421, without reading the data", async () => {
    const before = reads;
    for (const host of [
      `rebind.evil.example:${port}`,
      "rebind.evil.example",
      `127.0.0.1:${port + 1}`,
      "127.0.0.1",
      `127.0.0.1.evil.example:${port}`,
    ]) {
      const answer = await get(port, host);
      assert.equal(answer.status, 421, host);
      assert.ok(!answer.body.includes("dashboard data"), host);
      assert.match(
        answer.body,
        /this dashboard answers only the Host 127\.0\.0\.1:\d+, localhost:\d+, \[::1\]:\d+/,
      );
    }
    assert.equal(reads, before, "the sources were read for a refused request");
  });

  it("does not answer a request without a Host header", async () => {
    // Node's server refuses an HTTP/1.1 request without Host (400) before the handler runs; the
    // handler would refuse it too (hostAllowed(undefined) below). A guard, not the fix's proof.
    const answer = await get(port, undefined);
    assert.ok([400, 421].includes(answer.status), String(answer.status));
    assert.ok(!answer.body.includes("dashboard data"));
  });

  it("hostAllowed: the listening port only, case-insensitive", () => {
    assert.ok(hostAllowed("127.0.0.1:8080", 8080));
    assert.ok(hostAllowed("Localhost:8080", 8080));
    assert.ok(!hostAllowed("localhost:8081", 8080));
    assert.ok(!hostAllowed("attacker.example:8080", 8080));
    assert.ok(!hostAllowed(undefined, 8080));
  });
});
