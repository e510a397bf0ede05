/**
 * What a change asks the registry before it edits anything (issue #14): the manifest digest of
 * each tag it pins, which then goes into the stack file next to the tag. A tag the registry does
 * not have, a digest it no longer has, or a registry that does not answer refuses the change:
 * it fails closed, and nothing is edited.
 */
import { RegistryError } from "../adapters/registry";
import { shortDigest } from "../rules/registry";
import { verifySignatures } from "../rules/signature";
import type { EnvironmentConfig } from "../model/environment";
import type { CliIo } from "./io";
import type { AppChange, ChangePlan, Planned } from "./plan/change";
import type { StackState } from "./plan/state";

export type Registry = NonNullable<CliIo["registry"]>;

/** The image repository an app of the plan's environment deploys. */
export function imageOf(states: StackState[], env: string, app: string): string {
  const state = states.find((s) => s.config.environment === env);
  const config = state?.config.apps.find((a) => a.name === app);
  if (!config) throw new Error(`unreachable: ${env} has no app ${app}`);
  return config.image;
}

/** Why the registry could not confirm a tag, as a refusal that says nothing was changed. */
export function registryRefusal(what: string, error: RegistryError): string {
  const closed =
    error.failure === "unreachable" || error.failure === "denied"
      ? "the change fails closed: nothing was changed; run it again once the registry answers"
      : "nothing was changed";
  return `the registry cannot confirm ${what}: ${error.message}; ${closed}`;
}

/**
 * When the environment requires signatures (promotion:signatures), why `image@digest` is refused
 * (unsigned, or not signed with its key); undefined when it may run it.
 */
export async function signatureRefusal(
  registry: Registry,
  target: EnvironmentConfig,
  what: string,
  image: string,
  digest: string,
): Promise<string | undefined> {
  const settings = target.signatures;
  if (!settings?.required) return undefined;
  const verdict = verifySignatures(
    await registry.signatures(image, digest),
    digest,
    settings.publicKey,
  );
  if ("signed" in verdict) return undefined;
  return `${target.environment} takes only images signed with the key of promotion:signatures.publicKey, and ${what} (${image}@${digest}) is refused: ${verdict.refused}; nothing was changed`;
}

interface Checked {
  digest: string;
  note?: string;
}

/**
 * The digest to pin for one change: the one already known (the source's pin, or the one the
 * environment ran the tag as) after checking the registry still has it, else what the registry
 * serves for the tag now.
 */
async function checkChange(
  registry: Registry,
  image: string,
  change: AppChange,
  source: string | undefined,
  env: string,
): Promise<Checked> {
  if (change.digest) {
    // The artifact is what counts: it must still be there, by digest.
    await registry.resolve(image, change.digest);
    let now: string | undefined;
    try {
      now = (await registry.resolve(image, change.tag)).digest;
    } catch (error) {
      if (!(error instanceof RegistryError) || error.failure !== "not-found") throw error;
      return {
        digest: change.digest,
        note: `the registry no longer has the tag ${change.tag}, but still has the artifact ${change.digest}: pinning it`,
      };
    }
    if (now !== change.digest) {
      return {
        digest: change.digest,
        note: `the registry's ${change.tag} now points at ${shortDigest(now)}: the tag was re-pushed since ${source ? `${source} pinned it` : `${env} ran it`}; pinning the artifact ${source ? `${source} runs` : `${env} ran`} (${change.digest})`,
      };
    }
    return { digest: change.digest };
  }
  const resolved = await registry.resolve(image, change.tag);
  const kind = resolved.index ? "a multi-arch index" : "a single image";
  const note = source
    ? `${source} pins ${change.tag} without a digest: pinned what the registry serves for it now (${resolved.digest}, ${kind}); pin ${source}'s digests too: npm run promote -- pin-digests --env ${source}`
    : undefined;
  return { digest: resolved.digest, ...(note ? { note } : {}) };
}

/**
 * Resolves (or checks) in the registry the digest of every tag the plan pins and writes each into
 * the plan's edits, changes, notes and commit message. A registry refusal refuses the plan.
 */
export async function pinRegistryDigests(
  planned: Planned,
  states: StackState[],
  registry: Registry,
): Promise<Planned> {
  if (!("plan" in planned)) return planned;
  const plan = planned.plan;
  const source = plan.kind === "promotion" ? plan.from : undefined;
  const changes: AppChange[] = [];
  const notes = [...plan.notes];
  for (const change of plan.changes) {
    const image = imageOf(states, plan.env, change.app);
    let checked: Checked;
    try {
      checked = await checkChange(registry, image, change, source, plan.env);
    } catch (error) {
      if (!(error instanceof RegistryError)) throw error;
      const what = change.digest
        ? `${change.app} ${change.tag}@${change.digest} (${image})`
        : `${change.app} ${change.tag} (${image})`;
      return { refused: registryRefusal(what, error) };
    }
    const target = states.find((s) => s.config.environment === plan.env)!.config;
    let unsigned: string | undefined;
    try {
      unsigned = await signatureRefusal(
        registry,
        target,
        `${change.app} ${change.tag}`,
        image,
        checked.digest,
      );
    } catch (error) {
      if (!(error instanceof RegistryError)) throw error;
      return {
        refused: registryRefusal(`the signatures of ${change.app} ${change.tag} (${image})`, error),
      };
    }
    if (unsigned) return { refused: unsigned };
    if (target.signatures?.required)
      notes.push(`${change.app}: signed with ${target.environment}'s key`);
    if (checked.note) notes.push(`${change.app}: ${checked.note}`);
    changes.push({
      ...change,
      digest: checked.digest,
      ...(checked.note ? { registryNote: checked.note } : {}),
    });
  }
  const digestOf = (app: string) => changes.find((c) => c.app === app)?.digest;
  const edits = plan.edits.map((edit) => ({ ...edit, digest: digestOf(edit.app) ?? null }));
  const commitBody = [
    plan.commitBody,
    "",
    "Registry digests (what the Application deploys):",
    ...changes.map((c) => `${c.app}: ${c.tag}@${c.digest}`),
  ].join("\n");
  const checkedPlan: ChangePlan = { ...plan, changes, edits, notes, commitBody };
  return { plan: checkedPlan };
}
