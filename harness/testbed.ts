/**
 * The test bed (scripts/testbed.sh) as the end-to-end tests and the latency benchmark use it: one real kube-apiserver with
 * Argo CD, started in a directory of its own on free ports, read with its own kubectl, stopped by
 * PID. A test bed that cannot start is a failed run that says why, never a skipped test.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseDocument } from "yaml";
import { kubeGet } from "../adapters/kubeApi";
import { listStacks, stackFilePath } from "../config/stackFiles";
import { PROJECT_DIR } from "./program";

const SCRIPT = path.join(PROJECT_DIR, "scripts", "testbed.sh");

/** Values `testbed.sh up` wrote into the run directory's ports.env. */
function readPorts(dir: string): Record<string, string> {
  const text = fs.readFileSync(path.join(dir, "ports.env"), "utf8");
  return Object.fromEntries(
    text
      .split("\n")
      .filter((line) => line.includes("="))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
}

export class Testbed {
  readonly kubeconfig: string;
  /** `git://127.0.0.1:<port>/dex.git`: the GitOps repository Argo CD reads. */
  readonly gitUrl: string;
  /** The bare repository behind gitUrl (push to it by path). */
  readonly gitDir: string;
  /** kubectl, etcd, kube-apiserver, argocd, ... built by scripts/testbed-build.sh. */
  readonly bin: string;

  private constructor(readonly dir: string) {
    const ports = readPorts(dir);
    this.kubeconfig = path.join(dir, "kubeconfig");
    this.gitUrl = ports.TESTBED_GIT_URL;
    this.gitDir = ports.TESTBED_GIT_DIR;
    this.bin = ports.TESTBED_BIN;
  }

  /**
   * Starts a test bed in a fresh directory; throws with the script's reason when it cannot.
   * `env` reaches the script (PROMOTION_TESTBED_RECONCILIATION, say).
   */
  static start(env: Record<string, string> = {}): Testbed {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "promotion-testbed-"));
    const result = spawnSync(SCRIPT, ["up", "--dir", dir], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    if (result.status !== 0) {
      throw new Error(
        `The test bed did not start, so the end-to-end tests cannot run (scripts/testbed.sh up --dir ${dir} exited ${result.status}):\n${result.stderr}\nBuild it with: npm run testbed -- build (docs/testbed.md).`,
      );
    }
    return new Testbed(dir);
  }

  /** testbed.sh with this test bed's directory. */
  script(...args: string[]): string {
    return execFileSync(SCRIPT, [...args, "--dir", this.dir], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  }

  /** Stops one component by its PID (fault tests). */
  stopComponent(name: string): void {
    this.script("stop", name);
  }

  /** Starts a stopped component again with its original command line. */
  startComponent(name: string): void {
    this.script("start", name);
  }

  /** The PID of a running component. */
  pid(name: string): number {
    return Number(fs.readFileSync(path.join(this.dir, "pids", `${name}.pid`), "utf8").trim());
  }

  kubectl(args: string[], input?: string): string {
    return execFileSync(
      path.join(this.bin, "kubectl"),
      ["--kubeconfig", this.kubeconfig, ...args],
      {
        encoding: "utf8",
        input,
        stdio: ["pipe", "pipe", "pipe"],
        maxBuffer: 64 * 1024 * 1024,
      },
    );
  }

  /** An object as JSON, or undefined when it does not exist. */
  get(kind: string, name: string, namespace?: string): Record<string, any> | undefined {
    const args = ["get", kind, name, "-o", "json", "--ignore-not-found"];
    if (namespace) args.push("-n", namespace);
    const out = this.kubectl(args).trim();
    return out ? (JSON.parse(out) as Record<string, any>) : undefined;
  }

  /**
   * GET on the API server through the program's own reader (adapters/kubeApi.ts), without a
   * kubectl process per call (for timing: a poll costs milliseconds). Undefined on 404.
   */
  async api(urlPath: string): Promise<Record<string, any> | undefined> {
    const answer = await kubeGet({ mode: "cluster", kubeconfig: this.kubeconfig }, urlPath);
    if ("unreadable" in answer) throw new Error(answer.unreadable);
    return answer.found ? (answer.object as Record<string, any>) : undefined;
  }

  /** Every object of a kind in a namespace. */
  list(kind: string, namespace: string): Array<Record<string, any>> {
    return JSON.parse(this.kubectl(["get", kind, "-n", namespace, "-o", "json"])).items;
  }

  /** Argo CD's Application (in the argocd namespace). */
  application(name: string): Record<string, any> | undefined {
    return this.get("applications.argoproj.io", name, "argocd");
  }

  /** A merge patch on an object. */
  patch(kind: string, name: string, namespace: string, patch: unknown): void {
    this.kubectl([
      "patch",
      kind,
      name,
      "-n",
      namespace,
      "--type=merge",
      "-p",
      JSON.stringify(patch),
    ]);
  }

  /**
   * Syncs an Application by hand, as `argocd app sync` does: it sets the Application's `operation`
   * (there is no argocd-server here; the application-controller runs what that field asks).
   */
  syncByHand(application: string): void {
    this.patch("applications.argoproj.io", application, "argocd", {
      operation: {
        initiatedBy: { username: "e2e-operator" },
        sync: { syncStrategy: { hook: {} } },
      },
    });
  }

  /**
   * Ends a running sync operation, as `argocd app terminate-op` does (a sync blocked by a sync
   * window waits in phase Running, and an Application cannot be deleted while it waits).
   */
  terminateOperation(application: string): void {
    this.patch("applications.argoproj.io", application, "argocd", {
      status: { operationState: { phase: "Terminating" } },
    });
  }

  /** Asks Argo CD to refresh an Application now (after a git push), as the UI's Refresh does. */
  refresh(application: string): void {
    this.kubectl([
      "annotate",
      "applications.argoproj.io",
      application,
      "-n",
      "argocd",
      "--overwrite",
      "argocd.argoproj.io/refresh=normal",
    ]);
  }

  /** Stops every process; the directory (logs) is kept when `keep` is set, else removed. */
  down(keep: boolean): void {
    try {
      this.script("down");
    } finally {
      if (!keep) fs.rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** Polls `probe` until it returns a value other than undefined/false, or fails naming `what`. */
export async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  describe: () => string = () => "",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = describe();
      throw new Error(
        `timed out after ${timeoutMs / 1000}s waiting for ${what}` +
          (detail ? `; last seen: ${detail}` : "") +
          (lastError
            ? `; last error: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)}`
            : ""),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * A copy of a fixture project (Pulumi.yaml and stack files) whose stack files target the test bed:
 * its kubeconfig, and its git daemon as every app's source and the only allowed repository.
 * `edit` may change each stack file's `config` map (a yaml Document node) before it is written.
 */
export function targetedFixture(
  testbed: Testbed,
  fixtureDir: string,
  edit: (env: string, config: any) => void = () => undefined,
): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cluster-fixture-"));
  fs.copyFileSync(path.join(fixtureDir, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  for (const env of listStacks(fixtureDir)) {
    const file = stackFilePath(fixtureDir, env);
    const doc = parseDocument(fs.readFileSync(file, "utf8"));
    doc.setIn(["config", "promotion:kubeconfig"], testbed.kubeconfig);
    doc.setIn(["config", "promotion:sourceRepos"], doc.createNode([testbed.gitUrl]));
    const apps = (doc.getIn(["config", "promotion:apps"]) as { toJSON(): object }).toJSON();
    for (const app of Object.keys(apps)) {
      doc.setIn(["config", "promotion:apps", app, "source", "repoURL"], testbed.gitUrl);
    }
    edit(env, doc.get("config"));
    fs.writeFileSync(path.join(dir, path.basename(file)), doc.toString());
  }
  return dir;
}
