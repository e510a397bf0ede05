/** Mistyped flags, commands, environments and apps are answered with the closest valid name. */
import { strict as assert } from "assert";
import { tempProject, type TempProject } from "../support/gitRepo";

describe("cli: did you mean", () => {
  let project: TempProject;
  before(() => (project = tempProject({ origin: false })));
  after(() => project.cleanup());

  it("suggests the closest flag for an unknown one, and lists the accepted flags", () => {
    const result = project.cli(["promote", "--form", "dev", "--to", "stage"]);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /^Usage error: unknown option --form \(did you mean "--from"\?\); accepted: --from, --to, --app, --tag, --confirm, --override-rules, --dry-run, --help\n/,
    );
    const rollback = project.cli(["rollback", "--env", "prod", "--resaon", "x"]);
    assert.equal(rollback.code, 2);
    assert.match(rollback.stderr, /unknown option --resaon \(did you mean "--reason"\?\)/);
  });

  it("says only what is accepted when no flag is close", () => {
    const result = project.cli(["status", "--everything"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown option --everything; accepted: --json, --help\n/);
  });

  it("suggests the closest command, for help too", () => {
    const help = project.cli(["help", "rolback"]);
    assert.equal(help.code, 2);
    assert.match(
      help.stderr,
      /^Usage error: unknown command "rolback" \(did you mean "rollback"\?\); accepted: status, promote, rollback, hotfix/,
    );
    const result = project.cli(["promot", "--from", "dev", "--to", "stage"]);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /^Usage error: unknown command "promot" \(did you mean "promote"\?\); accepted: status, promote, rollback, hotfix/,
    );
  });

  it("suggests the environment a wrongly cased or mistyped name means, in every command", () => {
    const cases: Array<[string[], RegExp]> = [
      [
        ["promote", "--from", "Dev", "--to", "stage"],
        /unknown environment "Dev" \(did you mean "dev"\?\); accepted: dev, stage, prod/,
      ],
      [
        ["promote", "--from", "dev", "--to", "stag", "--dry-run"],
        /unknown environment "stag" \(did you mean "stage"\?\); accepted: dev, stage, prod/,
      ],
      [
        ["rollback", "--env", "Prod", "--reason", "x"],
        /unknown environment "Prod" \(did you mean "prod"\?\)/,
      ],
      [
        ["hotfix", "--env", "prod", "--app", "Dex", "--tag", "v1.4.1", "--reason", "x"],
        /prod runs no app "Dex" \(did you mean "dex"\?\); it runs dex sha-5eed0c3d/,
      ],
      [
        ["promote", "--from", "dev", "--to", "stage", "--app", "dexx"],
        /dev runs no app "dexx" \(did you mean "dex"\?\)/,
      ],
    ];
    for (const [args, message] of cases) {
      const result = project.cli(args);
      assert.equal(result.code, 1, args.join(" "));
      assert.match(result.stderr, message);
    }
  });
});
