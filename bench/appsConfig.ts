/** Stack config with N copies of a stack's first app, for scaling benchmarks. */
import { engineConfig } from "../config/stackFiles";

export function configWithApps(
  projectDir: string,
  stack: string,
  count: number,
): Record<string, string> {
  const config = engineConfig(projectDir, stack);
  const apps = JSON.parse(config["promotion:apps"]) as Record<string, Record<string, unknown>>;
  const [name, template] = Object.entries(apps)[0];
  const scaled: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) scaled[count === 1 ? name : `${name}-${i}`] = template;
  return { ...config, "promotion:apps": JSON.stringify(scaled) };
}
