/**
 * Whether an environment's Application runs what was just deployed (verification after a
 * promotion, docs/rules.md#verification): ready when Argo CD has reconciled the current spec and
 * reports it Synced and Healthy on the pinned artifact; failed at once when Degraded; otherwise
 * still waiting, with what it shows now (the caller gives up after its timeout and says so).
 */
import { liveImages, sameImages, type UpstreamApplication } from "../gate";
import { imageReference } from "../imageTag";
import { shortDigest } from "../registry";
import { BUDGET_WINDOW, budgetConsumed } from "./evaluate";

/** What a stack file pins for one app: its image, its tag and, once pinned, the registry digest. */
export interface PinnedImage {
  image: string;
  tag: string;
  /** `sha256:...`: when present, what the Application deploys (`image@sha256:...`). */
  digest?: string;
}

/** The pin as messages name it: `tag@sha256:0123456789ab…` when a digest is pinned, else the tag. */
export function pinLabel(pin: PinnedImage): string {
  return pin.digest ? `${pin.tag}@${shortDigest(pin.digest)}` : pin.tag;
}

/**
 * Whether the live images include the pinned artifact. The reference compared is the one the
 * Application deploys (rules/imageTag.ts imageReference): `image@sha256:...` once a digest is
 * pinned, since then kustomize sets the digest and the tag no longer appears in the pod spec;
 * comparing `image:tag` there would call a healthy environment unready and roll it back.
 */
function runsPin(images: readonly string[], pin: PinnedImage): boolean {
  if (images.includes(imageReference(pin.image, pin.tag, pin.digest))) return true;
  // `image:tag@sha256:...` pulls by the digest too: the same artifact, written with its tag.
  return pin.digest !== undefined && images.includes(`${pin.image}:${pin.tag}@${pin.digest}`);
}

export type DeploymentState =
  { state: "ready" } | { state: "waiting"; why: string } | { state: "failed"; why: string };

export function deploymentState(
  application: UpstreamApplication,
  pin: PinnedImage,
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
  const onPin = runsPin(images, pin);
  if (sync === "Synced" && health === "Healthy" && onPin) return { state: "ready" };
  // Synced and Healthy on another artifact: say which one it should run, or the wait reads as a
  // contradiction (healthy, yet not ready).
  const not = onPin ? "" : `, not ${imageReference(pin.image, pin.tag, pin.digest)}`;
  return { state: "waiting", why: `${shows}${not}` };
}

/** What the SLO watch measured of one app (percentages 0-100). */
export interface WatchedSlo {
  app: string;
  availability: number;
  errorRate: number;
  /** Availability over the error budget's 30 days, when an error budget is watched. */
  budgetAvailability?: number;
  criticalAlerts: readonly string[];
}

/**
 * Why one measurement of the SLO watch fails verification (SLO violated, error budget breached,
 * a critical alert firing), or undefined while it holds.
 */
export function sloBreach(
  measured: WatchedSlo,
  slo: { availability: number; errorRate: number; window: string },
  errorBudget: number | undefined,
): string | undefined {
  const { app } = measured;
  const pct = (n: number) => `${Math.round(n * 1000) / 1000}%`;
  if (measured.availability < slo.availability)
    return `${app}: availability ${pct(measured.availability)} over ${slo.window} < ${slo.availability}% (SLO violated)`;
  if (measured.errorRate > slo.errorRate)
    return `${app}: error rate ${pct(measured.errorRate)} over ${slo.window} > ${slo.errorRate}% (SLO violated)`;
  if (errorBudget !== undefined && measured.budgetAvailability !== undefined) {
    const consumed = budgetConsumed(measured.budgetAvailability, slo.availability);
    if (consumed > errorBudget)
      return `${app}: error budget breached: ${pct(consumed)} of the ${BUDGET_WINDOW} budget consumed > ${errorBudget}%`;
  }
  if (measured.criticalAlerts.length > 0)
    return `${app}: critical alert firing: ${measured.criticalAlerts.join(", ")}`;
  return undefined;
}
