/**
 * Whether an environment's Application runs what was just deployed (verification after a
 * promotion, docs/rules.md#verification): ready when Argo CD has reconciled the current spec and
 * reports it Synced and Healthy on the image; failed at once when Degraded; otherwise still waiting,
 * with what it shows now (the caller gives up after its timeout and says so).
 */
import { liveImages, sameImages, type UpstreamApplication } from "../gate";

export type DeploymentState =
  { state: "ready" } | { state: "waiting"; why: string } | { state: "failed"; why: string };

export function deploymentState(
  application: UpstreamApplication,
  imageRef: string,
): DeploymentState {
  if (!application.readable) return { state: "waiting", why: application.why };
  const status = application.status;
  const name = application.name;
  if (!status) return { state: "waiting", why: `${name} has no status yet` };
  const compared = status.sync?.comparedTo?.source?.kustomize?.images;
  if (application.desiredImages && !sameImages(compared ?? [], application.desiredImages)) {
    return {
      state: "waiting",
      why: `Argo CD has not reconciled ${name} since its spec changed to ${application.desiredImages.join(", ")}`,
    };
  }
  const images = liveImages(status);
  const sync = status.sync?.status ?? "Unknown";
  const health = status.health?.status ?? "Unknown";
  const runs = images.length > 0 ? `runs ${images.join(", ")}` : "reports no images";
  const shows = `${name} is ${sync} and ${health} and ${runs}`;
  if (health === "Degraded") {
    const message = status.health?.message ? ` (${status.health.message})` : "";
    return { state: "failed", why: `${shows}${message}` };
  }
  if (sync === "Synced" && health === "Healthy" && images.includes(imageRef))
    return { state: "ready" };
  return { state: "waiting", why: shows };
}
