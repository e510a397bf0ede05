/**
 * What the end-to-end tests wait for and read on the test bed, for the cluster fixture's
 * environments (tests/fixtures/cluster): where each runs dex, and whether it runs a tag.
 */
import { strict as assert } from "assert";
import { until, type Testbed } from "../../../harness/testbed";

export const IMAGE = "ghcr.io/data-literate/dex";
/** Where each environment of the fixture runs dex (prod is seed 000's plain `dex`). */
export const NAMESPACE: Record<string, string> = {
  dev: "dex-dev",
  stage: "dex-stage",
  prod: "dex",
};
export const APPLICATION = (env: string) => `dex-${env}`;

/** The Deployment's image, or undefined while it does not exist. */
export function deployedImage(bed: Testbed, env: string): string | undefined {
  return bed.get("deployment", "dex", NAMESPACE[env])?.spec.template.spec.containers[0].image;
}

export function appState(bed: Testbed, env: string): string {
  const app = bed.application(APPLICATION(env));
  if (!app) return "no Application";
  const s = app.status ?? {};
  const conditions = (s.conditions ?? []).map((c: any) => `${c.type}: ${c.message}`).join("; ");
  return `${s.sync?.status}/${s.health?.status} images=${JSON.stringify(s.summary?.images)} op=${s.operationState?.phase ?? "-"} ${s.operationState?.message ?? ""} ${conditions}`;
}

/** Waits until the environment's Application is Synced and Healthy on `tag`, and its pods Ready. */
export async function runs(bed: Testbed, env: string, tag: string): Promise<void> {
  await runsRef(bed, env, `${IMAGE}:${tag}`);
}

/** Waits until the environment's Application is Synced and Healthy on `image` (a tag or digest
 * reference), its Deployment too. */
export async function runsRef(bed: Testbed, env: string, image: string): Promise<void> {
  await until(
    `${APPLICATION(env)} Synced and Healthy on ${image}`,
    90_000,
    () => {
      const s = bed.application(APPLICATION(env))?.status;
      return (
        s?.sync?.status === "Synced" &&
        s?.health?.status === "Healthy" &&
        (s?.summary?.images ?? []).includes(image) &&
        deployedImage(bed, env) === image
      );
    },
    () => appState(bed, env),
  );
  const pods = bed.list("pods", NAMESPACE[env]).filter((pod) => !pod.metadata.deletionTimestamp);
  const ready = pods.filter(
    (pod) =>
      pod.spec.containers[0].image === image &&
      (pod.status.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True"),
  );
  assert.ok(ready.length > 0, `no Ready pod runs ${image} in ${NAMESPACE[env]}`);
}
