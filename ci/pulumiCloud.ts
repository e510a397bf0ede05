/**
 * The Pulumi Cloud REST API routes Pulumi Deployments is driven through
 * (https://www.pulumi.com/docs/reference/cloud-rest-api/): a stack's deployment settings, and
 * creating and reading a deployment. Node's fetch, `Authorization: token <PULUMI_ACCESS_TOKEN>`;
 * an answer other than the route's success becomes a CiFailure naming the route, the status and
 * the service's message. The token is never printed.
 */
import type { DeploymentSettingsBody, StackAddress } from "../rules/ci/deploymentSettings";
import { stackRoute } from "../rules/ci/deploymentSettings";
import { CiFailure } from "./errors";

export const DEFAULT_API = "https://api.pulumi.com";

/** Where the API is: --api, else an http(s) PULUMI_BACKEND_URL (self-hosted), else Pulumi Cloud. */
export function apiBase(flag: string | undefined, env: Record<string, string | undefined>): string {
  const chosen =
    flag ??
    (/^https?:\/\//.test(env.PULUMI_BACKEND_URL ?? "") ? env.PULUMI_BACKEND_URL : undefined);
  return (chosen ?? DEFAULT_API).replace(/\/+$/, "");
}

export interface CreatedDeployment {
  id: string;
  version: number;
  consoleUrl: string;
}

export interface DeploymentState {
  id: string;
  status: string;
  version: number;
  jobs?: { status: string; steps: { name: string; status: string }[] }[];
}

export interface CreateDeployment {
  operation: "update" | "preview" | "refresh";
  inheritSettings: true;
  /** Deploy exactly this commit of the settings' branch. */
  sourceContext?: { git: { commit: string } };
}

export class PulumiCloud {
  constructor(
    private readonly base: string,
    private readonly token: string,
  ) {}

  private async call(
    method: string,
    route: string,
    expected: number,
    body?: unknown,
  ): Promise<unknown> {
    const url = `${this.base}${route}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          Authorization: `token ${this.token}`,
          Accept: "application/vnd.pulumi+8",
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(60_000),
      });
    } catch (error) {
      const cause =
        error instanceof Error
          ? error.cause instanceof Error
            ? error.cause.message
            : error.message
          : String(error);
      throw new CiFailure(`${method} ${url} did not answer: ${cause}`);
    }
    const text = await response.text();
    if (response.status !== expected) {
      let message = text.trim();
      try {
        const parsed = JSON.parse(text) as { message?: unknown };
        if (typeof parsed.message === "string") message = parsed.message;
      } catch {
        // not JSON: keep the text
      }
      const hint =
        response.status === 401
          ? " (PULUMI_ACCESS_TOKEN is missing, expired or not allowed here)"
          : response.status === 404
            ? " (is the organization, project and stack right, and does the stack exist in Pulumi Cloud?)"
            : "";
      throw new CiFailure(
        `${method} ${url} answered ${response.status}: ${message || "(no body)"}${hint}`,
      );
    }
    try {
      return text === "" ? undefined : (JSON.parse(text) as unknown);
    } catch {
      throw new CiFailure(
        `${method} ${url} answered ${response.status} without JSON: ${text.slice(0, 200)}`,
      );
    }
  }

  /** POST merges into the stack's settings; PUT (replace) makes them exactly `body`. */
  async putSettings(
    address: StackAddress,
    body: DeploymentSettingsBody,
    replace: boolean,
  ): Promise<unknown> {
    return this.call(replace ? "PUT" : "POST", stackRoute(address, "/settings"), 200, body);
  }

  async createDeployment(
    address: StackAddress,
    request: CreateDeployment,
  ): Promise<CreatedDeployment> {
    const answer = (await this.call(
      "POST",
      stackRoute(address, ""),
      202,
      request,
    )) as CreatedDeployment;
    if (typeof answer?.id !== "string")
      throw new CiFailure(`the new deployment of ${address.stack} has no id`);
    return answer;
  }

  async deployment(address: StackAddress, id: string): Promise<DeploymentState> {
    return (await this.call(
      "GET",
      stackRoute(address, `/${encodeURIComponent(id)}`),
      200,
    )) as DeploymentState;
  }
}
