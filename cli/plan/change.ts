/**
 * What every planned change of one stack file is: the kind, the app changes and edits, the
 * branch and commit names; and the checks every kind shares (tag policy, a reason).
 */
import { ACCEPTED_IMAGE_TAGS, checkImageTag } from "../../rules/imageTag";
import type { AppEdit, Bypass, BypassKind } from "../stackText";
import type { StackVersionRef } from "./history";

/**
 * promotion, rollback and hotfix change tags; `pin-digests` adds the registry's digests to the tags
 * an environment already runs; `build` takes a new build from the registry into the first
 * environment (discover).
 */
export type ChangeKind = "promotion" | BypassKind | "pin-digests" | "build";

export interface AppChange {
  app: string;
  /** The tag the environment runs now. */
  current: string;
  /** The tag it runs after the change. */
  tag: string;
  /** The registry digest pinned with `tag` after the change, when known (cli/registry.ts). */
  digest?: string;
  /** What the registry said while checking the tag, for the terminal and the PR. */
  registryNote?: string;
  /** A bypass the change ends (promotions remove it). */
  endsBypass?: Bypass;
  /** For a rollback: the version of the stack file where the environment last ran `tag`. */
  ranSince?: StackVersionRef;
  /** Said in the PR body, e.g. that the tag was rolled back from before. */
  warning?: string;
}

export interface ChangePlan {
  kind: ChangeKind;
  /** The environment whose stack file changes. */
  env: string;
  file: string;
  /** For a promotion: where the tags come from. */
  from?: string;
  /** For a rollback or hotfix: why. */
  reason?: string;
  changes: AppChange[];
  edits: AppEdit[];
  branch: string;
  commitSubject: string;
  commitBody: string;
  /** Said on the terminal along with the plan (apps left out and why). */
  notes: string[];
  /** A promotion a person confirmed (--confirm): why, and what it risks. */
  confirmation?: { reason: string; risks: PromotionRisk[] };
  /** The target's promotion rules as checked (docs/rules.md), and an override's reason. */
  rules?: { table: string; override: string | undefined };
}

/** What a promotion risks in its target, so a person must confirm it (see confirm.ts). */
export type PromotionRisk =
  | { kind: "rolled-back-from"; env: string; app: string; tag: string; date: string; why: string }
  | { kind: "replaces-hotfix"; env: string; app: string; hotfix: string; tag: string; why: string };

export type Planned = { plan: ChangePlan } | { refused: string } | { nothingToDo: string };

export const REASON_REQUIRED =
  "--reason is required: say why, it is recorded in the stack and on the Argo CD Application";

/** Checks a bypass reason: required and not blank. */
export function reasonRefusal(reason: string | undefined): string | undefined {
  return reason === undefined || reason.trim() === "" ? REASON_REQUIRED : undefined;
}

export function tagRefusal(tag: string): string | undefined {
  const checked = checkImageTag(tag);
  return "refused" in checked
    ? `tag "${tag}" is refused by the image tag policy: ${checked.refused}; accepted: ${ACCEPTED_IMAGE_TAGS}`
    : undefined;
}

/** A git ref component made from a tag: `@sha256:<hex>` becomes `sha256-<hex>`. */
function branchPart(tag: string): string {
  return tag.replace(/^@sha256:/, "sha256-").replace(/[^A-Za-z0-9._-]/g, "-");
}

/** "sha-abc" when every app gets the same tag, else "dex sha-abc, api sha-def". */
function tagSummary(changes: AppChange[]): string {
  const tags = [...new Set(changes.map((c) => c.tag))];
  return tags.length === 1 ? tags[0] : changes.map((c) => `${c.app} ${c.tag}`).join(", ");
}

const BRANCH_PREFIX: Record<ChangeKind, string> = {
  promotion: "promote",
  rollback: "rollback",
  hotfix: "hotfix",
  initial: "initial",
  "pin-digests": "pin-digests",
  build: "build",
};

export function branchName(kind: ChangeKind, env: string, changes: AppChange[]): string {
  const tags = [...new Set(changes.map((c) => c.tag))];
  const suffix =
    tags.length === 1
      ? branchPart(tags[0])
      : changes.map((c) => `${c.app}-${branchPart(c.tag)}`).join("-");
  return `${BRANCH_PREFIX[kind]}-${env}-${suffix}`;
}

export function commitSubject(kind: ChangeKind, env: string, changes: AppChange[]): string {
  const tags = tagSummary(changes);
  if (kind === "promotion") return `chore: promote ${tags} to ${env}`;
  if (kind === "rollback") return `chore: roll back ${env} to ${tags}`;
  if (kind === "pin-digests") return `chore: pin the registry's digests of ${tags} in ${env}`;
  if (kind === "build") return `chore: take the new build ${tags} into ${env}`;
  if (kind === "initial") return `chore: first deployment of ${env} at ${tags}`;
  return `chore: hotfix ${env} to ${tags}`;
}

/** "dex: sha-abc -> sha-def", one line per change. */
export function changeLines(changes: AppChange[]): string[] {
  return changes.map((c) => `${c.app}: ${c.current} -> ${c.tag}`);
}

/** A plan from its parts: the branch and commit follow from the kind, env and changes. */
export function finishPlan(
  partial: Omit<ChangePlan, "branch" | "commitSubject" | "commitBody" | "edits">,
  edits: AppEdit[],
  body: string[],
): ChangePlan {
  return {
    ...partial,
    edits,
    branch: branchName(partial.kind, partial.env, partial.changes),
    commitSubject: commitSubject(partial.kind, partial.env, partial.changes),
    commitBody: body.join("\n"),
  };
}
