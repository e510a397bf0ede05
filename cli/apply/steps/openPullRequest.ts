/**
 * Step open-pr: open the pull request with gh, into the branch that feeds the environment; or,
 * without gh or a pushed branch, print its title and body to open it by hand.
 */
import type { ChangeRun } from "../changeRun";
import type { Step } from "../step";

export function openPullRequest(run: ChangeRun): Step {
  const { io, plan, pr, base } = run;
  const into = base ? ` into ${base}` : "";
  const byHand = !run.hasOrigin
    ? "the branch is not pushed"
    : !run.hasGh
      ? "gh is not on PATH"
      : undefined;
  return {
    name: "open-pr",
    does: byHand
      ? `print the pull request${into} to open by hand (${byHand})`
      : `open the pull request${into} with gh pr create`,
    run() {
      if (run.pushed && run.hasGh) {
        const args = [
          "pr",
          "create",
          "--head",
          plan.branch,
          "--title",
          pr.title,
          "--body-file",
          "-",
        ];
        if (base) args.push("--base", base);
        const url = io.run("gh", args, { cwd: io.cwd, input: pr.body }).trim();
        io.out(`Opened the pull request: ${url}`);
        return;
      }
      const why = run.pushed ? "gh is not on PATH" : "the branch is not pushed";
      io.out(
        [
          `Open the pull request yourself (${why}), from ${plan.branch}${into}:`,
          "",
          `Title: ${pr.title}`,
          "",
          pr.body,
        ].join("\n"),
      );
    },
  };
}
