/**
 * The promotion drill (issue #8): on a scratch clone of this checkout's HEAD, do what users do,
 * step by step, and after each step run the engine's preview of every stack (and the unit suite).
 * See tests/drill/README.md. Usage: npm run test:drill [-- --keep] [--every-step | --no-unit]
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import {
  CI_BOT,
  DrillError,
  PROMOTER,
  REVIEWER,
  Scratch,
  recordedBy,
  tail,
  type Person,
  quoted,
  type Result,
} from "./scratch";
import {
  allTags,
  chainOf,
  editStackFile,
  newEnvironmentFile,
  pinsOf,
  stackFileName,
  type Pin,
} from "./stacks";

import { engineConfig } from "../../config/stackFiles";
import { locateImage } from "../../rules/registry";
import { TestRegistry } from "../support/registry";

const CHECKOUT = path.resolve(__dirname, "..", "..");
const NEW_ENVIRONMENT = "canary";

/** A check that failed: the step goes on, the drill fails at the end. */
class CheckFailed extends Error {}

function expect(condition: boolean, message: string): void {
  if (!condition) throw new CheckFailed(message);
}

interface CheckResult {
  step: string;
  name: string;
  ok: boolean;
  message?: string;
}

/** A resource step of a preview that changes something. */
interface Change {
  op: string;
  type: string;
  /** The resource's name in the program (the URN's last part). */
  name: string;
  /** metadata.name of a Kubernetes object. */
  objectName?: string;
  /** The properties that differ. */
  diff: string[];
}

interface PromotionRecord {
  tag: string;
  from: string;
  kind: string;
  by: string;
  at: string;
  reason?: string;
}

type Outputs = {
  apps?: Record<string, { tag?: string; applicationName?: string }>;
  promotionRecords?: Record<string, PromotionRecord[]>;
};

interface PreviewResult {
  changes: Change[];
  error?: string;
}

/**
 * The resource steps of `pulumi preview --json` that change something. "read" is not one (the
 * stack references of the gate are read on every run); "discard" (a read no longer made) is.
 */
function parsePreview(result: Result): PreviewResult {
  let parsed: {
    steps?: Array<{
      op: string;
      urn: string;
      detailedDiff?: Record<string, unknown> | null;
      oldState?: { inputs?: { metadata?: { name?: string } } };
      newState?: { inputs?: { metadata?: { name?: string } } };
    }>;
    diagnostics?: Array<{ message?: string; severity?: string }>;
  } = {};
  try {
    parsed = JSON.parse(result.stdout) as typeof parsed;
  } catch {
    return {
      changes: [],
      error: `no JSON from preview (exit ${result.code}):\n${tail(result.stderr || result.stdout)}`,
    };
  }
  const changes = (parsed.steps ?? [])
    .filter((step) => step.op !== "same" && step.op !== "read")
    .map((step) => {
      const [, , qualifiedType = "", ...name] = step.urn.split("::");
      return {
        op: step.op,
        type: qualifiedType.split("$").pop() ?? qualifiedType,
        name: name.join("::"),
        objectName: (step.newState ?? step.oldState)?.inputs?.metadata?.name,
        diff: Object.keys(step.detailedDiff ?? {}),
      };
    });
  if (result.code !== 0) {
    const errors = (parsed.diagnostics ?? [])
      .filter((d) => d.severity === "error")
      .map((d) => (d.message ?? "").trim());
    return {
      changes,
      error: `preview exited ${result.code}:\n${tail(errors.join("\n") || result.stderr)}`,
    };
  }
  return { changes };
}

function describeChange(c: Change): string {
  const diff = c.diff.length > 3 ? [...c.diff.slice(0, 3), `${c.diff.length - 3} more`] : c.diff;
  return `${c.op} ${c.type} ${c.name}${diff.length ? ` [${diff.join(", ")}]` : ""}`;
}

function clock(): string {
  return new Date().toISOString().slice(11, 19);
}

function samePin(a: Pin | undefined, b: Pin | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

class Drill {
  readonly results: CheckResult[] = [];
  step = "setup";
  private stepIndex = 0;
  private pullRequests = 0;
  private readonly usedTags = new Set<string>();
  /** What the last environment pinned before the drill promoted into it (for the rollback). */
  private lastBeforePromotion: Record<string, Pin> = {};

  /**
   * The registry promote, rollback and hotfix ask for digests (docs/registry.md): a real one on
   * 127.0.0.1 standing in for the stack files' registry (PROMOTION_REGISTRY_ENDPOINTS), holding
   * every tag the drill's stack files pin, pushed with crane as CI would push builds.
   */
  registry?: TestRegistry;
  private readonly pushed = new Set<string>();

  constructor(readonly s: Scratch) {}

  /** Pushes every tag the stack files pin (and a `--tag` of the command) not pushed yet. */
  private pushBuilds(args: string[]): void {
    if (!this.registry) return;
    const images = new Set<string>();
    const wanted: [string, string][] = [];
    for (const stack of this.chain()) {
      const raw = engineConfig(this.work, stack)["promotion:apps"];
      const apps = JSON.parse(raw ?? "{}") as Record<string, { image?: string; tag?: string }>;
      for (const app of Object.values(apps)) {
        if (!app.image || !app.tag) continue;
        images.add(app.image);
        wanted.push([app.image, app.tag]);
      }
    }
    const tagAt = args.indexOf("--tag");
    if (tagAt >= 0 && args[tagAt + 1])
      for (const image of images) wanted.push([image, args[tagAt + 1]]);
    for (const [image, tag] of wanted) {
      const key = `${image}:${tag}`;
      if (this.pushed.has(key) || tag.startsWith("@")) continue;
      this.registry.push(locateImage(image).repository, tag);
      this.pushed.add(key);
    }
  }

  // ---------------------------------------------------------------------------------- checks --

  check(name: string, body: () => void): boolean {
    try {
      body();
      this.results.push({ step: this.step, name, ok: true });
      console.log(`    ok   ${name}`);
      return true;
    } catch (error) {
      if (error instanceof DrillError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      this.results.push({ step: this.step, name, ok: false, message });
      console.log(`    FAIL [${this.step}] ${name}\n${indent(message, 9)}`);
      return false;
    }
  }

  private get work(): string {
    return this.s.work;
  }

  private chain(): string[] {
    return chainOf(this.work);
  }

  private pins(stack: string): Record<string, Pin> {
    return pinsOf(this.work, stack);
  }

  /** A tag no stack file pins and the drill has not used: `sha-<hex>` as CI builds, or a release. */
  private freshTag(style: "sha" | "release"): string {
    for (;;) {
      const hex = crypto.randomBytes(4).toString("hex");
      const date = new Date().toISOString().slice(0, 10).replace(/-/g, "");
      const tag = style === "sha" ? `sha-${hex}` : `v${date}-${hex}`;
      if (!this.usedTags.has(tag) && !allTags(this.work).has(tag)) {
        this.usedTags.add(tag);
        return tag;
      }
    }
  }

  // ------------------------------------------------------------------------------- commands --

  private stackScript(args: string[], show = true): Result {
    return this.s.run(path.join(this.work, "scripts", "stack.sh"), args, { show });
  }

  /** `pulumi preview --json` of a stack through scripts/stack.sh; the changing resource steps. */
  private preview(stack: string): PreviewResult {
    return parsePreview(this.stackScript(["preview", stack, "--json"]));
  }

  private outputs(stack: string): Outputs {
    const result = this.stackScript(["output", stack], false);
    if (result.code !== 0)
      throw new DrillError(`reading ${stack}'s outputs failed:\n${tail(result.stderr)}`);
    return JSON.parse(result.stdout) as Outputs;
  }

  /**
   * Deploys a stack as the CD job does after a merge (`npm run stack -- up <stack>`). With
   * `changedApps`, first checks that the stack's preview changes exactly those apps' Applications.
   */
  private deploy(stack: string, changedApps?: string[]): Outputs {
    if (changedApps) {
      const deployed = this.outputs(stack).apps ?? {};
      const preview = this.preview(stack);
      this.check(
        `preview of ${stack} before up changes exactly the Application of ${changedApps.join(", ")}`,
        () => {
          expect(!preview.error, preview.error ?? "");
          // The Argo CD Applications by their names in the cluster, from the stack's own outputs.
          const wanted = changedApps.map((app) => deployed[app]?.applicationName ?? `(${app}?)`);
          const isWanted = (c: Change) =>
            c.op === "update" &&
            c.type === "kubernetes:argoproj.io/v1alpha1:Application" &&
            wanted.includes(c.objectName ?? "");
          const unexpected = preview.changes.filter((c) => !isWanted(c));
          const missing = wanted.filter(
            (name) => !preview.changes.some((c) => isWanted(c) && c.objectName === name),
          );
          expect(
            unexpected.length === 0 && missing.length === 0,
            [
              ...(missing.length ? [`no update of Application ${missing.join(", ")}`] : []),
              ...(unexpected.length
                ? [
                    `${unexpected.length} other change(s): ${unexpected.map(describeChange).join("; ")}`,
                  ]
                : []),
            ].join("; ") +
              `\nall changes:\n${preview.changes.map(describeChange).join("\n") || "(none)"}`,
          );
        },
      );
    }
    this.s.must("npm", ["run", "stack", "--", "up", stack], { show: true });
    return this.outputs(stack);
  }

  private expectRecord(
    outputs: Outputs,
    stack: string,
    app: string,
    want: Partial<PromotionRecord> & { tag: string; kind: string },
  ): void {
    const described = Object.entries(want)
      .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
      .join(" ");
    this.check(`${stack}'s newest record of ${app}: ${described}`, () => {
      const record = outputs.promotionRecords?.[app]?.[0] as Record<string, unknown> | undefined;
      expect(record !== undefined, `no promotionRecords.${app} in ${stack}'s outputs`);
      const wrong = Object.entries(want).filter(([key, value]) => record![key] !== value);
      expect(wrong.length === 0, `newest record is ${JSON.stringify(record)}`);
      expect(
        outputs.apps?.[app]?.tag === want.tag,
        `output apps.${app}.tag is ${JSON.stringify(outputs.apps?.[app]?.tag)}`,
      );
    });
  }

  private remoteBranches(): string[] {
    return this.s
      .git(["ls-remote", "--heads", "origin"])
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split("\trefs/heads/")[1])
      .filter((branch) => branch !== "main");
  }

  private promoteCli(args: string[], options: { json?: boolean } = {}): Result {
    this.pushBuilds(args);
    const npm = options.json ? ["run", "--silent", "promote", "--"] : ["run", "promote", "--"];
    return this.s.run("npm", [...npm, ...args], { show: true });
  }

  /**
   * Runs a promote/rollback/hotfix command that must open a pull request (printed: no gh) for a
   * change of one stack file; returns the pushed branch.
   */
  private openPullRequest(args: string[], stack: string): string {
    const before = this.remoteBranches();
    const result = this.promoteCli(args);
    if (result.code !== 0) {
      throw new DrillError(
        `\`npm run promote -- ${args.join(" ")}\` exited ${result.code}:\n${tail(result.stdout + result.stderr)}`,
      );
    }
    const pushed = this.remoteBranches().filter((b) => !before.includes(b));
    if (pushed.length !== 1) {
      throw new DrillError(
        `\`${args.join(" ")}\` pushed ${pushed.length} branches (${pushed.join(", ")}), not 1:\n${tail(result.stdout)}`,
      );
    }
    const branch = pushed[0];
    this.check(
      `${args[0]} pushed ${branch} changing only ${stackFileName(stack)}, printed the pull request, left the clone clean on main`,
      () => {
        const files = this.s.git(["diff", "--name-only", `main...origin/${branch}`]);
        expect(files === stackFileName(stack), `the branch changes: ${files || "(nothing)"}`);
        expect(
          result.stdout.includes(branch) && /pull request/i.test(result.stdout),
          `stdout does not show the pull request of ${branch}:\n${tail(result.stdout)}`,
        );
        expect(this.s.git(["branch", "--show-current"]) === "main", "not back on main");
        expect(this.s.git(["status", "--porcelain"]) === "", "the working tree is dirty");
      },
    );
    return branch;
  }

  /** Merges a pull request's branch into main as a reviewer does on GitHub, and deletes it. */
  private merge(branch: string, as: Person = REVIEWER): void {
    this.pullRequests += 1;
    this.s.git(["fetch", "--quiet", "origin"], as);
    this.s.git(
      [
        "merge",
        "--quiet",
        "--no-ff",
        "-m",
        `Merge pull request #${this.pullRequests} from ${branch}`,
        `origin/${branch}`,
      ],
      as,
    );
    this.s.git(["push", "--quiet", "origin", "main"], as);
    this.s.git(["push", "--quiet", "origin", "--delete", branch], as);
    if (this.s.git(["branch", "--list", branch]))
      this.s.git(["branch", "--quiet", "-D", branch], as);
    console.log(`    merged ${branch} into main (pull request #${this.pullRequests}), pushed`);
  }

  /** Apps whose pin (tag or exception) differs between two reads of a stack file. */
  private changedApps(before: Record<string, Pin>, after: Record<string, Pin>): string[] {
    return Object.keys(after).filter((app) => !samePin(before[app], after[app]));
  }

  // ---------------------------------------------------------------------------------- steps --

  /** CI writes a new build's tag into the first environment's stack file on main, then CD deploys it. */
  ciBump(): void {
    const first = this.chain()[0];
    const file = stackFileName(first);
    const app = Object.keys(this.pins(first))[0];
    const tag = this.freshTag("sha");
    editStackFile(this.work, first, ["promotion:apps", app, "tag"], tag);
    this.s.git(
      ["commit", "--quiet", "-m", `ci: bump ${first} to ${tag} [skip ci]`, "--", file],
      CI_BOT,
    );
    this.s.git(["push", "--quiet", "origin", "main"], CI_BOT);
    console.log(`    CI committed ${app} ${tag} to ${file} on main, pushed`);
    this.check(`the CI commit changes one line of ${file} only`, () => {
      const numstat = this.s.git(["show", "--numstat", "--format=", "HEAD"]);
      expect(numstat === `1\t1\t${file}`, `git show --numstat HEAD: ${numstat}`);
    });
    const outputs = this.deploy(first, [app]);
    this.expectRecord(outputs, first, app, {
      tag,
      kind: "promotion",
      from: "ci",
      by: recordedBy(CI_BOT),
    });
  }

  /** `promote --from <from> --to <to>`, review and merge, then CD deploys <to>. */
  promote(from: string, to: string): void {
    const source = this.pins(from);
    const before = this.pins(to);
    const moving = Object.keys(before).filter(
      (app) => source[app] && !samePin(before[app], { tag: source[app].tag }),
    );
    if (moving.length === 0)
      throw new DrillError(
        `${to} already runs what ${from} runs: the drill has nothing to promote`,
      );
    const args = ["promote", "--from", from, "--to", to];
    // Replacing a hotfix in force is a decision: the command refuses it until the user confirms
    // why it is safe now (docs/cli.md), and the pull request carries that reason.
    const hotfixed = moving.filter((app) => before[app].bypass?.kind === "hotfix");
    if (hotfixed.length > 0) {
      const refused = this.promoteCli(args);
      this.check(`promote ${from} -> ${to} over a hotfix is refused until confirmed`, () => {
        expect(
          refused.code === 1,
          `exit ${refused.code}:\n${tail(refused.stdout + refused.stderr)}`,
        );
        expect(/--confirm/.test(refused.stderr), `stderr:\n${tail(refused.stderr)}`);
      });
      args.push("--confirm", "drill: the new build carries the hotfix's fix");
    }
    const branch = this.openPullRequest(args, to);
    this.merge(branch);
    const after = this.pins(to);
    this.check(
      `${stackFileName(to)} pins what ${from} runs (${moving.map((a) => `${a} ${source[a].tag}`).join(", ")}), no exception`,
      () => {
        for (const app of moving)
          expect(
            samePin(after[app], { tag: source[app].tag }),
            `${app}: ${JSON.stringify(after[app])}`,
          );
      },
    );
    const outputs = this.deploy(to, this.changedApps(before, after));
    for (const app of moving) {
      this.expectRecord(outputs, to, app, {
        tag: source[app].tag,
        kind: "promotion",
        from,
        by: recordedBy(PROMOTER),
      });
    }
  }

  step0Initial(): void {
    for (const [index, stack] of this.chain().entries()) {
      // A stack without state is gated like a promotion (issue #20): on a fresh backend, what the
      // stack files pin is taken through a reviewed first deployment (`promote initial`), merged.
      if (index > 0) {
        const branch = this.openPullRequest(
          ["initial", "--env", stack, "--reason", "a fresh backend: the drill's first deployment"],
          stack,
        );
        this.merge(branch);
      }
      const outputs = this.deploy(stack);
      for (const [app, pin] of Object.entries(this.pins(stack))) {
        this.expectRecord(outputs, stack, app, { tag: pin.tag, kind: "initial", from: stack });
      }
    }
  }

  step2PromoteFirst(): void {
    const [from, to] = this.chain();
    this.promote(from, to);
    const branches = this.remoteBranches();
    const again = this.promoteCli(["promote", "--from", from, "--to", to]);
    this.check(`promote ${from} -> ${to} again: exit 0, nothing to do, no branch`, () => {
      expect(again.code === 0, `exit ${again.code}:\n${tail(again.stdout + again.stderr)}`);
      expect(/nothing to do/i.test(again.stdout), `stdout:\n${tail(again.stdout)}`);
      expect(
        JSON.stringify(this.remoteBranches()) === JSON.stringify(branches),
        "a branch was pushed",
      );
    });
  }

  step3PromoteToLast(): void {
    const chain = this.chain();
    this.lastBeforePromotion = this.pins(chain[chain.length - 1]);
    for (let i = 1; i + 1 < chain.length; i++) this.promote(chain[i], chain[i + 1]);
  }

  step4Rollback(): void {
    const chain = this.chain();
    const last = chain[chain.length - 1];
    const before = this.pins(last);
    const rolled = this.changedApps(this.lastBeforePromotion, before);
    const reason = `drill: ${rolled.map((a) => `${a} ${before[a].tag}`).join(", ")} breaks logins`;
    const branch = this.openPullRequest(["rollback", "--env", last, "--reason", reason], last);
    this.merge(branch);
    const after = this.pins(last);
    this.check(
      `${stackFileName(last)} pins what ${last} ran before (${rolled.map((a) => `${a} ${this.lastBeforePromotion[a].tag}`).join(", ")}) as a rollback`,
      () => {
        for (const app of rolled) {
          expect(
            samePin(after[app], {
              tag: this.lastBeforePromotion[app].tag,
              bypass: { kind: "rollback", tag: this.lastBeforePromotion[app].tag, reason },
            }),
            `${app}: ${JSON.stringify(after[app])}`,
          );
        }
      },
    );
    const outputs = this.deploy(last, this.changedApps(before, after));
    for (const app of rolled) {
      this.expectRecord(outputs, last, app, {
        tag: this.lastBeforePromotion[app].tag,
        kind: "rollback",
        from: last,
        reason,
      });
    }
  }

  step5Hotfix(): void {
    const chain = this.chain();
    const last = chain[chain.length - 1];
    const before = this.pins(last);
    const app = Object.keys(before)[0];
    const tag = this.freshTag("release");
    const reason = `drill: CVE fix for ${app} that cannot wait for the chain`;
    const branch = this.openPullRequest(
      ["hotfix", "--env", last, "--app", app, "--tag", tag, "--reason", reason],
      last,
    );
    this.merge(branch);
    const after = this.pins(last);
    this.check(`${stackFileName(last)} pins ${app} ${tag} as a hotfix`, () => {
      expect(
        samePin(after[app], { tag, bypass: { kind: "hotfix", tag, reason } }),
        `${app}: ${JSON.stringify(after[app])}`,
      );
    });
    const outputs = this.deploy(last, this.changedApps(before, after));
    this.expectRecord(outputs, last, app, { tag, kind: "hotfix", from: last, reason });
  }

  /** docs/promotion.md, "Adding a canary": one new stack file and prod's upstream, in one change. */
  step6AddEnvironment(): void {
    const chain = this.chain();
    const last = chain[chain.length - 1];
    const upstream = chain[chain.length - 2];
    const name = NEW_ENVIRONMENT;
    if (chain.includes(name))
      throw new DrillError(`the chain already has ${name}: ${chain.join(" -> ")}`);
    const lastRecords = this.outputs(last).promotionRecords;
    const branch = `add-${name}`;
    this.s.git(["checkout", "--quiet", "-b", branch]);
    fs.writeFileSync(
      path.join(this.work, stackFileName(name)),
      newEnvironmentFile(this.work, name, upstream, "1h"),
    );
    editStackFile(this.work, last, ["promotion:upstream"], name);
    this.s.git(["add", stackFileName(name), stackFileName(last)]);
    this.s.git([
      "commit",
      "--quiet",
      "-m",
      `Add ${name} between ${upstream} and ${last}: ${last} takes only what ${name} ran first`,
    ]);
    this.s.git(["push", "--quiet", "origin", branch]);
    this.s.git(["checkout", "--quiet", "main"]);
    console.log(`    committed ${stackFileName(name)} and ${last}'s upstream on ${branch}, pushed`);
    this.merge(branch);
    const expected = [...chain.slice(0, -1), name, last];
    this.check(`the chain is ${expected.join(" -> ")}`, () => {
      const now = this.chain();
      expect(JSON.stringify(now) === JSON.stringify(expected), `chain: ${now.join(" -> ")}`);
    });
    // The order docs/promotion.md asks for (the new stack before its downstream's next run),
    // missed: the run must fail, change nothing, and name the command that fixes it.
    const early = this.preview(last);
    this.check(
      `preview of ${last} before ${name} is deployed fails, naming \`npm run stack -- up ${name}\``,
      () => {
        expect(early.error !== undefined, "the preview succeeded");
        expect(
          early.error!.includes(`npm run stack -- up ${name}`),
          `the failure does not name the command:\n${early.error}`,
        );
      },
    );
    // The new stack has no state: its first deployment is gated like a promotion from upstream.
    const outputs = this.deploy(name);
    for (const [app, pin] of Object.entries(this.pins(name))) {
      this.expectRecord(outputs, name, app, { tag: pin.tag, kind: "promotion", from: upstream });
    }
    const lastOutputs = this.deploy(last);
    this.check(`${last} keeps its records when it moves behind ${name}`, () => {
      expect(
        JSON.stringify(lastOutputs.promotionRecords) === JSON.stringify(lastRecords),
        `before: ${JSON.stringify(lastRecords)}\nafter: ${JSON.stringify(lastOutputs.promotionRecords)}`,
      );
    });
    const branches = this.remoteBranches();
    const skip = this.promoteCli(["promote", "--from", upstream, "--to", last]);
    this.check(
      `promote ${upstream} -> ${last} is refused now (it would skip ${name}), no branch`,
      () => {
        expect(skip.code === 1, `exit ${skip.code}:\n${tail(skip.stdout + skip.stderr)}`);
        expect(
          (skip.stdout + skip.stderr).includes(name),
          `the refusal does not name ${name}:\n${tail(skip.stdout + skip.stderr)}`,
        );
        expect(
          JSON.stringify(this.remoteBranches()) === JSON.stringify(branches),
          "a branch was pushed",
        );
      },
    );
  }

  /** A new build through every environment, the new one included; ends the hotfix exception. */
  step7ThroughTheChain(): void {
    this.ciBump();
    const chain = this.chain();
    for (let i = 0; i + 1 < chain.length; i++) this.promote(chain[i], chain[i + 1]);
    const first = this.pins(chain[0]);
    this.check(`every environment pins what ${chain[0]} runs, with no exception`, () => {
      for (const stack of chain) {
        const pins = this.pins(stack);
        for (const app of Object.keys(pins).filter((a) => first[a])) {
          expect(
            samePin(pins[app], { tag: first[app].tag }),
            `${stack} ${app}: ${JSON.stringify(pins[app])}`,
          );
        }
      }
    });
  }

  // ---------------------------------------------------------------------- after every step --

  /**
   * The checks after every step. The unit suite runs alongside the previews and `status` (two
   * processes on two cores): the drill's longest part (about 4 min), so it runs after the steps
   * that change the stack files in a new way (`unitSuite`), or after every step with --every-step.
   */
  async afterStep(unitSuite: boolean): Promise<void> {
    this.check("the clone is clean, on main, and main is what origin has", () => {
      const status = this.s.git(["status", "--porcelain"]);
      expect(status === "", `git status --porcelain:\n${status}`);
      expect(this.s.git(["branch", "--show-current"]) === "main", "not on main");
      this.s.git(["fetch", "--quiet", "origin"]);
      expect(
        this.s.git(["rev-parse", "main"]) === this.s.git(["rev-parse", "origin/main"]),
        "main and origin/main differ",
      );
    });
    const report = path.join(this.s.logs, `${this.stepIndex}-mocha.json`);
    const mocha = ["mocha", "--reporter", "json", "--reporter-option", `output=${report}`];
    if (unitSuite) {
      console.log(`    $ npx ${mocha.join(" ")} (started; runs alongside the previews)`);
    }
    const unit = unitSuite ? this.s.start("npx", mocha, { env: this.s.unitEnv() }) : undefined;
    const chain = this.chain();
    const stackSh = path.join(this.work, "scripts", "stack.sh");
    for (const stack of chain) {
      const preview = parsePreview(await this.shown(stackSh, ["preview", stack, "--json"]));
      this.check(`preview of ${stack} shows no changes`, () => {
        expect(!preview.error, preview.error ?? "");
        expect(preview.changes.length === 0, preview.changes.map(describeChange).join("\n"));
      });
    }
    this.checkStatus(
      chain,
      await this.shown("npm", ["run", "--silent", "promote", "--", "status", "--json"]),
    );
    if (unit) this.checkUnitSuite(report, await this.shown("npx", mocha, unit));
    this.check("the clone is still clean after the previews and the unit suite", () => {
      const status = this.s.git(["status", "--porcelain"]);
      expect(status === "", `git status --porcelain:\n${status}`);
    });
  }

  /** Runs a command in the background (or waits for one started), then prints it with its time. */
  private async shown(command: string, args: string[], running?: Promise<Result>): Promise<Result> {
    const result = await (running ?? this.s.start(command, args));
    const code = result.code === 0 ? "" : `, exit ${result.code}`;
    console.log(`    $ ${quoted(command, args).join(" ")} (${result.seconds.toFixed(1)}s${code})`);
    return result;
  }

  private checkStatus(chain: string[], result: Result): void {
    this.check(
      "status --json reads every stack's records; tags and last records match the stack files",
      () => {
        expect(result.code === 0, `exit ${result.code}:\n${tail(result.stdout + result.stderr)}`);
        const status = JSON.parse(result.stdout) as {
          chain: string[];
          recordsUnavailable: string | null;
          rows: Array<{
            environment: string;
            app: string;
            tag: string;
            lastRecord?: { tag?: string };
          }>;
        };
        expect(
          JSON.stringify(status.chain) === JSON.stringify(chain),
          `chain ${JSON.stringify(status.chain)}`,
        );
        expect(
          status.recordsUnavailable === null,
          `recordsUnavailable: ${status.recordsUnavailable}`,
        );
        for (const stack of chain) {
          for (const [app, pin] of Object.entries(this.pins(stack))) {
            const row = status.rows.find((r) => r.environment === stack && r.app === app);
            expect(
              row?.tag === pin.tag,
              `${stack} ${app}: row ${JSON.stringify(row)}, file ${pin.tag}`,
            );
            expect(
              row?.lastRecord?.tag === pin.tag,
              `${stack} ${app}: last record ${JSON.stringify(row?.lastRecord)}, file ${pin.tag}`,
            );
          }
        }
      },
    );
  }

  private checkUnitSuite(report: string, result: Result): void {
    this.check("unit suite (npx mocha, .mocharc.json)", () => {
      expect(
        fs.existsSync(report),
        `mocha wrote no report (exit ${result.code}):\n${tail(result.stderr || result.stdout)}`,
      );
      const json = JSON.parse(fs.readFileSync(report, "utf8")) as {
        stats: { passes: number; failures: number };
        failures: Array<{ fullTitle: string; err: { message?: string; stack?: string } }>;
      };
      const { passes, failures } = json.stats;
      const titles = json.failures.slice(0, 12).map((f) => {
        const [first = "", ...rest] = (f.err.message ?? "").split("\n");
        // Where it failed (the first frame in the clone's tests/), and the lines of an assert diff.
        const frame = /(tests\/[^\s:)]+:\d+)/.exec(f.err.stack ?? "")?.[1];
        const diff = rest.filter((l) => /^[+-] /.test(l.trim()) && !/actual - expected/.test(l));
        return [
          `${f.fullTitle}${frame ? ` (${frame})` : ""}: ${first}`,
          ...diff.slice(0, 4).map((l) => `    ${l.trim()}`),
        ].join("\n");
      });
      expect(
        result.code === 0 && failures === 0 && passes > 0,
        `${passes} passing, ${failures} failing (exit ${result.code})${titles.length ? `:\n${titles.join("\n")}` : ""}${failures > titles.length ? "\n..." : ""}`,
      );
    });
  }

  // -------------------------------------------------------------------------------- driver --

  /** Runs one step and the checks after it; false when an action failed and the drill stops. */
  async runStep(
    index: number,
    name: string,
    body: () => void,
    unitSuite: boolean,
  ): Promise<boolean> {
    this.step = `step ${index} ${name}`;
    this.stepIndex = index;
    this.s.logTo(`${index}-${name.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}`);
    console.log(`\n== [${clock()}] ${this.step}`);
    const started = Date.now();
    let aborted = false;
    try {
      body();
      await this.afterStep(unitSuite);
    } catch (error) {
      // A command that failed says why; anything else is shown with where it happened.
      const message =
        error instanceof DrillError
          ? error.message
          : error instanceof Error
            ? (error.stack ?? error.message)
            : String(error);
      this.results.push({ step: this.step, name: "the step's actions", ok: false, message });
      console.log(`    FAIL [${this.step}] the step's actions\n${indent(message, 9)}`);
      aborted = true;
    }
    const mine = this.results.filter((r) => r.step === this.step);
    const failed = mine.filter((r) => !r.ok).length;
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    const verdict = failed === 0 ? "ok" : `FAIL (${failed} of ${mine.length} checks)`;
    console.log(
      `-- ${this.step}: ${verdict} in ${seconds}s${aborted ? "; the drill stops here" : ""}`,
    );
    this.stepLines.push(`${this.step.padEnd(40)} ${verdict.padEnd(22)} ${seconds.padStart(5)}s`);
    return !aborted;
  }

  readonly stepLines: string[] = [];

  /** Failed checks grouped by name: which steps each failed in, and its first message. */
  failureSummary(): string[] {
    const groups = new Map<string, { steps: string[]; message: string }>();
    for (const r of this.results.filter((result) => !result.ok)) {
      const group = groups.get(r.name) ?? { steps: [], message: r.message ?? "" };
      group.steps.push(/^step (\d+)/.exec(r.step)?.[1] ?? r.step);
      groups.set(r.name, group);
    }
    return [...groups].map(([name, { steps, message }]) => {
      const first = message.split("\n").find((line) => line.trim() !== "") ?? "";
      return `FAIL in ${steps.length > 1 ? "steps" : "step"} ${steps.join(",")}: ${name}\n      ${first.trim()}`;
    });
  }
}

function indent(text: string, width: number): string {
  return text
    .split("\n")
    .map((line) => " ".repeat(width) + line)
    .join("\n");
}

/** HEAD and `git status` of the checkout, read without taking the index lock (no write). */
function checkoutState(s: Scratch): string {
  return [
    s.git(["rev-parse", "HEAD"], PROMOTER, CHECKOUT),
    s.git(
      ["--no-optional-locks", "status", "--porcelain", "--untracked-files=all"],
      PROMOTER,
      CHECKOUT,
    ),
  ].join("\n");
}

/** Clones the checkout and provides the toolchain; false (recorded) if that fails. */
function setUp(s: Scratch, drill: Drill, checkoutBefore: string): boolean {
  s.logTo("setup");
  try {
    const commit = s.cloneCheckout();
    console.log(
      `cloned ${CHECKOUT} at ${commit.slice(0, 12)} (committed files only) with a bare origin`,
    );
    if (checkoutBefore.trim().includes("\n")) {
      console.log(
        "note: the checkout has uncommitted changes; the drill runs on its last commit without them",
      );
    }
    const toolchain = s.must(path.join(s.work, "scripts", "toolchain.sh"), [], { show: true });
    console.log(`toolchain: ${toolchain.stdout.trim().split("\n").pop()}`);
    console.log(`chain: ${chainOf(s.work).join(" -> ")}`);
    return true;
  } catch (error) {
    if (!(error instanceof DrillError)) throw error;
    drill.results.push({
      step: "setup",
      name: "scratch clone and toolchain",
      ok: false,
      message: error.message,
    });
    console.log(`FAIL [setup]\n${indent(error.message, 9)}`);
    return false;
  }
}

async function main(argv: string[]): Promise<number> {
  const keep = argv.includes("--keep");
  const everyStep = argv.includes("--every-step");
  // The steps and their checks without the unit suite: a quick local check of the promotion path
  // (CI runs the drill without it).
  const noUnit = argv.includes("--no-unit");
  const unknown = argv.filter((a) => !["--keep", "--every-step", "--no-unit"].includes(a));
  if (unknown.length > 0) {
    console.error(
      `usage: npm run test:drill [-- --keep] [--every-step | --no-unit]; unknown: ${unknown.join(" ")}`,
    );
    return 2;
  }
  const started = Date.now();
  const s = new Scratch(CHECKOUT);
  const checkoutBefore = checkoutState(s);
  const drill = new Drill(s);
  console.log(`promotion drill: scratch ${s.root}`);
  const registry = TestRegistry.start();
  drill.registry = registry;
  s.setEnv("PROMOTION_REGISTRY_ENDPOINTS", `ghcr.io=http://${registry.host}`);
  console.log(`promotion drill: registry ${registry.host} (stands in for ghcr.io)`);
  let ok = setUp(s, drill, checkoutBefore);
  const chain = ok ? chainOf(s.work) : ["dev", "stage", "prod"];
  const [first, second] = chain;
  const last = chain[chain.length - 1];
  // The third field: whether the unit suite runs after the step. Not after step 0, which changes
  // no stack file (only the backend, which the unit suite never reads), nor after step 3, the same
  // kind of edit as step 2 on the environments after it, which steps 4, 5 and 7 edit again with
  // the suite after them. --every-step runs it after all eight.
  const steps: Array<[string, () => void, boolean]> = [
    ["up every stack in chain order", () => drill.step0Initial(), false],
    [`CI bumps ${first}`, () => drill.ciBump(), true],
    [`promote ${first} -> ${second}`, () => drill.step2PromoteFirst(), true],
    [`promote ${chain.slice(1).join(" -> ")}`, () => drill.step3PromoteToLast(), false],
    [`rollback ${last}`, () => drill.step4Rollback(), true],
    [`hotfix ${last}`, () => drill.step5Hotfix(), true],
    [`add ${NEW_ENVIRONMENT} before ${last}`, () => drill.step6AddEnvironment(), true],
    [`a new build through the chain`, () => drill.step7ThroughTheChain(), true],
  ];
  for (const [index, [name, body, unitSuite]] of steps.entries()) {
    if (ok) ok = await drill.runStep(index, name, body, !noUnit && (unitSuite || everyStep));
    else drill.stepLines.push(`step ${index} ${name}`.padEnd(40) + " not run");
  }
  drill.step = "end";
  drill.check("the checkout is untouched (same HEAD, same git status)", () => {
    const after = checkoutState(s);
    expect(after === checkoutBefore, `before:\n${checkoutBefore}\nafter:\n${after}`);
  });

  registry.stop();
  const passed = drill.results.filter((r) => r.ok).length;
  const failed = drill.results.filter((r) => !r.ok).length;
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  console.log(`\n== promotion drill summary (${minutes} min)`);
  for (const line of drill.stepLines) console.log(`  ${line}`);
  for (const line of drill.failureSummary()) console.log(`  ${line}`);
  if (failed === 0 && !keep) {
    s.remove();
  } else {
    console.log(`scratch kept: ${s.root} (logs in ${s.logs})`);
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
