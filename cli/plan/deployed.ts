/**
 * Whether an environment's last `up` deployed what its stack file pins. A tag merged into the
 * stack file but never applied has not run there: it must not be promoted from there, and
 * `status` says so.
 */
import type { DeployedState } from "../deployed";
import type { StackState } from "./state";

/** The command that deploys an environment with the embedded default. */
export function upCommand(env: string): string {
  return `npm run stack -- up ${env}`;
}

/**
 * "stage's stack file pins sha-X but stage last deployed sha-Y" for the apps (all, or `apps`)
 * whose deployed tag differs from the pinned one; undefined when they all match. Tags are named
 * with their app when the environment runs several.
 */
export function deployedMismatch(
  state: StackState,
  deployed: DeployedState,
  apps?: readonly string[],
): string | undefined {
  const env = state.config.environment;
  const differing = state.config.apps.filter(
    (a) => (!apps || apps.includes(a.name)) && deployed.tags[a.name] !== a.tag,
  );
  if (differing.length === 0) return undefined;
  const named = state.config.apps.length > 1;
  const list = (tagOf: (app: string) => string | undefined) =>
    differing
      .map((a) => {
        const tag = tagOf(a.name) ?? "(none)";
        return named ? `${a.name} ${tag}` : tag;
      })
      .join(", ");
  const pins = list((app) => state.config.apps.find((a) => a.name === app)?.tag);
  if (Object.keys(deployed.tags).length === 0) {
    return `${env}'s stack file pins ${pins} but ${env} has not been deployed`;
  }
  return `${env}'s stack file pins ${pins} but ${env} last deployed ${list((app) => deployed.tags[app])}`;
}
