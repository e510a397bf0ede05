/**
 * Selecting environments and apps in the chain: chain order, and the lookups that refuse an
 * unknown environment or app with what is accepted (and the closest valid name).
 */
import { ChainError, orderChain, type ChainLink } from "../../rules/chain";
import { didYouMean } from "../../rules/suggest";
import type { StackState } from "./state";

export function chainLinks(states: StackState[]): ChainLink[] {
  return states.map((s) => ({ environment: s.config.environment, upstream: s.config.upstream }));
}

/** The environments in chain order, or the chain's problems. */
export function chainOrder(states: StackState[]): string[] | { refused: string } {
  try {
    return orderChain(chainLinks(states));
  } catch (error) {
    if (error instanceof ChainError) return { refused: error.message };
    throw error;
  }
}

function unknownEnvironment(env: string, states: StackState[]): string {
  const order = chainOrder(states);
  const names = Array.isArray(order) ? order : states.map((s) => s.config.environment).sort();
  return `unknown environment "${env}"${didYouMean(env, names)}; accepted: ${names.join(", ")} (one Pulumi.<env>.yaml each)`;
}

/** "dex sha-abc, api sha-def": what an environment runs (only `apps` when given). */
export function runsList(state: StackState, apps?: string[]): string {
  return state.config.apps
    .filter((a) => !apps || apps.includes(a.name))
    .map((a) => `${a.name} ${a.tag}`)
    .join(", ");
}

export function unknownApp(state: StackState, app: string): string {
  const names = state.config.apps.map((a) => a.name);
  return `${state.config.environment} runs no app "${app}"${didYouMean(app, names)}; it runs ${runsList(state)}`;
}

/** A refusal naming the first of `envs` that has no stack file, or undefined. */
export function unknownEnvironments(states: StackState[], envs: string[]): string | undefined {
  const env = envs.find((e) => !states.some((s) => s.config.environment === e));
  return env === undefined ? undefined : unknownEnvironment(env, states);
}

/** The environment and the apps a request names (all of them without `app`), or a refusal. */
export function findEnvironment(
  states: StackState[],
  env: string,
  app: string | undefined,
): { state: StackState; apps: string[] } | { refused: string } {
  const state = states.find((s) => s.config.environment === env);
  if (!state) return { refused: unknownEnvironment(env, states) };
  const names = state.config.apps.map((a) => a.name);
  if (app !== undefined && !names.includes(app)) return { refused: unknownApp(state, app) };
  return { state, apps: app === undefined ? names : [app] };
}

/**
 * The chain order as far as it can be known, for showing environments while some stack files are
 * broken: `orderChain` when the links make one line, else each first environment followed by its
 * downstream, the environments whose upstream is unknown (`unknownUpstream`) after the real first.
 */
export function bestEffortOrder(
  links: ChainLink[],
  unknownUpstream: ReadonlySet<string>,
): string[] {
  try {
    return orderChain(links);
  } catch (error) {
    if (!(error instanceof ChainError)) throw error;
  }
  const names = new Set(links.map((l) => l.environment));
  const downstream = new Map<string, string[]>();
  for (const link of links) {
    if (link.upstream && names.has(link.upstream)) {
      downstream.set(link.upstream, [...(downstream.get(link.upstream) ?? []), link.environment]);
    }
  }
  const order: string[] = [];
  const visit = (env: string) => {
    if (order.includes(env)) return;
    order.push(env);
    for (const next of [...(downstream.get(env) ?? [])].sort()) visit(next);
  };
  const sorted = [...links].sort((a, b) => a.environment.localeCompare(b.environment));
  const first = sorted.filter((l) => !l.upstream || !names.has(l.upstream));
  for (const link of first.filter((l) => !unknownUpstream.has(l.environment))) {
    visit(link.environment);
  }
  for (const link of first) visit(link.environment);
  for (const link of sorted) visit(link.environment); // the members of a cycle
  return order;
}
