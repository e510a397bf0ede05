/**
 * What the real engine printed for the seed fixture (tests/fixtures/preview-json, captured by its
 * capture.ts): the tests of the CI command read these, never hand-written JSON.
 */
import * as fs from "fs";
import * as path from "path";
import type { EngineRun } from "../../rules/ci/preview";
import { PREVIEW_JSON } from "../fixtures";

export interface Scenario {
  file: string;
  stack: string;
  command: string;
  exitCode: number;
  what: string;
  pins: Record<string, string>;
}

/** scenarios.json: what capture.ts ran for each file. */
export function scenarios(): Scenario[] {
  return JSON.parse(
    fs.readFileSync(path.join(PREVIEW_JSON.dir, "scenarios.json"), "utf8"),
  ) as Scenario[];
}

/** A captured file's text. */
export function captured(file: string): string {
  return fs.readFileSync(path.join(PREVIEW_JSON.dir, file), "utf8");
}

/** What the engine printed for a captured preview: its JSON and its exit code. */
export function capturedPreview(
  file: "first-deployment.json" | "no-change.json" | "promotion.json" | "refused.json",
): EngineRun {
  const scenario = scenarios().find((s) => s.file === file);
  if (!scenario)
    throw new Error(`${file} is not in scenarios.json: run npm run fixtures:preview-json`);
  return { exitCode: scenario.exitCode, stdout: captured(file), stderr: "" };
}

/** `pulumi up` of the refused promotion, as the engine printed it. */
export function capturedRefusedUp(): EngineRun {
  const scenario = scenarios().find((s) => s.file === "up-refused.stdout.txt");
  return {
    exitCode: scenario?.exitCode ?? 1,
    stdout: captured("up-refused.stdout.txt"),
    stderr: captured("up-refused.stderr.txt"),
  };
}
