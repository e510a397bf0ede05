/**
 * The promotion chain as the stack files in the project directory declare it, and what a stack
 * needs to know of its upstream's stack file. Read the way the engine reads stack files; problems
 * are reported as config problems of the stack they are about.
 */
import { chainProblems, type ChainLink } from "../rules/chain";
import { decodeConfigValues } from "./decode";
import { engineConfig, listStacks, SECRET_PLACEHOLDER } from "./stackFiles";
import type { KubernetesTarget } from "../model/environment";
import type { Refusal } from "../rules/verdict";

export type { ChainLink } from "../rules/chain";

/** A link, or why the stack file it comes from could not be read. */
export type ReadLink = ChainLink & { unreadable?: string };

const upstreamOf = (raw: Record<string, unknown>): string | undefined =>
  typeof raw.upstream === "string" && raw.upstream !== "" ? raw.upstream : undefined;

/**
 * Every stack file's link (environment = stack name, its `promotion:upstream`). The running stack's
 * link comes from the config the engine handed it (`ownRaw`), which is what this run deploys.
 */
export function readChainLinks(
  projectDir: string,
  stack: string,
  ownRaw: Record<string, unknown>,
): ReadLink[] {
  const links: ReadLink[] = [];
  for (const other of listStacks(projectDir)) {
    if (other === stack) continue;
    try {
      const raw = decodeConfigValues(engineConfig(projectDir, other));
      links.push({ environment: other, upstream: upstreamOf(raw) });
    } catch (error) {
      links.push({
        environment: other,
        unreadable: error instanceof Error ? error.message : String(error),
      });
    }
  }
  links.push({ environment: stack, upstream: upstreamOf(ownRaw) });
  return links.sort((a, b) => a.environment.localeCompare(b.environment));
}

/**
 * The chain's problems as refusals of `promotion:upstream`, each of the stack it is about (the
 * running `stack` when a problem is about several stacks including it).
 */
export function chainConfigProblems(links: readonly ReadLink[], stack: string): Refusal[] {
  const unreadable: Refusal[] = links
    .filter((link) => link.unreadable !== undefined)
    .map((link) => ({
      stack: link.environment,
      key: "promotion:upstream",
      value: undefined,
      accepted: `a readable stack file, so the promotion chain can be checked (${link.unreadable})`,
    }));
  const readable = links.filter((link) => link.unreadable === undefined);
  return [...unreadable, ...chainProblems(readable, stack)];
}

/** Where another stack's Argo CD Applications live, as its stack file says. */
export interface ClusterTarget {
  kubernetes: KubernetesTarget;
  argocdNamespace: string;
}

/**
 * Reads the cluster settings of another stack's file, or says why they cannot be used from here
 * (a secret kubeconfig cannot be decrypted by another stack's program).
 */
export function readClusterTarget(
  projectDir: string,
  stack: string,
): ClusterTarget | { unreadable: string } {
  let raw: Record<string, unknown>;
  try {
    raw = decodeConfigValues(engineConfig(projectDir, stack));
  } catch (error) {
    return {
      unreadable: `cannot be read: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  const text = (key: string): string | undefined | null =>
    raw[key] === undefined ? undefined : typeof raw[key] === "string" ? raw[key] : null;
  const kubeconfig = text("kubeconfig");
  const context = text("kubeContext");
  const renderDir = text("renderDir");
  const argocdNamespace = text("argocdNamespace");
  // A `secure:` value reaches us as SECRET_PLACEHOLDER: only the engine running that stack can
  // decrypt it, so the cluster cannot be reached from here.
  if (
    kubeconfig === null ||
    context === null ||
    kubeconfig === SECRET_PLACEHOLDER ||
    context === SECRET_PLACEHOLDER
  ) {
    return {
      unreadable: `${stack}'s kubeconfig or kubeContext is a secret (or not plain text) in its stack file, and another stack cannot decrypt it`,
    };
  }
  return {
    kubernetes:
      kubeconfig || context
        ? { mode: "cluster", kubeconfig: kubeconfig || undefined, context: context || undefined }
        : { mode: "render", directory: `${renderDir || "rendered"}/${stack}` },
    argocdNamespace: argocdNamespace || "argocd",
  };
}

/** The tag each app of another stack's file pins now; undefined when the file cannot be read. */
export function readPinnedTags(
  projectDir: string,
  stack: string,
): Record<string, string> | undefined {
  try {
    const apps = decodeConfigValues(engineConfig(projectDir, stack)).apps;
    if (apps === null || typeof apps !== "object" || Array.isArray(apps)) return undefined;
    const pinned: Record<string, string> = {};
    for (const [app, settings] of Object.entries(apps as Record<string, unknown>)) {
      const tag = (settings as { tag?: unknown } | null)?.tag;
      if (typeof tag === "string") pinned[app] = tag;
    }
    return pinned;
  } catch {
    return undefined;
  }
}
