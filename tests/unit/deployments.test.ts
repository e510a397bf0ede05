/**
 * Pulumi Deployments: the settings each stack file declares (rules/ci/deploymentSettings.ts), checked
 * against Pulumi Cloud's published OpenAPI schemas, and `npm run ci -- settings|deploy` against a
 * loopback stand-in that answers as the documented REST API does (harness/pulumiCloudStandIn.ts).
 * The project is a copy of the seed fixture whose stack files gain `promotion:deployments`.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { CiIo } from "../../ci/io";
import { main } from "../../ci/main";
import { decodeConfigValues } from "../../config/decode";
import { engineConfig, loadStackFile } from "../../config/stackFiles";
import { StackConfigError, validateStackConfig } from "../../config/validate";
import { schemaProblems } from "../../harness/pulumiCloudApi";
import { PulumiCloudStandIn } from "../../harness/pulumiCloudStandIn";
import { deploymentPaths, deploymentSettings } from "../../rules/ci/deploymentSettings";
import { SEED } from "../fixtures";

const DEPLOYMENTS = `  promotion:deployments:
    organization: data-literate
    preRunCommands: ["npm ci --prefix policy"]
    environmentVariables:
      PULUMI_NODEJS_TRANSPILE_ONLY: "true"
    secrets: [PULUMI_CONFIG_PASSPHRASE]
`;
const TOKEN = "pul-0123456789abcdef";
const PASSPHRASE = "correct horse battery staple";

function seedWithDeployments(stacks: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deployments-"));
  for (const file of fs.readdirSync(SEED.dir)) {
    let text = fs.readFileSync(path.join(SEED.dir, file), "utf8");
    const stack = /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1];
    if (stack && stacks.includes(stack))
      text = text.replace(/^config:\n/m, `config:\n${DEPLOYMENTS}`);
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

async function ci(dir: string, argv: string[], env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CiIo = {
    cwd: dir,
    env,
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    git: () => {
      throw new Error("no git here");
    },
    engine: {
      describe: () => "none",
      run: () => Promise.reject(new Error("the engine does not run for Pulumi Deployments")),
    },
  };
  const code = await main(argv, io);
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

describe("Pulumi Deployments settings from the stack files", () => {
  let dir: string;
  before(() => (dir = seedWithDeployments(["dev", "stage", "prod"])));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("are a DeploymentSettingsRequest of the published API, for every stack", () => {
    for (const stack of SEED.environments) {
      const result = deploymentSettings(loadStackFile(dir, stack), "promotion", {
        PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
      });
      assert.ok(result.ok, JSON.stringify(result));
      assert.deepEqual(schemaProblems("DeploymentSettingsRequest", result.body), []);
      assert.deepEqual(result.address, {
        organization: "data-literate",
        project: "promotion",
        stack,
      });
      assert.equal(result.body.gitHub.repository, "data-literate/dex");
      assert.equal(result.body.sourceContext.git.branch, "refs/heads/main");
      assert.deepEqual(result.body.operationContext.environmentVariables, {
        PULUMI_NODEJS_TRANSPILE_ONLY: "true",
        PULUMI_CONFIG_PASSPHRASE: { secret: PASSPHRASE },
      });
    }
  });

  it("deploy a stack only when its own stack file or the program changes", () => {
    const paths = deploymentPaths("stage", ".");
    assert.ok(paths.includes("Pulumi.stage.yaml"));
    assert.ok(!paths.some((p) => /Pulumi\.(dev|prod)\.yaml/.test(p)));
    for (const program of [
      "index.ts",
      "Pulumi.yaml",
      "package-lock.json",
      "rules/**",
      "components/**",
    ]) {
      assert.ok(paths.includes(program), program);
    }
    assert.ok(
      deploymentPaths("prod", "infra/promotion").every((p) => p.startsWith("infra/promotion/")),
    );
  });

  it("refuse a privileged token or a name the workflow's allow-list lacks (issue #20)", () => {
    const config = loadStackFile(dir, "prod");
    const asking = (secrets: string[]) => ({
      ...config,
      deployments: { ...config.deployments!, secrets },
    });
    const env = {
      PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
      PROMOTION_GITHUB_TOKEN: "ghp_admin",
      DB_URL: "postgres://db",
      PROMOTION_DEPLOYMENT_SECRETS_PROD: "DB_URL, PROMOTION_GITHUB_TOKEN",
    };
    const admin = deploymentSettings(asking(["PROMOTION_GITHUB_TOKEN"]), "promotion", env);
    assert.equal(admin.ok, false);
    assert.match(
      (admin as { problems: string[] }).problems[0],
      /names PROMOTION_GITHUB_TOKEN, a token that can push to main/,
    );
    const unlisted = deploymentSettings(asking(["DB_URL"]), "promotion", {
      ...env,
      PROMOTION_DEPLOYMENT_SECRETS_PROD: "",
    });
    assert.match(
      (unlisted as { problems: string[] }).problems[0],
      /names DB_URL, which is not in PROMOTION_DEPLOYMENT_SECRETS_PROD/,
    );
    const listed = deploymentSettings(asking(["DB_URL"]), "promotion", env);
    assert.ok(listed.ok, JSON.stringify(listed));
  });

  it("refuse a secret that the applying process does not have, naming it", () => {
    const result = deploymentSettings(loadStackFile(dir, "prod"), "promotion", {});
    assert.equal(result.ok, false);
    assert.match(
      (result as { problems: string[] }).problems[0],
      /stack "prod": promotion:deployments.secrets names PULUMI_CONFIG_PASSPHRASE, which is not set/,
    );
  });

  it("a body the published schema refuses is reported, so the check can fail", () => {
    const result = deploymentSettings(loadStackFile(dir, "dev"), "promotion", {
      PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
    });
    assert.ok(result.ok);
    const misspelled = { ...result.body, sourceContext: { git: { repoURL: "x", branch: 3 } } };
    const problems = schemaProblems("DeploymentSettingsRequest", misspelled);
    assert.ok(
      problems.some((p) => p.includes("repoURL")),
      problems.join("\n"),
    );
    assert.ok(problems.some((p) => p.includes("/sourceContext/git/branch must be string")));
  });

  it("refuses bad promotion:deployments values, naming the stack, key, value and what is accepted", () => {
    const raw = decodeConfigValues(engineConfig(dir, "stage"));
    const bad = {
      ...raw,
      deployments: { organization: "data literate", secrets: ["NOT-A-NAME"], repoDir: "../up" },
    };
    assert.throws(
      () => validateStackConfig("stage", bad),
      (error: Error) => {
        assert.ok(error instanceof StackConfigError);
        assert.match(error.message, /promotion:deployments\.organization = "data literate"/);
        assert.match(error.message, /a Pulumi Cloud organization name/);
        assert.match(error.message, /promotion:deployments\.secrets\[0\] = "NOT-A-NAME"/);
        assert.match(error.message, /promotion:deployments\.repoDir = "\.\.\/up"/);
        return true;
      },
    );
    const withoutGovernance = { ...raw };
    delete withoutGovernance.governance;
    assert.throws(
      () =>
        validateStackConfig("stage", { ...withoutGovernance, deployments: { organization: "o" } }),
      /promotion:deployments .*promotion:governance/,
    );
  });
});

describe("npm run ci -- settings and deploy against the Pulumi Cloud stand-in", () => {
  let dir: string;
  let cloud: PulumiCloudStandIn;
  let api: string;
  const env = () => ({ PULUMI_ACCESS_TOKEN: TOKEN, PULUMI_CONFIG_PASSPHRASE: PASSPHRASE });

  beforeEach(async () => {
    dir = seedWithDeployments(["stage", "prod"]);
    cloud = new PulumiCloudStandIn({
      token: TOKEN,
      stacks: ["data-literate/promotion/stage", "data-literate/promotion/prod"],
      failing: ["prod"],
    });
    api = await cloud.start();
  });
  afterEach(async () => {
    await cloud.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("settings without --apply prints what would be sent, secrets redacted, and sends nothing", async () => {
    const result = await ci(dir, ["settings", "--api", api], env());
    assert.equal(result.code, 0, result.stderr);
    const printed = JSON.parse(result.stdout) as { stack: string; route: string }[];
    assert.deepEqual(
      printed.map((p) => [p.stack, p.route]),
      [
        ["stage", "/api/stacks/data-literate/promotion/stage/deployments/settings"],
        ["prod", "/api/stacks/data-literate/promotion/prod/deployments/settings"],
      ],
    );
    assert.ok(!result.stdout.includes(PASSPHRASE));
    assert.ok(result.stdout.includes('"[secret]"'));
    assert.equal(cloud.requests.length, 0);
  });

  it("settings --apply sends each stack's settings, and the service keeps them", async () => {
    const result = await ci(dir, ["settings", "--apply", "--api", api], env());
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      cloud.requests.map((r) => [r.method, r.path, r.status]),
      [
        ["POST", "/api/stacks/data-literate/promotion/stage/deployments/settings", 200],
        ["POST", "/api/stacks/data-literate/promotion/prod/deployments/settings", 200],
      ],
    );
    const stored = cloud.settings.get("data-literate/promotion/prod") as {
      gitHub: { paths: string[] };
    };
    assert.ok(stored.gitHub.paths.includes("Pulumi.prod.yaml"));
    assert.ok(!result.stdout.includes(PASSPHRASE));
    assert.match(
      result.stdout,
      /prod: deployment settings applied \(data-literate\/promotion\/prod: data-literate\/dex refs\/heads\/main/,
    );
  });

  it("settings --apply with a missing secret sends nothing and names it", async () => {
    const result = await ci(dir, ["settings", "--apply", "--api", api], {
      PULUMI_ACCESS_TOKEN: TOKEN,
    });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /no settings were sent:\n {2}stack "stage": promotion:deployments.secrets names PULUMI_CONFIG_PASSPHRASE/,
    );
    assert.equal(cloud.requests.length, 0);
  });

  it("deploy creates an update of the merged commit and waits until it succeeded", async () => {
    await ci(dir, ["settings", "--apply", "--api", api], env());
    const summary = path.join(dir, "summary.md");
    const sha = "0123456789abcdef0123456789abcdef01234567";
    const result = await ci(
      dir,
      [
        "deploy",
        "--stack",
        "stage",
        "--commit",
        sha,
        "--interval",
        "0",
        "--summary-file",
        summary,
        "--api",
        api,
      ],
      env(),
    );
    assert.equal(result.code, 0, result.stderr);
    const created = cloud.deployments.get("data-literate/promotion/stage")?.[0];
    assert.deepEqual(created?.body, {
      operation: "update",
      inheritSettings: true,
      sourceContext: { git: { commit: sha } },
    });
    assert.match(
      result.stderr,
      /deploy: stage: not-started[^\n]*\n[^\n]*deploy: stage: running[^\n]*\n[^\n]*deploy: stage: succeeded/,
    );
    const text = fs.readFileSync(summary, "utf8");
    assert.match(text, /## Pulumi Deployments: update of stage: ✅ succeeded/);
    assert.match(
      text,
      /\[the log in Pulumi Cloud\]\(https:\/\/app\.pulumi\.com\/data-literate\/promotion\/stage\/deployments\/1\)/,
    );
    assert.match(text, /- pulumi update: succeeded/);
  });

  it("deploy of a deployment that fails exits 1 and says so", async () => {
    await ci(dir, ["settings", "--apply", "--api", api], env());
    const result = await ci(
      dir,
      ["deploy", "--stack", "prod", "--interval", "0", "--api", api],
      env(),
    );
    assert.equal(result.code, 1);
    assert.match(result.stdout, /❌ failed/);
    assert.match(result.stderr, /deploy: prod: failed: https:\/\/app\.pulumi\.com\//);
  });

  it("deploy stops waiting at --timeout and fails, saying the deployment may still finish", async () => {
    await cloud.stop();
    cloud = new PulumiCloudStandIn({
      token: TOKEN,
      stacks: ["data-literate/promotion/stage"],
      stepsBeforeFinish: 1000,
    });
    api = await cloud.start();
    await ci(dir, ["settings", "--stack", "stage", "--apply", "--api", api], env());
    const result = await ci(
      dir,
      ["deploy", "--stack", "stage", "--interval", "1s", "--timeout", "2s", "--api", api],
      env(),
    );
    assert.equal(result.code, 1);
    assert.match(result.stdout, /still running after 2s: not waited for any longer/);
  });

  it("a wrong token, a stack without settings and an unknown stack are refused clearly", async () => {
    const wrong = await ci(dir, ["deploy", "--stack", "stage", "--api", api], {
      PULUMI_ACCESS_TOKEN: "pul-wrong",
    });
    assert.equal(wrong.code, 1);
    assert.match(
      wrong.stderr,
      /answered 401: Unauthorized.*PULUMI_ACCESS_TOKEN is missing, expired or not allowed here/,
    );
    assert.ok(!wrong.stderr.includes("pul-wrong"), "the token is never printed");

    const noSettings = await ci(dir, ["deploy", "--stack", "stage", "--api", api], env());
    assert.equal(noSettings.code, 1);
    assert.match(
      noSettings.stderr,
      /answered 400: Bad Request: stack 'data-literate\/promotion\/stage' has no deployment settings/,
    );

    const dev = await ci(dir, ["deploy", "--stack", "dev", "--api", api], env());
    assert.equal(dev.code, 1);
    assert.match(dev.stderr, /stack "dev": promotion:deployments is not set/);

    const unknown = await ci(dir, ["deploy", "--stack", "qa", "--api", api], env());
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /--stack qa: there is no Pulumi.qa.yaml; accepted: dev, stage, prod/,
    );

    const noToken = await ci(dir, ["deploy", "--stack", "stage", "--api", api], {});
    assert.match(noToken.stderr, /PULUMI_ACCESS_TOKEN is not set/);
  });
});
