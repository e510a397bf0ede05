/**
 * Fetches what the promotion gate decides on (the upstream stack's and this stack's previous
 * outputs, the upstream's live Argo CD Application) and applies the pure rules of rules/gate.ts
 * and rules/record.ts. It runs before the environment declares anything: a refusal ends the
 * program with a RunError, so `pulumi preview` and `pulumi up` fail without touching a resource.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { execFileSync } from "child_process";
import * as os from "os";
import { loadUpstreamTarget, projectDirectory, type EnvironmentConfig } from "../config";
import type { AppConfig } from "../model/environment";
import { applicationName } from "../manifests/argocd";
import {
  decideGate,
  decideUpstreamHealth,
  formatRefusals,
  type ApplicationStatus,
  type UpstreamApplication,
  type UpstreamTags,
} from "../rules/gate";
import { imageReference } from "../rules/imageTag";
import {
  nextRecords,
  parseAllRecords,
  recordAnnotations,
  resolveActor,
  type PromotionRecord,
} from "../rules/record";
import { kubernetesProviderArgs } from "./environment";
import { applicationNameFor } from "../manifests/argocd";

/** What the environment declares from the gate's decisions. */
export interface Lineage {
  /** Per app, its records after this run, newest first (the `promotionRecords` output). */
  records: Record<string, PromotionRecord[]>;
  /** Per app, the annotations of its newest record, for its Argo CD Application. */
  annotations: Record<string, Record<string, string>>;
}

/** The stack reference name of an environment's stack (`organization/promotion/<env>`). */
export function stackName(environment: string): string {
  return `${pulumi.getOrganization()}/${pulumi.getProject()}/${environment}`;
}

/** A stack's output, or undefined when the stack has no such output (e.g. never deployed). */
async function stackOutput(ref: pulumi.StackReference, name: string): Promise<unknown> {
  const details = await ref.getOutputDetails(name);
  return details.value ?? details.secretValue;
}

/** One field (tag, image) of each app, from a stack's `apps` output; undefined without one. */
function fieldOf(apps: unknown, field: "tag" | "image"): Record<string, string> | undefined {
  if (apps === null || typeof apps !== "object" || Array.isArray(apps)) return undefined;
  const values: Record<string, string> = {};
  for (const [app, summary] of Object.entries(apps as Record<string, unknown>)) {
    const value = (summary as Record<string, unknown> | null)?.[field];
    if (typeof value === "string") values[app] = value;
  }
  return values;
}
const tagsOf = (apps: unknown) => fieldOf(apps, "tag");

/** The value of an Output once known; undefined when a preview cannot know it. */
async function known<T>(output: pulumi.Output<T>): Promise<T | undefined> {
  // `isKnown` is on every Output at run time, though not in its public type: without this check
  // an unknown value (possible in a preview) would never call the apply below.
  const isKnown = (output as unknown as { isKnown?: Promise<boolean> }).isKnown;
  if (isKnown !== undefined && !(await isKnown)) return undefined;
  return new Promise<T>((resolve) =>
    output.apply((value) => {
      resolve(value);
      return value;
    }),
  );
}

/** The git author of the last commit that touched the stack file, if git can tell. */
function gitAuthor(stack: string): string | undefined {
  try {
    return execFileSync("git", ["log", "-1", "--format=%an <%ae>", "--", `Pulumi.${stack}.yaml`], {
      cwd: projectDirectory(),
      encoding: "utf8",
      timeout: 5000,
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return undefined;
  }
}

function osUser(): string | undefined {
  try {
    return os.userInfo().username;
  } catch {
    return undefined;
  }
}

/**
 * Reads the upstream's Argo CD Applications from its cluster, when the gate needs their live
 * status and a cluster is there to read; otherwise says why it is not read.
 */
class UpstreamReader {
  private provider?: k8s.Provider;
  private readonly unavailable?: string;
  private readonly argocdNamespace: string = "argocd";

  constructor(private readonly config: EnvironmentConfig) {
    const gate = config.gate;
    const upstream = config.upstream ?? "";
    if (!gate || (!gate.requireHealthy && gate.soakSeconds === 0)) {
      this.unavailable = "promotion:gate turns health and soak time off";
      return;
    }
    if (config.kubernetes.mode === "render") {
      this.unavailable = `${config.environment} renders manifests to ${config.kubernetes.directory} (no kubeconfig or kubeContext), so there is no cluster to read ${upstream}'s live Application from`;
      return;
    }
    const target = loadUpstreamTarget(config);
    if ("unreadable" in target) {
      this.unavailable = target.unreadable;
      return;
    }
    if (target.kubernetes.mode === "render") {
      this.unavailable = `${upstream} renders manifests (no cluster in its stack file), so its Application has no live status`;
      return;
    }
    this.argocdNamespace = target.argocdNamespace;
    // Declared on every run that may need it, so that a run without a promotion changes nothing.
    this.provider = new k8s.Provider(
      `${config.environment}-upstream-kubernetes`,
      kubernetesProviderArgs(target.kubernetes),
    );
  }

  async read(app: AppConfig, name: string): Promise<UpstreamApplication> {
    if (!this.provider) return { readable: false, why: this.unavailable ?? "" };
    // CustomResource.get declares only apiVersion and kind; naming `status` makes it an output.
    const application = new k8s.apiextensions.CustomResource(
      `${this.config.environment}-upstream-${app.name}`,
      { apiVersion: "argoproj.io/v1alpha1", kind: "Application", status: undefined },
      { id: `${this.argocdNamespace}/${name}`, provider: this.provider },
    );
    const status = (application as unknown as { status: pulumi.Output<ApplicationStatus> }).status;
    const value = await known(status);
    if (value === undefined && !(await known(application.id))) {
      return { readable: false, why: `${name}'s status is unknown in this preview` };
    }
    return { readable: true, name, status: value ?? undefined };
  }
}

/**
 * Checks every app's tag against the gate and returns the records and annotations to declare;
 * throws a RunError listing every refusal.
 */
export async function checkPromotions(config: EnvironmentConfig): Promise<Lineage> {
  const env = config.environment;
  const own = new pulumi.StackReference(stackName(env));
  const upstreamRef = config.upstream
    ? new pulumi.StackReference(stackName(config.upstream))
    : undefined;

  const [ownApps, ownRecords, upstreamApps] = await Promise.all([
    stackOutput(own, "apps"),
    stackOutput(own, "promotionRecords"),
    upstreamRef ? stackOutput(upstreamRef, "apps") : Promise.resolve(undefined),
  ]);
  const ownTags = tagsOf(ownApps);
  const ownImages = fieldOf(ownApps, "image");
  const upstreamImages = fieldOf(upstreamApps, "image");
  const history = parseAllRecords(ownRecords);
  /** No outputs at all: this stack was never deployed, every tag is its first deployment. */
  const neverDeployed = ownTags === undefined && ownRecords === undefined;
  const upstreamTags: UpstreamTags = tagsOf(upstreamApps) ?? "no record";
  const upstreamAppNames = (upstreamApps ?? {}) as Record<string, { applicationName?: unknown }>;

  const reader = config.upstream ? new UpstreamReader(config) : undefined;
  const at = new Date().toISOString();
  let actor: string | undefined;
  const by = () =>
    (actor ??= resolveActor({
      env: process.env,
      gitAuthor: gitAuthor(config.stack),
      osUser: osUser(),
    }));

  const refusals: string[] = [];
  const lineage: Lineage = { records: {}, annotations: {} };
  for (const app of config.apps) {
    const previous = history[app.name] ?? [];
    const decision = decideGate({
      environment: env,
      app: app.name,
      tag: app.tag,
      image: app.image,
      upstream: config.upstream
        ? { environment: config.upstream, tags: upstreamTags, images: upstreamImages }
        : undefined,
      own: neverDeployed
        ? "no record"
        : { tag: ownTags?.[app.name], image: ownImages?.[app.name], history: previous },
      bypass: app.bypass,
    });
    if (!decision.allowed) {
      refusals.push(decision.message);
      continue;
    }

    let checks: string | undefined;
    if (decision.checkUpstream && config.upstream && config.gate && reader) {
      const recorded = upstreamAppNames[app.name]?.applicationName;
      const name =
        typeof recorded === "string" ? recorded : applicationNameFor(app.name, config.upstream);
      const outcome = decideUpstreamHealth({
        environment: env,
        upstream: config.upstream,
        tag: app.tag,
        imageRef: imageReference(app.image, app.tag),
        settings: config.gate,
        application: await reader.read(app, name),
        now: new Date(),
      });
      if (!outcome.passed) {
        refusals.push(outcome.message);
        continue;
      }
      checks = outcome.checks;
      if (checks.startsWith("not checked")) {
        void pulumi.log.warn(`${applicationName(config, app)}: upstream ${checks}`);
      }
    }
    if (decision.kind === "rollback" || decision.kind === "hotfix") {
      void pulumi.log.warn(
        `${applicationName(config, app)} takes ${app.tag} as a ${decision.kind}, bypassing the promotion gate: ${decision.reason ?? ""}`,
      );
    }

    const records = nextRecords(previous, {
      environment: env,
      tag: app.tag,
      kind: decision.kind,
      from: decision.from,
      at,
      by: decision.kind === "unchanged" && previous.length > 0 ? "" : by(),
      reason: decision.reason,
      checks,
    });
    lineage.records[app.name] = records;
    lineage.annotations[app.name] = recordAnnotations(records[0]);
  }

  if (refusals.length > 0) throw new pulumi.RunError(formatRefusals(config.stack, refusals));
  return lineage;
}
