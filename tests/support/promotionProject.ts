/**
 * Temporary projects with other stack files than the real ones (a canary, clusters), and the
 * stack outputs the program reads from other stacks through stack references.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { listStacks } from "../../config/stackFiles";
import { PROJECT_DIR } from "../../harness/program";

/** Each stack file's `config:` map, by stack name. */
export type StackFiles = Record<string, Record<string, any>>;

const created: string[] = [];

/**
 * Copies Pulumi.yaml and the real stack files into a temporary project, changed by `edit`. The
 * GitHub governance keys are left out: they are not what these projects test.
 */
export function tempProject(edit: (stacks: StackFiles) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "promotion-project-"));
  created.push(dir);
  fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  const stacks: StackFiles = {};
  for (const stack of listStacks(PROJECT_DIR)) {
    const file = parse(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8"));
    delete file.config["promotion:governance"];
    stacks[stack] = file.config;
  }
  edit(stacks);
  for (const [stack, config] of Object.entries(stacks)) {
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringify({ config }));
  }
  return dir;
}

export function removeTempProjects(): void {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Adds a canary environment between stage and prod, as a new stack file would. */
export function addCanary(stacks: StackFiles): void {
  const canary = structuredClone(stacks.stage);
  canary["promotion:environment"] = "canary";
  canary["promotion:upstream"] = "stage";
  canary["promotion:namespace"] = "dex-canary";
  canary["promotion:slackChannel"] = "#dex-canary-deploys";
  canary["promotion:gate"] = { soakTime: "1h", requireHealthy: true };
  canary["promotion:apps"].dex.source.path = "infra/argocd/overlays/canary";
  stacks.canary = canary;
  stacks.prod["promotion:upstream"] = "canary";
}

/** The `apps` output of a stack whose dex runs `tag`. */
export function appsOutput(environment: string, tag: string, namespace = `dex-${environment}`) {
  return {
    dex: {
      image: "ghcr.io/data-literate/dex",
      tag,
      applicationName: `dex-${environment}`,
      syncMode: "automated",
      namespace,
    },
  };
}
