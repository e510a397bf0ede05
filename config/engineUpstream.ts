/**
 * What another stack's file says of its engine, Flux namespace and cluster: for Flux's `dependsOn`
 * (components) and for reading the upstream's health (preflight/lineage.ts). Apart from
 * config/engine.ts, which the schema imports, so that reading stack files makes no import cycle.
 */
import { isObject, type Loose } from "../rules/values";
import type { Engine, FluxDependency } from "../model/engine";
import type { EnvironmentConfig } from "../model/environment";
import { decodeConfigValues } from "./decode";
import { engineConfig } from "./stackFiles";

/** What another stack's file says of its engine and cluster, for Flux's `dependsOn`. */
export interface UpstreamEngine {
  engine: Engine;
  fluxNamespace: string;
  /** kubeconfig, kubeContext and clusterServer: two stacks with the same run on one cluster. */
  cluster: string;
  apps: string[];
}

const clusterKey = (raw: Loose): string =>
  JSON.stringify([
    raw.kubeconfig ?? "",
    raw.kubeContext ?? "",
    raw.clusterServer ?? "https://kubernetes.default.svc",
  ]);

/** The engine, Flux namespace, cluster and apps a stack file declares; undefined if unreadable. */
export function readStackEngine(projectDir: string, stack: string): UpstreamEngine | undefined {
  try {
    const raw = decodeConfigValues(engineConfig(projectDir, stack));
    const flux = isObject(raw.flux) ? raw.flux : {};
    return {
      engine: raw.engine === "flux" ? "flux" : "argocd",
      fluxNamespace: typeof flux.namespace === "string" ? flux.namespace : "flux-system",
      cluster: clusterKey(raw),
      apps: isObject(raw.apps) ? Object.keys(raw.apps) : [],
    };
  } catch {
    return undefined;
  }
}

/** The cluster key of a validated config, to compare with an upstream's stack file. */
export function ownClusterKey(
  config: Pick<EnvironmentConfig, "kubernetes" | "clusterServer">,
): string {
  const target = config.kubernetes;
  return clusterKey({
    kubeconfig: target.mode === "cluster" ? (target.kubeconfig ?? "") : "",
    kubeContext: target.mode === "cluster" ? (target.context ?? "") : "",
    clusterServer: config.clusterServer,
  });
}

/**
 * The upstream's Flux object each app waits for (`dependsOn`): only when the upstream runs Flux on
 * the same cluster and runs the app too (a dependency on another cluster never resolves).
 */
export function fluxDependencies(
  config: EnvironmentConfig,
  upstream: UpstreamEngine | undefined,
): Record<string, FluxDependency> {
  if (!config.upstream || !upstream || upstream.engine !== "flux") return {};
  if (upstream.cluster !== ownClusterKey(config)) return {};
  return Object.fromEntries(
    config.apps
      .filter((app) => upstream.apps.includes(app.name))
      .map((app) => [
        app.name,
        { name: `${app.name}-${config.upstream}`, namespace: upstream.fluxNamespace },
      ]),
  );
}

/** Flux only: per app, the upstream's object to wait for, from the upstream's stack file. */
export function loadFluxDependencies(config: EnvironmentConfig): Record<string, FluxDependency> {
  if (config.engine !== "flux" || !config.upstream) return {};
  // The engine runs the program in the project directory (config/index.ts projectDirectory).
  return fluxDependencies(config, readStackEngine(process.cwd(), config.upstream));
}
