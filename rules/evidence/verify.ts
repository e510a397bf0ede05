/**
 * Whether an environment's Application runs what was just deployed (verification after a
 * promotion, docs/rules.md#verification): ready when Argo CD has reconciled the current spec and
 * reports it Synced and Healthy on the image; failed at once when Degraded; otherwise still waiting,
 * with what it shows now (the caller gives up after its timeout and says so).
 */
import { liveImages, sameImages, type UpstreamApplication } from "../gate";
import { BUDGET_WINDOW, budgetConsumed } from "./evaluate";

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
