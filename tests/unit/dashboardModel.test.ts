/**
 * cli/dashboard/model.ts: the dashboard's data from the frozen seed fixture's stack files and
 * injected deployed, git and live state; cli/dashboard/live.ts reading Applications without ever
 * failing.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { DeployedState } from "../../cli/deployed";
import { readLive } from "../../cli/dashboard/live";
import { dashboardData, type DashboardSources } from "../../cli/dashboard/model";
import { loadProject } from "../../cli/load";
import type { StackVersion } from "../../cli/plan/history";
import type { UpstreamApplication } from "../../rules/gate";
import { MULTI_APP, SEED } from "../fixtures";
import { DEPLOYED } from "../support/dashboardProject";

const DEX = "ghcr.io/data-literate/dex";

/** What every environment of the seed fixture deployed: exactly what its stack file pins. */
function asPinned(): Map<string, DeployedState> {
  return new Map(
    SEED.environments.map((env) => [
      env,
      { tags: { dex: SEED.tags[env as keyof typeof SEED.tags] }, records: DEPLOYED[env].records },
    ]),
  );
}

/** stage's Application: Synced and Healthy on the tag since long before `now`. */
function stageApplication(health = "Healthy"): UpstreamApplication {
  const image = `${DEX}:${SEED.tags.stage}`;
  return {
    readable: true,
    name: "dex-stage",
    status: {
      sync: { status: "Synced", comparedTo: { source: { kustomize: { images: [image] } } } },
      health: { status: health },
      summary: { images: [image] },
      history: [
        { id: 1, deployedAt: "2026-01-27T15:30:00Z", source: { kustomize: { images: [image] } } },
      ],
    },
    desiredImages: [image],
  } as unknown as UpstreamApplication;
}

function sources(overrides: Partial<DashboardSources> = {}): DashboardSources {
  const loaded = loadProject(SEED.dir);
  return {
    loaded,
    order: SEED.environments,
    deployed: asPinned(),
    histories: new Map(),
    live: new Map([["stage/dex", stageApplication()]]),
    now: new Date("2026-02-01T00:00:00Z"),
    ...overrides,
  };
}

const promotion = (data: ReturnType<typeof dashboardData>, to: string) => {
  const found = data.promotions.find((p) => p.to === to);
  assert.ok(found, `a promotion into ${to}`);
  return found;
};

describe("dashboard: data model", () => {
  it("has the environments in chain order, one cell per environment and app, with status's fields", () => {
    const data = dashboardData(sources());
    assert.deepEqual(data.chain, ["dev", "stage", "prod"]);
    assert.deepEqual(
      data.environments.map((e) => [e.name, e.upstream]),
      [
        ["dev", null],
        ["stage", "dev"],
        ["prod", "stage"],
      ],
    );
    assert.deepEqual(data.apps, ["dex"]);
    const prod = data.cells.find((c) => c.environment === "prod")!;
    assert.equal(prod.tag, SEED.tags.prod);
    assert.equal(prod.deployed, true);
    assert.equal(prod.behind, true);
    assert.equal(prod.upstreamTag, SEED.tags.stage);
    assert.equal(prod.lastRecord?.kind, "rollback");
    assert.equal(prod.digest, null);
    assert.deepEqual(prod.live, { known: false, why: "not read" });
    assert.deepEqual(data.cells.find((c) => c.environment === "stage")!.live, {
      known: true,
      application: "dex-stage",
      sync: "Synced",
      health: "Healthy",
    });
  });

  it("says a promotion is ready when the CLI and the gate (health, soak time) would let it through", () => {
    const data = dashboardData(sources());
    assert.equal(promotion(data, "stage").state, "up-to-date");
    assert.deepEqual(promotion(data, "stage").reasons, [
      `stage already runs what dev runs (dex ${SEED.tags.dev})`,
    ]);
    const prod = promotion(data, "prod");
    assert.equal(prod.state, "ready", JSON.stringify(prod));
    assert.deepEqual(prod.changes, [{ app: "dex", current: SEED.tags.prod, tag: SEED.tags.stage }]);
    assert.equal(prod.command, "npm run promote -- promote --from stage --to prod");
    assert.equal(prod.gateChecked, true);
  });

  it("blocks with the gate's own words when the upstream's Application is Degraded", () => {
    const data = dashboardData(
      sources({ live: new Map([["stage/dex", stageApplication("Degraded")]]) }),
    );
    const prod = promotion(data, "prod");
    assert.equal(prod.state, "blocked");
    assert.deepEqual(prod.reasons, [
      `stack "prod": promotion:apps.dex.tag = "${SEED.tags.stage}"; refused: prod cannot take ${SEED.tags.stage} yet: stage's Application dex-stage is Synced and Degraded; accepted: the same tag once stage is Synced and Healthy on it`,
    ]);
  });

  it("blocks within the soak time, saying until when", () => {
    const data = dashboardData(sources({ now: new Date("2026-01-28T03:30:00Z") }));
    const prod = promotion(data, "prod");
    assert.equal(prod.state, "blocked");
    assert.match(
      prod.reasons[0],
      /stage has run it for 12h of the 24h soak time \(since 2026-01-27T15:30:00Z\)/,
    );
    assert.match(prod.reasons[0], /accepted: the same tag after 2026-01-28T15:30:00.000Z/);
  });

  it("blocks, as promote does, a tag the upstream's file pins but its last up did not deploy", () => {
    const deployed = asPinned();
    deployed.set("stage", { tags: { dex: "sha-0ld0ld00" }, records: {} });
    const prod = promotion(dashboardData(sources({ deployed })), "prod");
    assert.equal(prod.state, "blocked");
    assert.deepEqual(prod.reasons, [
      `stage's stack file pins ${SEED.tags.stage} but stage last deployed sha-0ld0ld00: run 'npm run stack -- up stage' first`,
    ]);
  });

  it("blocks what the gate would refuse for an unreadable upstream; notes no deployed state", () => {
    // "ready" means the gate would pass: an upstream whose live state cannot be read fails closed.
    const unreadable = dashboardData(
      sources({
        live: new Map([["stage/dex", { readable: false, why: "the cluster did not answer" }]]),
      }),
    );
    assert.equal(promotion(unreadable, "prod").state, "blocked");
    assert.match(
      promotion(unreadable, "prod").reasons.join("\n"),
      /stage's live state cannot be read: the cluster did not answer/,
    );
    const unknown = dashboardData(
      sources({
        deployed: new Map(),
        unavailable: "deployed state unavailable (reading dev): no backend",
      }),
    );
    assert.equal(
      unknown.recordsUnavailable,
      "deployed state unavailable (reading dev): no backend",
    );
    assert.deepEqual(promotion(unknown, "prod").notes, [
      "what stage and prod last deployed is unknown, so the promotion gate was not checked",
    ]);
    assert.equal(promotion(unknown, "prod").state, "ready");
    assert.equal(promotion(unknown, "prod").gateChecked, false);
    assert.deepEqual(unknown.timeline, []);
    assert.equal(unknown.cells[0].deployed, null);
  });

  it("asks for --confirm when the target rolled back from the tag (git history of its stack file)", () => {
    const history: StackVersion[] = [
      {
        commit: "2222222",
        date: "2026-01-26T09:40:00Z",
        subject: "chore: rollback prod",
        apps: {
          dex: {
            tag: SEED.tags.prod,
            bypass: { kind: "rollback", tag: SEED.tags.prod, reason: "login broken" },
          },
        },
      },
      {
        commit: "1111111",
        date: "2026-01-25T08:00:00Z",
        subject: "promote",
        apps: { dex: { tag: SEED.tags.stage } },
      },
    ];
    const prod = promotion(
      dashboardData(sources({ histories: new Map([["prod", history]]) })),
      "prod",
    );
    assert.equal(prod.state, "confirm");
    assert.deepEqual(prod.reasons, [
      `prod rolled back from dex ${SEED.tags.stage} on 2026-01-26 ("login broken")`,
    ]);
    assert.equal(
      prod.command,
      `npm run promote -- promote --from stage --to prod --confirm "<why it is safe now>"`,
    );
  });

  it("lists every record, newest first, with its environment and app", () => {
    const data = dashboardData(sources());
    assert.deepEqual(
      data.timeline.map((t) => [t.at.slice(0, 10), t.environment, t.kind]),
      [
        ["2026-01-28", "dev", "promotion"],
        ["2026-01-27", "stage", "promotion"],
        ["2026-01-26", "prod", "rollback"],
        ["2026-01-25", "prod", "promotion"],
        ["2026-01-22", "stage", "hotfix"],
        ["2026-01-20", "dev", "promotion"],
      ],
    );
    assert.ok(data.timeline.every((t) => t.app === "dex"));
  });

  it("gives a pinned digest, and an app only some environments run", () => {
    const loaded = loadProject(MULTI_APP.dir);
    const data = dashboardData(sources({ loaded, deployed: new Map(), live: new Map() }));
    assert.deepEqual(data.apps, ["migrations", "dex", "api"]);
    const migrations = data.cells.find((c) => c.app === "migrations")!;
    assert.equal(migrations.digest, MULTI_APP.devTags.migrations.slice(1));
    assert.equal(data.cells.filter((c) => c.app === "api").length, 1);
  });

  it("shows a broken stack file as an environment with its error, and blocks promotions into it", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dashboard-broken-"));
    try {
      for (const file of fs.readdirSync(SEED.dir)) {
        fs.writeFileSync(path.join(dir, file), fs.readFileSync(path.join(SEED.dir, file)));
      }
      const stage = path.join(dir, "Pulumi.stage.yaml");
      // A config problem: the YAML parses, so stage's upstream (and place in the chain) is known.
      fs.writeFileSync(
        stage,
        fs
          .readFileSync(stage, "utf8")
          .replace(/promotion:syncMode: \w+/, "promotion:syncMode: sometimes"),
      );
      const data = dashboardData(sources({ loaded: loadProject(dir) }));
      assert.deepEqual(data.chain, ["dev", "stage", "prod"]);
      const env = data.environments.find((e) => e.name === "stage")!;
      assert.match(
        env.error ?? "",
        /^Pulumi\.stage\.yaml: stack "stage": promotion:syncMode = "sometimes"/,
      );
      assert.deepEqual(
        data.cells.filter((c) => c.environment === "stage").map((c) => c.app),
        ["-"],
      );
      for (const to of ["stage", "prod"]) {
        assert.equal(promotion(data, to).state, "blocked");
        assert.deepEqual(promotion(data, to).reasons, [
          "Pulumi.stage.yaml cannot be read; fix it first",
        ]);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("dashboard: live Argo CD state", () => {
  const states = () => loadProject(SEED.dir).states;

  it("is unknown, saying why, for an environment that renders manifests", async () => {
    const live = await readLive(states());
    assert.deepEqual(live.get("prod/dex"), {
      readable: false,
      why: "prod renders manifests (no promotion:kubeconfig or kubeContext), so there is no cluster to read",
    });
  });

  it("is unknown, never a failure, when the cluster does not answer (a real GET through kubeApi.ts)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dashboard-kube-"));
    try {
      // A port nothing listens on: bind one, note it, close it.
      const net = await import("net");
      const port = await new Promise<number>((resolve) => {
        const server = net.createServer().listen(0, "127.0.0.1", () => {
          const { port: p } = server.address() as { port: number };
          server.close(() => resolve(p));
        });
      });
      const kubeconfig = `apiVersion: v1
clusters: [{ name: c, cluster: { server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: c, context: { cluster: c, user: u } }]
current-context: c
`;
      const cluster = states().map((s) => ({
        ...s,
        config: { ...s.config, kubernetes: { mode: "cluster" as const, kubeconfig } },
      }));
      const live = await readLive(cluster);
      const prod = live.get("prod/dex");
      assert.ok(prod && !prod.readable, JSON.stringify(prod));
      assert.match(
        prod.why,
        new RegExp(
          `GET /apis/argoproj.io/v1alpha1/namespaces/argocd/applications/dex-prod: connect ECONNREFUSED 127.0.0.1:${port}`,
        ),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads sync and health from the Application, and says when there is none", async () => {
    const cluster = states().map((s) => ({
      ...s,
      config: { ...s.config, kubernetes: { mode: "cluster" as const, kubeconfig: "unused" } },
    }));
    const paths: string[] = [];
    const live = await readLive(cluster, (_target, apiPath) => {
      paths.push(apiPath);
      if (apiPath.endsWith("/dex-prod")) return Promise.resolve({ found: false });
      return Promise.resolve({
        found: true,
        object: {
          spec: { source: { kustomize: { images: ["x:1"] } } },
          status: { sync: { status: "OutOfSync" }, health: { status: "Progressing" } },
        },
      });
    });
    assert.deepEqual(paths.sort(), [
      "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/dex-dev",
      "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/dex-prod",
      "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/dex-stage",
    ]);
    assert.deepEqual(live.get("prod/dex"), {
      readable: false,
      why: "no Application dex-prod in namespace argocd",
    });
    const dev = live.get("dev/dex");
    assert.ok(dev?.readable);
    assert.deepEqual(dev.desiredImages, ["x:1"]);
    const data = dashboardData(sources({ live }));
    assert.deepEqual(data.cells[0].live, {
      known: true,
      application: "dex-dev",
      sync: "OutOfSync",
      health: "Progressing",
    });
  });
});
