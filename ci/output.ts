/** Where results go: a file named by an option, the job summary, or standard output. */
import * as fs from "fs";
import * as path from "path";
import { CiFailure } from "./errors";
import type { CiIo } from "./io";

/** A path from the command line, relative to the project directory. */
export const resolveIn = (io: CiIo, file: string): string => path.resolve(io.cwd, file);

/** Writes (or appends) a result file; a directory that does not exist is a failure that says so. */
export function writeResult(io: CiIo, file: string, text: string, append = false): void {
  const full = resolveIn(io, file);
  try {
    if (append) fs.appendFileSync(full, text);
    else fs.writeFileSync(full, text);
  } catch (error) {
    throw new CiFailure(
      `cannot write ${full}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** `--summary-file`, else $GITHUB_STEP_SUMMARY when set, else none. */
export function summaryFile(io: CiIo, flag: string | undefined): string | undefined {
  if (flag !== undefined && flag !== "") return flag;
  const env = io.env.GITHUB_STEP_SUMMARY;
  return env !== undefined && env !== "" ? env : undefined;
}
