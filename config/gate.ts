/**
 * `promotion:gate`: what a promotion into this environment waits for in the upstream's live Argo
 * CD Application. An environment with an upstream must say it (turning a check off is explicit:
 * `soakTime: 0`, `requireHealthy: false`); the first environment has nothing upstream to wait for.
 */
import { parseDuration } from "../rules/gate";
import type { GateConfigInput } from "./schema";
import type { GateConfig } from "../model/environment";

/** Problems relating `promotion:gate` to `promotion:upstream`, as key path and what is accepted. */
export function gateKeyProblems(
  raw: Record<string, unknown>,
): { path: PropertyKey[]; accepted: string }[] {
  if (typeof raw.upstream !== "string") return [];
  if (raw.upstream !== "" && raw.gate === undefined) {
    return [
      {
        path: ["gate"],
        accepted: `{ soakTime, requireHealthy } for an environment with an upstream (${raw.upstream}), e.g. { soakTime: 24h, requireHealthy: true }; turn a check off explicitly with soakTime: 0 or requireHealthy: false`,
      },
    ];
  }
  if (raw.upstream === "" && raw.gate !== undefined) {
    return [
      {
        path: ["gate"],
        accepted:
          "not set: the first environment takes builds from CI and has no upstream to wait for",
      },
    ];
  }
  return [];
}

export function toGateConfig(gate: GateConfigInput): GateConfig {
  return {
    soakTime: String(gate.soakTime),
    soakSeconds: parseDuration(gate.soakTime) ?? 0,
    requireHealthy: gate.requireHealthy,
    ...(gate.unreadableUpstream ? { unreadableUpstream: gate.unreadableUpstream.trim() } : {}),
  };
}
