/**
 * Running the ci command (`ci/main.ts`) in-process against a temporary repository (a TempProject of
 * tests/support/gitRepo.ts), with the engine replaced by what the real engine printed: the files
 * of tests/fixtures/preview-json (captured by its capture.ts), never hand-written JSON.
 */
import { describeRun, type Engine, type EngineOp, type EngineResult } from "../../ci/engine";
import { GitFailed, type CiIo } from "../../ci/io";
import { main } from "../../ci/main";
import { CommandFailed } from "../../cli/io";
import type { TempProject } from "./gitRepo";
import { captured, capturedPreview } from "./previewJson";

export interface EngineCall {
  op: EngineOp;
  stack: string;
}

/** An engine that answers from captured output and records what it was asked to run. */
export class FakeEngine implements Engine {
  readonly calls: EngineCall[] = [];

  constructor(
    private readonly answers: Partial<Record<EngineOp, Record<string, EngineResult>>> = {},
  ) {}

  describe(op: EngineOp, stack: string): string {
    return describeRun(op, stack);
  }

  run(op: EngineOp, stack: string): Promise<EngineResult> {
    this.calls.push({ op, stack });
    const answer = this.answers[op]?.[stack];
    if (answer) return Promise.resolve(answer);
    if (op === "preview") return Promise.resolve(capturedPreview("no-change.json"));
    if (op === "output") {
      return Promise.resolve({ exitCode: 0, stdout: captured("outputs-stage.json"), stderr: "" });
    }
    return Promise.resolve({ exitCode: 0, stdout: `Updating (${stack})\n`, stderr: "" });
  }
}

export interface CiResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `npm run ci -- <argv>` in-process in the project's directory. */
export async function runCi(
  project: TempProject,
  argv: string[],
  engine: Engine = new FakeEngine(),
  env: Record<string, string | undefined> = {},
): Promise<CiResult> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CiIo = {
    cwd: project.dir,
    env,
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    git: (args) => {
      try {
        return project.git(...args);
      } catch (error) {
        if (error instanceof CommandFailed) throw new GitFailed(args, error.stderr, error.status);
        throw error;
      }
    },
    engine,
  };
  const code = await main(argv, io);
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}
