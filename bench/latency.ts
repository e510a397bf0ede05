/**
 * `npm run bench:latency`: how long a promotion takes from a stack file change to the target
 * running the new tag on the test bed (real kube-apiserver, Argo CD, kwok), split into the
 * engine's `up`, Argo CD's sync and the rollout turning Healthy, as the median of several
 * promotions, and as a ratio to seed 000's 3-minute Argo CD git poll (the wait its GitOps flow
 * starts with). Needs the test bed's binaries: npm run testbed -- build.
 *
 *   npm run bench:latency -- [--promotions N]   (default 5)
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { parseDocument } from "yaml";
import { copyProject, engineStack } from "../harness/engine";
import { PROJECT_DIR } from "../harness/program";
import { Testbed, targetedFixture } from "../harness/testbed";

/** Seed 000: "ArgoCD detects git change (~3 minutes)": the default repository poll. */
const SEED_POLL_SECONDS = 180;
const FIXTURE = path.join(PROJECT_DIR, "tests", "fixtures", "cluster");
const APPLICATION = "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/dex-dev";
const DEPLOYMENT = "/apis/apps/v1/namespaces/dex-dev/deployments/dex";
const IMAGE = "ghcr.io/data-literate/dex";

interface Sample {
  up: number;
  sync: number;
  healthy: number;
  /** Argo CD's own sync operation (operationState startedAt -> finishedAt, 1 s resolution). */
  argoSync: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Polls every 20 ms (one HTTPS GET) until `done`; returns the time it became true. */
async function when(
  what: string,
  done: () => Promise<boolean>,
  timeoutMs = 120_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return performance.now();
}

async function promote(bed: Testbed, stackFile: string, tag: string, up: () => Promise<unknown>) {
  const doc = parseDocument(fs.readFileSync(stackFile, "utf8"));
  doc.setIn(["config", "promotion:apps", "dex", "tag"], tag);
  fs.writeFileSync(stackFile, doc.toString());
  const image = `${IMAGE}:${tag}`;
  const start = performance.now();
  await up();
  const upDone = performance.now();
  const synced = await when(`dex-dev Synced on ${tag}`, async () => {
    const s = (await bed.api(APPLICATION))?.status;
    return (
      s?.sync?.status === "Synced" &&
      (s.sync.comparedTo?.source?.kustomize?.images ?? []).includes(image) &&
      (await bed.api(DEPLOYMENT))?.spec.template.spec.containers[0].image === image
    );
  });
  const healthy = await when(`dex-dev Healthy on ${tag}`, async () => {
    const d = await bed.api(DEPLOYMENT);
    const rolledOut =
      d?.status?.observedGeneration >= d?.metadata.generation &&
      d?.status?.updatedReplicas === d?.spec.replicas &&
      d?.status?.availableReplicas === d?.spec.replicas &&
      (d?.status?.replicas ?? 0) === d?.spec.replicas;
    return rolledOut && (await bed.api(APPLICATION))?.status?.health?.status === "Healthy";
  });
  const operation = (await bed.api(APPLICATION))?.status?.operationState;
  const argoSync =
    operation?.startedAt && operation?.finishedAt
      ? Date.parse(operation.finishedAt as string) - Date.parse(operation.startedAt as string)
      : NaN;
  return { up: upDone - start, sync: synced - upDone, healthy: healthy - synced, argoSync };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { promotions: { type: "string", default: "5" } } });
  const count = Number(values.promotions);
  const bed = Testbed.start();
  let failed = true;
  const fixture = targetedFixture(bed, FIXTURE);
  const project = copyProject({}, fixture);
  try {
    const stack = await engineStack(project, "dev");
    const stackFile = path.join(project.dir, "Pulumi.dev.yaml");
    const up = () => stack.up({ color: "never" });
    console.error("first up of dev (not measured)");
    await promote(bed, stackFile, "sha-1a7e0000", up);
    const samples: Sample[] = [];
    for (let i = 1; i <= count; i++) {
      const tag = `sha-1a7e${String(i).padStart(4, "0")}`;
      const sample = await promote(bed, stackFile, tag, up);
      console.error(
        `promotion ${i}/${count} to ${tag}: up ${(sample.up / 1000).toFixed(2)}s, then synced ${(sample.sync / 1000).toFixed(2)}s and healthy ${(sample.healthy / 1000).toFixed(2)}s later; Argo CD's sync operation ${sample.argoSync / 1000}s`,
      );
      samples.push(sample);
    }
    const up_ = median(samples.map((s) => s.up)) / 1000;
    const sync = median(samples.map((s) => s.sync)) / 1000;
    const healthy = median(samples.map((s) => s.healthy)) / 1000;
    const total = median(samples.map((s) => s.up + s.sync + s.healthy)) / 1000;
    console.log(
      `Promotion latency on the test bed, median of ${count} (stack file change -> Synced and Healthy)`,
    );
    console.log("| part | median (s) |");
    console.log("|---|---|");
    console.log(`| pulumi up (engine, program, API server) | ${up_.toFixed(2)} |`);
    console.log(
      `| Argo CD sync (Application changed -> Deployment on the tag) | ${sync.toFixed(2)} |`,
    );
    console.log(
      `| rollout Healthy (kwok pods Ready, Application Healthy) | ${healthy.toFixed(2)} |`,
    );
    console.log(`| total | ${total.toFixed(2)} |`);
    console.log(
      `\nRatio to seed 000's ${SEED_POLL_SECONDS}s Argo CD git poll: ${(total / SEED_POLL_SECONDS).toFixed(3)} (${(SEED_POLL_SECONDS / total).toFixed(1)}x sooner than the poll alone)`,
    );
    failed = false;
  } finally {
    project.cleanup();
    fs.rmSync(fixture, { recursive: true, force: true });
    bed.down(failed);
    if (failed) console.error(`the test bed's logs are kept in ${bed.dir}/logs`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
