/**
 * adapters/kubeApi.ts answers "unreadable" with the reason instead of failing a run when a
 * kubeconfig cannot be used here; a real GET is exercised on the test bed (tests/e2e, drift).
 */
import { strict as assert } from "assert";
import { kubeGet } from "../../adapters/kubeApi";

const kubeconfig = (user: string, context = "c") => `apiVersion: v1
kind: Config
current-context: ${context}
clusters: [{ name: k, cluster: { server: "https://127.0.0.1:1" } }]
contexts: [{ name: c, context: { cluster: k, user: u } }]
users: [{ name: u, user: ${user} }]
`;

describe("a plain GET on the API server (drift checks)", () => {
  it("does not run exec plugins or auth providers: unreadable, with the reason", async () => {
    const answer = await kubeGet(
      { mode: "cluster", kubeconfig: kubeconfig("{ exec: { command: aws } }") },
      "/api/v1/namespaces/x",
    );
    assert.deepEqual(answer, {
      unreadable: "the kubeconfig authenticates through a plugin, which is not run here",
    });
  });

  it("names a context the kubeconfig does not have", async () => {
    const answer = await kubeGet(
      { mode: "cluster", kubeconfig: kubeconfig("{ token: t }"), context: "prod" },
      "/api/v1/namespaces/x",
    );
    assert.deepEqual(answer, { unreadable: 'the kubeconfig has no context "prod"' });
  });

  it("reports an unreachable server as unreadable instead of throwing", async () => {
    const answer = await kubeGet(
      { mode: "cluster", kubeconfig: kubeconfig("{ token: t }") },
      "/api/v1/namespaces/x",
    );
    assert.ok(
      "unreadable" in answer && /ECONNREFUSED/.test(answer.unreadable),
      JSON.stringify(answer),
    );
  });
});
