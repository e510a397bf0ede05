/**
 * `promotion:engine` and `promotion:flux`: which GitOps engine applies an environment's apps, and
 * how Flux reconciles them. The stack files, chain, tag policy, gate, records and governance are
 * the same for both engines; only the objects declared for the apps differ (manifests/flux.ts).
 */
import { z } from "zod";
import { parseDuration } from "../rules/gate";
import { isObject, strings, type Loose } from "../rules/values";
import { ENGINES, type Engine, type FluxDependency, type FluxSettings } from "../model/engine";
import type { EnvironmentConfig } from "../model/environment";
import { decodeConfigValues } from "./decode";
import { engineConfig } from "./stackFiles";
import { strictObject } from "./zodShapes";

export const engineSchema = z.enum(ENGINES, {
  error:
    "argocd (Argo CD Applications, the default) or flux (Flux Kustomizations and HelmReleases)",
});

/** A Flux duration (Go's time.ParseDuration subset Flux accepts: 30s, 1m, 1h30m), never 0. */
const fluxDuration = z
  .string({ error: "a duration such as 1m, 5m or 1h30m" })
  .refine(
    (value) => /^([0-9]+h)?([0-9]+m)?([0-9]+s)?$/.test(value) && (parseDuration(value) ?? 0) > 0,
    {
      error: "a duration such as 30s, 1m, 5m or 1h30m (more than 0)",
    },
  );

const dnsLabel = z
  .string({ error: "a Kubernetes name" })
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "a Kubernetes name (lowercase letters, digits, '-')")
  .max(63, "a Kubernetes name of at most 63 characters");

export const fluxSchema = strictObject(
  {
    namespace: dnsLabel.optional(),
    interval: fluxDuration.optional(),
    timeout: fluxDuration.optional(),
    sourceInterval: fluxDuration.optional(),
    prune: z.boolean({ error: "true or false" }).optional(),
    wait: z.boolean({ error: "true or false" }).optional(),
    slackSecret: dnsLabel.optional(),
  },
  "the Flux settings",
);

export type FluxInput = z.infer<typeof fluxSchema>;

/**
 * Problems relating `promotion:flux` to `promotion:engine` and the apps, as key path and what is
 * accepted: Flux settings only on Flux; Flux's own namespace is not one of the environment's; Flux
 * clones only https:// and ssh:// (git@host:path is ssh) repositories.
 */
export function engineKeyProblems(raw: Loose): { path: PropertyKey[]; accepted: string }[] {
  const engine = typeof raw.engine === "string" ? raw.engine : "argocd";
  const problems: { path: PropertyKey[]; accepted: string }[] = [];
  if (raw.flux !== undefined && engine !== "flux") {
    problems.push({
      path: ["flux"],
      accepted: `not set unless promotion:engine is flux (it is ${engine}): Flux settings apply to Flux only`,
    });
  }
  if (engine !== "flux") return problems;
  if (raw.syncMode === "manual") {
    problems.push({
      path: ["syncMode"],
      accepted:
        "automated on Flux: Flux reconciles continuously and has no manual sync; the reviewed pull request into the environment's stack file is the gate (Pulumi.yaml's default is manual, so say automated)",
    });
  }
  const own = [...strings([raw.namespace]), ...strings(raw.extraNamespaces)];
  if (
    isObject(raw.flux) &&
    typeof raw.flux.namespace === "string" &&
    own.includes(raw.flux.namespace)
  ) {
    problems.push({
      path: ["flux", "namespace"],
      accepted:
        "Flux's own namespace (flux-system), not one of the environment's: the apps may not manage the objects that deploy them",
    });
  }
  for (const [name, app] of Object.entries(isObject(raw.apps) ? raw.apps : {})) {
    const repoURL = isObject(app) && isObject(app.source) ? app.source.repoURL : undefined;
    if (typeof repoURL === "string" && repoURL.startsWith("git://")) {
      problems.push({
        path: ["apps", name, "source", "repoURL"],
        accepted:
          "an https://, ssh:// or git@ URL on Flux: its source-controller does not clone git:// (Argo CD does)",
      });
    }
  }
  return problems;
}

/** The engine and Flux settings of a validated stack config, defaults applied. */
export function toEngineConfig(cfg: { engine?: Engine; flux?: FluxInput }): {
  engine: Engine;
  flux?: FluxSettings;
} {
  const engine = cfg.engine ?? "argocd";
  if (engine !== "flux") return { engine };
  const flux = cfg.flux ?? {};
  const interval = flux.interval ?? "10m";
  return {
    engine,
    flux: {
      namespace: flux.namespace ?? "flux-system",
      interval,
      timeout: flux.timeout ?? "5m",
      sourceInterval: flux.sourceInterval ?? interval,
      prune: flux.prune ?? true,
      wait: flux.wait ?? true,
      slackSecret: flux.slackSecret ?? "slack-webhook",
    },
  };
}

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
