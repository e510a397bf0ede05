/**
 * Drift of this environment's own Applications (cluster mode): each one this stack deployed before
 * is read live (a plain GET: a missing or unreadable Application is simply not checked, and
 * nothing joins the stack's state) and compared with what this run declares. A hand edit (kubectl patch, the Argo CD
 * UI) gets a new `promotion.gitops/drift-corrected` annotation, which makes the engine apply the
 * whole Application again and so put the stack file's values back; `preview` shows it as an
 * update. Why the engine needs the nudge: rules/drift.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { kubeGet } from "../adapters/kubeApi";
import type { StackOutputs } from "../adapters/stackOutputs";
import type { EnvironmentConfig } from "../model/environment";
import { applicationName, buildApplication } from "../manifests/argocd";
import { DRIFT_ANNOTATION, driftAnnotationValue, driftedPaths } from "../rules/drift";
import { isObject } from "../rules/values";

/**
 * Per app, the drift annotation to declare (absent when the Application never drifted), given the
 * annotations the gate decided (`annotations`), which are part of what is declared.
 */
export async function driftAnnotations(
  config: EnvironmentConfig,
  own: StackOutputs,
  annotations: Record<string, Record<string, string>>,
): Promise<Record<string, Record<string, string>>> {
  if (config.kubernetes.mode !== "cluster") return {};
  const deployed = await own.get("apps");
  const deployedApps = isObject(deployed) ? deployed : {};
  const apps = config.apps.filter((app) => app.name in deployedApps);
  if (apps.length === 0) return {};

  const target = config.kubernetes;
  const now = new Date().toISOString();
  const result: Record<string, Record<string, string>> = {};
  for (const app of apps) {
    const name = applicationName(config, app);
    const live = await kubeGet(
      target,
      `/apis/argoproj.io/v1alpha1/namespaces/${config.argocdNamespace}/applications/${name}`,
    );
    if ("unreadable" in live) {
      void pulumi.log.info(`${name}: drift not checked (${live.unreadable})`);
      continue;
    }
    if (!live.found) continue; // deleted by hand: the engine recreates it after a refresh
    const liveAnnotations = live.object.metadata?.annotations ?? {};
    const desired = buildApplication(config, app, annotations[app.name] ?? {}).spec;
    const paths = driftedPaths(desired, live.object.spec);
    if (paths.length > 0) {
      void pulumi.log.warn(
        `${name} was changed in the cluster (${paths.join(", ")}): this run puts the values of ${config.stack}'s stack file back`,
      );
    }
    const value = driftAnnotationValue(paths, liveAnnotations[DRIFT_ANNOTATION], now);
    if (value !== undefined) result[app.name] = { [DRIFT_ANNOTATION]: value };
  }
  return result;
}
