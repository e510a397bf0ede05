/**
 * The promotion chain as the stack files in the project directory declare it, and what a stack
 * needs to know of its upstream's stack file. Read the way the engine reads stack files; problems
 * are reported as config problems of the stack they are about.
 */
import { chainProblems, type ChainLink } from "../rules/chain";
import { decodeConfigValues } from "./decode";
import { engineConfig, listStacks } from "./stackFiles";
import type { KubernetesTarget } from "../model/environment";
import type { ConfigProblem } from "./validate";

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
 * The chain's problems as config problems of `promotion:upstream`, each of the stack it is about
 * (the running `stack` when a problem is about several stacks including it).
 */
export function chainConfigProblems(links: readonly ReadLink[], stack: string): ConfigProblem[] {
  const problems: ConfigProblem[] = links
    .filter((link) => link.unreadable !== undefined)
    .map((link) => ({
      stack: link.environment,
      key: "promotion:upstream",
      value: undefined,
      accepted: `a readable stack file, so the promotion chain can be checked (${link.unreadable})`,
    }));
  const readable = links.filter((link) => link.unreadable === undefined);
  for (const problem of chainProblems(readable)) {
    const about = problem.environment.split(", ");
    const of =
      about.includes(stack) || problem.environment === "(none)" ? stack : problem.environment;
    problems.push({
      stack: of,
      key: "promotion:upstream",
      value: problem.upstream ?? readable.find((link) => link.environment === of)?.upstream ?? "",
      accepted: `an upstream that keeps the environments one line: ${problem.message.replace("; accepted: ", "; use ")}`,
    });
  }
  return problems;
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
    return { unreadable: `Pulumi.${stack}.yaml cannot be read: ${String(error)}` };
  }
  const text = (key: string): string | undefined | null =>
    raw[key] === undefined ? undefined : typeof raw[key] === "string" ? raw[key] : null;
  const kubeconfig = text("kubeconfig");
  const context = text("kubeContext");
  const renderDir = text("renderDir");
  const argocdNamespace = text("argocdNamespace");
  if (kubeconfig === null || context === null) {
    return {
      unreadable: `${stack}'s kubeconfig or kubeContext is not plain text in its stack file (a secret cannot be read by another stack)`,
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
