/** One environment as the command line sees it: its validated config and its raw stack file. */
import type { EnvironmentConfig } from "../../model/environment";
import type { AppState } from "../stackText";

export interface StackState {
  /** The validated stack config. */
  config: EnvironmentConfig;
  /** The stack file's name, `Pulumi.<env>.yaml`. */
  file: string;
  /** The stack file read without validation: tags and bypass blocks. */
  apps: Record<string, AppState>;
}
