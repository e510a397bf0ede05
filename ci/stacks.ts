/** The stacks of the project directory in chain order, read from the stack files as the engine does. */
import { decodeConfigValues } from "../config/decode";
import { engineConfig, listStacks } from "../config/stackFiles";
import { ChainError, orderChain, type ChainLink } from "../rules/chain";
import { governanceFeeds, type GovernanceFeeds } from "../rules/ci/affected";
import { CiFailure } from "./errors";
import type { Git } from "./io";
import * as fs from "fs";
import * as path from "path";
import { readStackYaml } from "../config/yamlReader";

/**
 * Every stack with a `Pulumi.<env>.yaml`, first to last (`promotion:upstream`). Only the chain is
 * read: a stack file with another config problem is still ordered, and its preview says the problem.
 */
export function chainOrder(projectDir: string): string[] {
  const stacks = listStacks(projectDir);
  if (stacks.length === 0) {
    throw new CiFailure(
      `no stack file (Pulumi.<env>.yaml) in ${projectDir}: run npm run ci from the project directory`,
    );
  }
  const links: ChainLink[] = [];
  const unreadable: string[] = [];
  for (const stack of stacks) {
    try {
      const raw = decodeConfigValues(engineConfig(projectDir, stack));
      const upstream =
        typeof raw.upstream === "string" && raw.upstream !== "" ? raw.upstream : undefined;
      links.push({ environment: stack, upstream });
    } catch (error) {
      unreadable.push(error instanceof Error ? error.message : String(error));
    }
  }
  if (unreadable.length > 0) {
    throw new CiFailure(
      `the chain order cannot be read: fix the stack file first:\n  ${unreadable.join("\n  ")}`,
    );
  }
  try {
    return orderChain(links);
  } catch (error) {
    if (error instanceof ChainError) throw new CiFailure(error.message);
    throw error;
  }
}

/**
 * Whether `promotion:governance` of a stack file differs between `base` and the working tree (a
 * new file, or one git cannot show at the base, counts as edited: fail closed).
 */
export function governanceEdited(
  git: Git,
  base: string,
  projectDir: string,
  stack: string,
): boolean {
  const file = `Pulumi.${stack}.yaml`;
  const governanceOf = (text: string): string => {
    const read = readStackYaml(file, text).value as { config?: Record<string, unknown> } | null;
    const config = read?.config ?? {};
    return JSON.stringify(config["promotion:governance"] ?? null);
  };
  try {
    const before = git(["show", `${base}:${file}`]);
    const after = fs.readFileSync(path.join(projectDir, file), "utf8");
    return governanceOf(before) !== governanceOf(after);
  } catch {
    return true;
  }
}

/**
 * Which stack files feed the managing stack's GitHub governance (rules/ci/affected.ts), read as
 * the engine reads them. A stack file that cannot be read feeds nothing here: chainOrder has
 * already stopped on it.
 */
export function governanceFeedsOf(projectDir: string): GovernanceFeeds {
  const configs = listStacks(projectDir).flatMap((stack) => {
    try {
      return [{ stack, raw: decodeConfigValues(engineConfig(projectDir, stack)) }];
    } catch {
      return [];
    }
  });
  return governanceFeeds(configs);
}
