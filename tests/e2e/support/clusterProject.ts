/**
 * The cluster fixture (tests/fixtures/cluster) pointed at a test bed: a git work tree of stack
 * files (with a bare origin) where the promotion command line runs, and a copy of the program with
 * its own file backend where the real engine runs `up`, `preview` and `destroy` on those files.
 */
import * as fs from "fs";
import * as path from "path";
import type { Stack, UpResult, PreviewResult, DestroyResult } from "@pulumi/pulumi/automation";
import { parseDocument } from "yaml";
import { deployedStateOf, type DeployedState } from "../../../cli/deployed";
import { listStacks, stackFilePath } from "../../../config/stackFiles";
import { copyProject, engineStack, type EngineProject } from "../../../harness/engine";
import {
  FIXTURES_DIR,
  tempProject,
  type CliResult,
  type RunOptions,
  type TempProject,
} from "../../support/gitRepo";
import { targetedFixture, type Testbed } from "../../../harness/testbed";

export const CLUSTER_FIXTURE = path.join(FIXTURES_DIR, "cluster");

export interface ClusterProjectOptions {
  /** Changes to each stack file before the first commit (the yaml Document's config map). */
  edit?: (env: string, config: any) => void;
}

export class ClusterProject {
  /** Where people and the command line edit stack files (git, with a bare origin). */
  readonly repo: TempProject;
  /** Where the engine runs; its stack files are copied from `repo` before each run. */
  readonly engine: EngineProject;
  private readonly fixtureCopy: string;
  private readonly stacks = new Map<string, Stack>();

  constructor(testbed: Testbed, options: ClusterProjectOptions = {}) {
    this.fixtureCopy = targetedFixture(testbed, CLUSTER_FIXTURE, options.edit);
    this.repo = tempProject({ fixture: this.fixtureCopy });
    this.engine = copyProject({}, this.repo.dir);
  }

  /** The engine's copy of a stack, with the work tree's current stack files. */
  async stack(env: string): Promise<Stack> {
    for (const stack of listStacks(this.repo.dir)) {
      fs.copyFileSync(stackFilePath(this.repo.dir, stack), stackFilePath(this.engine.dir, stack));
    }
    let stack = this.stacks.get(env);
    if (!stack) {
      stack = await engineStack(this.engine, env);
      this.stacks.set(env, stack);
    }
    return stack;
  }

  /** `refresh` reads the live objects first, so that a hand edit (drift) is seen and undone. */
  async up(env: string, refresh = false): Promise<UpResult> {
    return this.retryTornCheckpoint(async () =>
      (await this.stack(env)).up({ color: "never", refresh }),
    );
  }

  async preview(env: string, refresh = false): Promise<PreviewResult> {
    return this.retryTornCheckpoint(async () =>
      (await this.stack(env)).preview({ color: "never", refresh, diff: true }),
    );
  }

  /**
   * The file backend can hand a stack's read of its own outputs (a StackReference to itself) a
   * checkpoint it is still writing: `failed to load checkpoint: EOF`, before anything changed.
   * Seen once in CI on the test bed; a person runs the command again, and so does this, twice at
   * most. Any other failure (a refusal, say) is returned as it is.
   */
  private async retryTornCheckpoint<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        if (attempt >= 3 || !/failed to load checkpoint: EOF/.test(String(error))) throw error;
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    }
  }

  async destroy(env: string): Promise<DestroyResult> {
    return (await this.stack(env)).destroy({ color: "never" });
  }

  /** A stack's outputs as plain values. */
  async outputs(env: string): Promise<Record<string, unknown>> {
    const outputs = await (await this.stack(env)).outputs();
    return Object.fromEntries(Object.entries(outputs).map(([key, o]) => [key, o.value]));
  }

  /** What each stack last deployed, as the command line reads it. */
  async deployed(): Promise<Record<string, DeployedState>> {
    const state: Record<string, DeployedState> = {};
    for (const env of listStacks(this.repo.dir)) {
      state[env] = deployedStateOf(await this.outputs(env));
    }
    return state;
  }

  /** The promotion command line in the work tree, reading the engine's deployed state. */
  async cli(argv: string[], options: RunOptions = {}): Promise<CliResult> {
    const deployed = await this.deployed();
    return this.repo.cliAsync(argv, { records: (stack) => deployed[stack], ...options });
  }

  /** Merges a promotion branch into main, as the PR's merge button does. */
  merge(branch: string): void {
    this.repo.git("checkout", "--quiet", "main");
    this.repo.git("merge", "--quiet", "--no-ff", "-m", `Merge ${branch}`, branch);
  }

  /** Merges the one branch whose name starts with `prefix` (the command line just made it). */
  mergeNewBranch(prefix: string): void {
    const branches = this.repo
      .git("branch", "--list", `${prefix}*`, "--format=%(refname:short)")
      .split("\n")
      .filter(Boolean);
    if (branches.length !== 1)
      throw new Error(`expected one branch ${prefix}*, found: ${branches.join(", ") || "none"}`);
    this.merge(branches[0]);
  }

  /** `promotion:apps.<app>.tag` of a stack file in the work tree. */
  tag(env: string, app = "dex"): string {
    const doc = parseDocument(this.repo.read(`Pulumi.${env}.yaml`));
    return String(doc.getIn(["config", "promotion:apps", app, "tag"]));
  }

  /**
   * Destroys the stacks (downstream first) so the next test file finds the test bed empty, then
   * removes the copies. A sync a test left waiting (under a sync window) would hold its
   * Application's deletion, so it is ended first. Failures here are the tests' to report.
   */
  async teardown(bed: Testbed, downstreamFirst: string[]): Promise<void> {
    for (const env of downstreamFirst) {
      const name = `dex-${env}`;
      if (bed.application(name)?.status?.operationState?.phase === "Running") {
        bed.terminateOperation(name);
      }
    }
    for (const env of downstreamFirst) await this.destroy(env).catch(() => undefined);
    this.cleanup();
  }

  cleanup(): void {
    this.repo.cleanup();
    this.engine.cleanup();
    fs.rmSync(this.fixtureCopy, { recursive: true, force: true });
  }
}
