/**
 * The real engine for integration tests: the toolchain built from Go modules, a throwaway copy of
 * the project (so the engine's writes, such as a stack's encryption salt, never touch the repo),
 * and a local file backend with the passphrase secrets provider.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { parseAllDocuments } from "yaml";
import { listStacks, stackFilePath } from "../config/stackFiles";
import { PROJECT_DIR } from "./program";

// boot/build.js is plain JavaScript (it runs before anything is compiled).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureBuilt, OUT_DIR: BUILD_DIR } = require("../boot/build") as {
  ensureBuilt: (root: string) => unknown;
  OUT_DIR: string;
};

/** Files and folders of the program that a project copy needs; tests, docs and state stay out. */
export const PROGRAM_ENTRIES = [
  "Pulumi.yaml",
  "package.json",
  "tsconfig.json",
  "boot",
  "index.ts",
  "model",
  "config",
  "rules",
  "manifests",
  "adapters",
  "preflight",
  "components",
];

let binDir: string | undefined;

/**
 * The directory holding pulumi, its language host and providers. A missing toolchain is a
 * failure with the script's own reason, never a skipped test.
 */
export function toolchainBin(): string {
  if (binDir) return binDir;
  try {
    const out = execFileSync(path.join(PROJECT_DIR, "scripts", "toolchain.sh"), {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      maxBuffer: 16 * 1024 * 1024,
    });
    binDir = out.trim().split("\n").pop()!;
  } catch (error) {
    throw new Error(
      `The Pulumi toolchain is not available, so the engine cannot run: scripts/toolchain.sh failed (${String(error)}). See docs/toolchain.md.`,
    );
  }
  return binDir;
}

/**
 * The CrossGuard policy pack (policy/, docs/policy.md), for `--policy-pack`: the engine runs it in
 * place, with its own node_modules. Missing dependencies are a failure that says what to run.
 */
export function policyPackDir(): string {
  const dir = path.join(PROJECT_DIR, "policy");
  if (!fs.existsSync(path.join(dir, "node_modules", "@pulumi", "policy"))) {
    throw new Error(
      `The policy pack's dependencies are not installed: run 'npm ci --prefix policy' (${dir}).`,
    );
  }
  return dir;
}

export interface EngineProject {
  /** The project copy the engine runs in. */
  dir: string;
  /** The file backend's directory. */
  backend: string;
  envVars: Record<string, string>;
  cleanup(): void;
}

/**
 * A fresh copy of the project with its own empty file backend. The stack files are those of
 * `stackFilesFrom` (the real ones at the repository root unless a fixture project is named),
 * then `stackFiles` (file name to text) written over them.
 */
export function copyProject(
  stackFiles: Record<string, string> = {},
  stackFilesFrom: string = PROJECT_DIR,
): EngineProject {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "promotion-engine-"));
  const dir = path.join(root, "project");
  const backend = path.join(root, "state");
  fs.mkdirSync(dir);
  fs.mkdirSync(backend);
  // The program's JavaScript (boot/build.js), built once here and copied with the sources, their
  // times kept, so a copy does not transpile again (it would if a source were newer: never stale).
  ensureBuilt(PROJECT_DIR);
  for (const entry of [...PROGRAM_ENTRIES, BUILD_DIR]) {
    fs.cpSync(path.join(PROJECT_DIR, entry), path.join(dir, entry), {
      recursive: true,
      preserveTimestamps: true,
    });
  }
  for (const stack of listStacks(stackFilesFrom)) {
    fs.copyFileSync(stackFilePath(stackFilesFrom, stack), stackFilePath(dir, stack));
  }
  for (const [file, text] of Object.entries(stackFiles))
    fs.writeFileSync(path.join(dir, file), text);
  fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"));
  const bin = toolchainBin();
  const envVars: Record<string, string> = {
    PATH: `${bin}:${process.env.PATH ?? ""}`,
    PULUMI_BACKEND_URL: `file://${backend}`,
    PULUMI_CONFIG_PASSPHRASE: "integration-test",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    // toolchain.sh registered the providers in the plugin cache; ignoring the copies on PATH keeps
    // the engine from warning "using pulumi-resource-... from $PATH" on every run.
    PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
    // An anonymous GitHub provider makes no network call during preview.
    GITHUB_TOKEN: "",
    GITHUB_OWNER: "",
  };
  return {
    dir,
    backend,
    envVars,
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

/** Creates (or selects) a stack of the project copy, driven by the toolchain's CLI. */
export async function engineStack(project: EngineProject, stackName: string): Promise<Stack> {
  const pulumiCommand = await PulumiCommand.get({ root: path.dirname(toolchainBin()) });
  const workspace = await LocalWorkspace.create({
    workDir: project.dir,
    envVars: project.envVars,
    pulumiCommand,
  });
  return (await workspace.listStacks()).some((s) => s.name === stackName)
    ? await Stack.select(stackName, workspace)
    : await Stack.create(stackName, workspace);
}

/** Every YAML document render mode wrote for a stack of the project copy. */
export function renderedManifests(
  project: EngineProject,
  stack: string,
): Array<Record<string, any>> {
  const root = path.join(project.dir, "rendered", stack);
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(entry.name)) files.push(full);
    }
  };
  if (fs.existsSync(root)) walk(root);
  return files.flatMap((file) =>
    parseAllDocuments(fs.readFileSync(file, "utf8"))
      .map((doc) => doc.toJSON() as Record<string, any>)
      .filter((doc) => doc !== null),
  );
}
