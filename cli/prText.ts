/**
 * The pull request a change opens: title and body with the review checklist. The checklists are
 * the ones of the promotion workflow (seed 000): a short one for environments before the last,
 * the production one for the last environment of the chain, and one each for the exceptions.
 */
import type { EnvironmentConfig, SyncWindowConfig } from "../model/environment";
import type { ChangePlan } from "./plan/change";
import { describeRisk } from "./plan/confirm";
import { applicationNameFor } from "../manifests/argocd";
import { stackFileName } from "../rules/names";

export interface PrContext {
  /** The environments in chain order. */
  order: string[];
  /** The environment the plan changes. */
  target: EnvironmentConfig;
  /** The command line that made the plan, for the footer. */
  command: string;
}

export interface PrText {
  title: string;
  body: string;
}

function code(text: string): string {
  return `\`${text}\``;
}

function applications(plan: ChangePlan): string {
  return plan.changes.map((c) => code(applicationNameFor(c.app, plan.env))).join(", ");
}

function window(w: SyncWindowConfig): string {
  return `${w.kind} ${code(w.schedule)} for ${w.duration}${w.timeZone ? `, ${w.timeZone}` : ""}`;
}

function table(plan: ChangePlan): string[] {
  const fromColumn = plan.from ? ` ${plan.from} runs |` : "";
  const rows = plan.changes.map(
    (c) =>
      `| ${c.app} | ${code(c.current)} | ${code(c.tag)} |${plan.from ? ` ${code(c.tag)} |` : ""}`,
  );
  return [
    `| App | ${plan.env} runs now | after merge |${fromColumn}`,
    `| --- | --- | --- |${plan.from ? " --- |" : ""}`,
    ...rows,
  ];
}

/**
 * The engine commands a reviewer runs, through scripts/stack.sh: plain `pulumi preview/up --stack`
 * writes an encryption salt into the stack file, leaving the checkout dirty.
 */
const stackCommand = (command: "preview" | "up", env: string) =>
  code(`npm run stack -- ${command} ${env}`);

function afterMerge(plan: ChangePlan, target: EnvironmentConfig): string[] {
  const apply = `- ${stackCommand("up", plan.env)} (or the deploy pipeline) updates ${applications(plan)}.`;
  if (target.syncMode === "automated") {
    return [apply, `- Argo CD syncs ${plan.env} on its own (syncMode automated).`];
  }
  const windows = target.syncWindows.filter((w) => w.kind === "allow");
  return [
    apply,
    `- ${plan.env} is synced by hand: ${plan.changes.map((c) => code(`argocd app sync ${applicationNameFor(c.app, plan.env)}`)).join(", ")}${
      windows.length > 0 ? ` within the sync window (${windows.map(window).join("; ")})` : ""
    }.`,
    `- Watch the rollout: ${plan.changes
      .map((c) => target.apps.find((a) => a.name === c.app))
      .filter((a) => a !== undefined)
      .map((a) => code(`kubectl rollout status deployment/${a.deployment} -n ${a.namespace}`))
      .join(", ")}.`,
  ];
}

function promotionChecklist(plan: ChangePlan, ctx: PrContext): string[] {
  const from = plan.from!;
  const tags = [...new Set(plan.changes.map((c) => c.tag))].map(code).join(", ");
  const last = ctx.order[ctx.order.length - 1] === plan.env;
  const withDigests = plan.changes.some((c) => c.digest);
  const common = {
    confirmed: plan.confirmation
      ? [
          `- [ ] The confirmation holds: ${plan.confirmation.reason} (${plan.confirmation.risks.map((r) => describeRisk(r, code)).join("; ")})`,
        ]
      : [],
    matches: `- [ ] Verify image tag matches ${from}: ${plan.changes.map((c) => `${c.app} ${code(c.tag)}`).join(", ")} in ${code(stackFileName(from))}`,
    // With digests, the digest lines change with the tags (the wording stays for files without).
    preview: `- [ ] ${stackCommand("preview", plan.env)} shows only the ${withDigests ? "image (tag and digest)" : "tag"} change`,
    unrelated: `- [ ] No unrelated changes: the diff is only the ${withDigests ? "tag and digest" : "tag"} line(s) of ${code(plan.file)}`,
  };
  if (!last) {
    return [
      ...common.confirmed,
      common.matches,
      `- [ ] ${from} environment is stable on ${tags}: no critical errors in its logs, Argo CD Healthy and Synced`,
      `- [ ] All tests passing for ${tags}`,
      common.preview,
      common.unrelated,
    ];
  }
  const channel = ctx.target.slackChannel;
  const windows = ctx.target.syncWindows;
  return [
    ...common.confirmed,
    common.matches,
    // By the parsed seconds: 0, 0s and 0m all mean no soak time.
    ctx.target.gate && ctx.target.gate.soakSeconds > 0
      ? `- [ ] ${from} stable for ${ctx.target.gate.soakTime}+ on ${tags} (promotion:gate.soakTime)`
      : `- [ ] ${from} stable on ${tags}`,
    "- [ ] All integration tests passed",
    `- [ ] Security scan (Trivy) results reviewed for ${tags}`,
    "- [ ] Performance benchmarks acceptable",
    common.preview,
    common.unrelated,
    `- [ ] Rollback plan: ${code(`npm run promote -- rollback --env ${plan.env} --reason "..."`)} returns to ${plan.changes.map((c) => `${c.app} ${code(c.current)}`).join(", ")}`,
    `- [ ] Team notified in ${channel}`,
    windows.length > 0
      ? `- [ ] Deployment scheduled inside the sync window (${windows.map(window).join("; ")})`
      : "- [ ] Deployment window scheduled (if required)",
  ];
}

function exceptionChecklist(plan: ChangePlan, ctx: PrContext): string[] {
  const index = ctx.order.indexOf(plan.env);
  const upstreams = ctx.order.slice(0, index);
  const items =
    plan.kind === "rollback"
      ? plan.changes.map(
          (c) =>
            `- [ ] ${c.app}: ${code(c.tag)} is what ${plan.env} ran before ${code(c.current)} (since ${c.ranSince ? `${c.ranSince.commit.slice(0, 7)}, ${c.ranSince.date.slice(0, 10)}` : "?"})`,
        )
      : plan.changes.map(
          (c) =>
            `- [ ] ${c.app}: ${code(c.tag)} is built from the fix and passed CI (tests, Trivy scan)`,
        );
  return [
    ...items,
    `- [ ] The reason is accurate: it is recorded in ${code(plan.file)} (bypass) and on the Argo CD Application`,
    `- [ ] ${stackCommand("preview", plan.env)} shows only the tag change and the ${plan.kind} annotation`,
    `- [ ] No unrelated changes: the diff is only ${code(plan.file)}`,
    upstreams.length > 0
      ? `- [ ] Follow-up planned: the fix goes through ${[...upstreams, plan.env].join(" -> ")}; the next normal promotion into ${plan.env} ends this exception`
      : `- [ ] Follow-up planned: the next build from CI ends this exception`,
    `- [ ] Team notified in ${ctx.target.slackChannel}`,
  ];
}

/** The checklist of a change that keeps the chain: digests pinned, a new build from the registry. */
function registryChecklist(plan: ChangePlan): string[] {
  const items =
    plan.kind === "pin-digests"
      ? plan.changes.map(
          (c) =>
            `- [ ] ${c.app}: ${code(`${c.tag}@${c.digest ?? "?"}`)} is the build ${plan.env} runs now (the tag was not re-pushed since it was deployed)`,
        )
      : plan.changes.map(
          (c) =>
            `- [ ] ${c.app}: ${code(c.tag)} (${code(c.digest ?? "?")}) is the build CI made from the intended commit`,
        );
  return [
    ...items,
    `- [ ] ${stackCommand("preview", plan.env)} shows the Applications deploying by digest and nothing else`,
    `- [ ] No unrelated changes: the diff is only ${code(plan.file)}`,
  ];
}

function heading(plan: ChangePlan): string {
  const tags = plan.changes.map((c) => `${c.app} ${code(c.tag)}`).join(", ");
  if (plan.kind === "pin-digests") {
    return `Pins the registry's digests of what **${plan.env}** runs (${tags}): the tags stay, and the Applications deploy by digest from now on.`;
  }
  if (plan.kind === "build") {
    return `Takes the new build ${tags} from the registry into **${plan.env}** (\`promote discover\`); record: kind build, from the registry.`;
  }
  if (plan.kind === "promotion") {
    return `Promotes ${tags} from **${plan.from}** to **${plan.env}**: ${code(plan.file)} pins the tag ${plan.from} runs.`;
  }
  if (plan.kind === "rollback") {
    return `Rolls **${plan.env}** back to ${tags}, a tag it ran before, as an exception to the promotion chain.`;
  }
  return `Hotfix: **${plan.env}** runs ${tags} without taking it from its upstream, as an exception to the promotion chain.`;
}

/** A confirmed risk, where no reviewer can miss it: right under the heading, as a caution. */
function confirmationBlock(plan: ChangePlan): string[] {
  if (!plan.confirmation) return [];
  const risks = plan.confirmation.risks.map((r) => `${describeRisk(r, code)}.`);
  return [
    "> [!CAUTION]",
    `> **Confirmed with ${code("--confirm")}:** ${risks.join(" ")}`,
    `> **Reason given:** ${plan.confirmation.reason}`,
    "",
  ];
}

/** The promotion rules as checked; an override where no reviewer can miss it. */
function rulesBlock(plan: ChangePlan): string[] {
  if (!plan.rules) return [];
  const caution = plan.rules.override
    ? [
        "> [!CAUTION]",
        `> **Promotion rules overridden with ${code("--override-rules")}:** some rules of ${plan.env} failed (below).`,
        `> **Reason given:** ${plan.rules.override}`,
        `> The reason is written next to the tag (${code("overrideRules")} in ${code(plan.file)}): \`pulumi preview\` and \`up\` check the rules again and let the promotion through on it, recording the reason; the next promotion removes it.`,
        "",
      ]
    : [];
  return [
    ...caution,
    "<details><summary>Promotion rules</summary>",
    "",
    "```text",
    plan.rules.table.replace(/```/g, "'''"),
    "```",
    "",
    "</details>",
    "",
  ];
}

/** Title and body of the pull request for a plan. */
export function prText(plan: ChangePlan, ctx: PrContext): PrText {
  const body = [
    heading(plan),
    "",
    ...confirmationBlock(plan),
    ...table(plan),
    "",
    ...rulesBlock(plan),
  ];

  if (plan.reason !== undefined) body.push(`**Reason:** ${plan.reason}`, "");
  for (const c of plan.changes) {
    if (c.endsBypass) {
      body.push(
        `Ends the ${c.endsBypass.kind} exception on ${c.app} ("${c.endsBypass.reason}"): its ${code("bypass")} block is removed.`,
        "",
      );
    }
    if (c.warning) body.push(`**Note:** ${c.app}: ${c.warning}.`, "");
    if (c.registryNote) body.push(`**Registry:** ${c.app}: ${c.registryNote}.`, "");
  }
  if (plan.changes.some((c) => c.digest)) {
    body.push(
      "Digests the registry confirmed (what the Applications deploy):",
      "",
      ...plan.changes.map((c) => `- ${c.app}: ${code(`${c.tag}@${c.digest ?? "?"}`)}`),
      "",
    );
  }
  const checklist =
    plan.kind === "promotion"
      ? promotionChecklist(plan, ctx)
      : plan.kind === "pin-digests" || plan.kind === "build"
        ? registryChecklist(plan)
        : exceptionChecklist(plan, ctx);
  const last = ctx.order[ctx.order.length - 1] === plan.env;
  body.push(
    `## Review checklist${plan.kind === "promotion" && last ? " (production)" : ""}`,
    "",
    ...checklist,
    "",
    "## After merge",
    "",
    ...afterMerge(plan, ctx.target),
    "",
    `Opened by ${code(ctx.command)}.`,
  );
  return { title: plan.commitSubject, body: body.join("\n") };
}
