/** Set-ups of the stack files that are refused: settings that disagree, objects two stacks would declare. */
import { CODEOWNERS_PATH } from "../codeowners";
import type { Refusal } from "../verdict";
import { claimsOf, type Claim } from "./claims";
import { bypassersFromBelow } from "./fromBelow";
import {
  GOVERNANCE_KEY as KEY,
  manages,
  sortedUnique,
  type StackGovernance,
} from "./stackGovernance";

/** Repository-level fields that every stack file must repeat identically. */
const REPOSITORY_FIELDS = [
  "owner",
  "name",
  "platformOwners",
  "platformPaths",
  "managingStack",
  "sharedBranches",
  "reviewerIds",
] as const;

function canonical(value: unknown): string {
  if (Array.isArray(value)) return JSON.stringify(value);
  if (value !== null && typeof value === "object") {
    return JSON.stringify(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)));
  }
  return JSON.stringify(value);
}

function disagreements(stacks: StackGovernance[]): Refusal[] {
  const problems: Refusal[] = [];
  for (const field of REPOSITORY_FIELDS) {
    const groups = new Map<string, StackGovernance[]>();
    for (const s of stacks) {
      const value = canonical(s.governance.repository[field]);
      groups.set(value, [...(groups.get(value) ?? []), s]);
    }
    if (groups.size <= 1) continue;
    // The most common value is taken as intended; the others are reported.
    const [, majority] = [...groups.entries()].sort(
      ([, a], [, b]) => b.length - a.length || a[0].stack.localeCompare(b[0].stack),
    )[0];
    const found = stacks.map((s) => `${s.stack}: ${canonical(s.governance.repository[field])}`);
    const managers = stacks.filter(manages).map((s) => s.stack);
    const why =
      field !== "managingStack"
        ? ""
        : managers.length > 1
          ? `; otherwise ${managers.join(" and ")} would each write ${CODEOWNERS_PATH} and ` +
            "protect the shared branches"
          : "; exactly one stack writes CODEOWNERS and protects the shared branches";
    for (const s of stacks) {
      if (majority.includes(s)) continue;
      problems.push({
        stack: s.stack,
        key: `${KEY}.repository.${field}`,
        value: s.governance.repository[field],
        accepted: `the same value in every stack file${why} (found ${found.join("; ")})`,
      });
    }
  }
  return problems;
}

/**
 * Problems of the stack files taken together: repository settings that disagree, a managing
 * stack that does not exist, a shared branch that feeds nothing, any GitHub object two stacks
 * would both declare, and a bypasser of a shared branch set in a file other than the managing
 * stack's. `withoutGovernance` lists stacks that have no `promotion:governance`.
 * An empty list means every stack can declare its part without stepping on another.
 */
export function governanceProblems(
  stacks: StackGovernance[],
  withoutGovernance: string[] = [],
): Refusal[] {
  const sorted = [...stacks].sort((a, b) => a.stack.localeCompare(b.stack));
  const problems: Refusal[] = [];
  if (sorted.length > 0) {
    for (const stack of [...withoutGovernance].sort()) {
      problems.push({
        stack,
        key: KEY,
        value: undefined,
        accepted:
          `governance settings like the other stack files (${sorted.map((s) => s.stack).join(", ")}):` +
          " once one stack has it, every stack needs it, so CODEOWNERS and the branch protections" +
          " cover every environment",
      });
    }
  }
  problems.push(...disagreements(sorted));

  const names = new Set(sorted.map((s) => s.stack));
  for (const s of sorted) {
    const managing = s.governance.repository.managingStack;
    if (!names.has(managing)) {
      problems.push({
        stack: s.stack,
        key: `${KEY}.repository.managingStack`,
        value: managing,
        accepted: `one of the stacks with governance settings (${[...names].join(", ")})`,
      });
    }
  }

  for (const s of sorted.filter(manages)) {
    s.governance.repository.sharedBranches.forEach((branch, index) => {
      if (!sorted.some((other) => other.governance.branch === branch)) {
        problems.push({
          stack: s.stack,
          key: `${KEY}.repository.sharedBranches[${index}]`,
          value: branch,
          accepted:
            "a branch that feeds at least one environment (promotion:governance.branch of some " +
            `stack: ${sortedUnique(sorted.map((o) => o.governance.branch)).join(", ")})`,
        });
      }
    });
  }

  // A managingStack that differs between stack files is reported above, with the stacks that
  // would write CODEOWNERS; the objects it makes them both claim are not repeated.
  const managingDisagrees = problems.some((p) => p.key === `${KEY}.repository.managingStack`);
  const byId = new Map<string, Claim[]>();
  for (const claim of sorted.flatMap(claimsOf)) {
    if (managingDisagrees && claim.key === `${KEY}.repository.managingStack`) continue;
    byId.set(claim.id, [...(byId.get(claim.id) ?? []), claim]);
  }
  for (const claims of byId.values()) {
    const claimants = sortedUnique(claims.map((c) => c.stack));
    if (claimants.length < 2) continue;
    for (const claim of claims) {
      const others = claimants.filter((stack) => stack !== claim.stack);
      problems.push({
        stack: claim.stack,
        key: claim.key,
        value: claim.value,
        accepted:
          `${claim.fix} (the ${claim.what} may be declared by one stack only, and ` +
          `${others.join(" and ")} would declare it too)`,
      });
    }
  }
  // Only the managing stack's file widens what it protects (rules/governance/fromBelow.ts).
  problems.push(...bypassersFromBelow(sorted));
  return problems;
}
