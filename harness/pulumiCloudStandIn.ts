/**
 * A loopback stand-in for the Pulumi Cloud REST API routes Pulumi Deployments is driven through
 * (Pulumi Cloud cannot run here): it answers as the published API does
 * (https://www.pulumi.com/docs/reference/cloud-rest-api/ and its OpenAPI spec): `Authorization:
 * token <token>` or 401; unknown stacks 404; request bodies validated against the spec's schemas
 * or 400 with the reasons; settings merged by POST and replaced by PUT; a created deployment
 * answered 202 with its id, version and console URL, then advancing through not-started, running
 * and a final status on each GET. Every answer is itself checked against the spec's response
 * schema, so the stand-in cannot drift from it unnoticed.
 */
import * as http from "http";
import { LoopbackServer } from "./loopback";
import { schemaProblems } from "./pulumiCloudApi";

type Json = Record<string, unknown>;

export interface StandInOptions {
  /** The access token requests must carry. */
  token: string;
  /** Stacks that exist, as "org/project/stack". */
  stacks: string[];
  /** Stacks whose deployments end "failed" instead of "succeeded". */
  failing?: string[];
  /** GETs of a deployment before it finishes (default 2: not-started, running, then finished). */
  stepsBeforeFinish?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  status: number;
}

interface Deployment {
  id: string;
  version: number;
  operation: string;
  gets: number;
  created: string;
  body: Json;
}

const ROUTE = /^\/api\/stacks\/([^/]+)\/([^/]+)\/([^/]+)\/deployments(\/settings|\/[^/]+)?$/;

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** The service's merge: null removes a key, objects merge, anything else replaces. */
function merge(current: Json, patch: Json): Json {
  const result: Json = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else if (isObject(value) && isObject(result[key])) result[key] = merge(result[key], value);
    else result[key] = value;
  }
  return result;
}

/** Settings as GET returns them: secrets come back only as ciphertext. */
function stored(settings: Json): Json {
  const copy = JSON.parse(JSON.stringify(settings)) as Json;
  const context = copy.operationContext;
  if (isObject(context) && isObject(context.environmentVariables)) {
    for (const [name, value] of Object.entries(context.environmentVariables)) {
      if (isObject(value) && typeof value.secret === "string") {
        context.environmentVariables[name] = {
          secret: "",
          ciphertext: [Buffer.from(`encrypted:${name}`).toString("base64")],
        };
      }
    }
  }
  return copy;
}

export class PulumiCloudStandIn {
  readonly requests: RecordedRequest[] = [];
  /** Settings as stored, per "org/project/stack" (secrets in plaintext: test-only). */
  readonly settings = new Map<string, Json>();
  readonly deployments = new Map<string, Deployment[]>();
  private readonly server = new LoopbackServer((req, body, res) => this.handle(req, body, res));
  private next = 1;

  constructor(private readonly options: StandInOptions) {}

  /** Starts on 127.0.0.1 and returns the base URL (http://127.0.0.1:<port>). */
  start(): Promise<string> {
    return this.server.start();
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  private handle(req: http.IncomingMessage, text: string, res: http.ServerResponse): void {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    let body: unknown = undefined;
    const reply = (status: number, answer: unknown, responseSchema?: string) => {
      if (responseSchema) {
        const problems = schemaProblems(responseSchema, answer);
        if (problems.length > 0) {
          status = 500;
          answer = {
            code: 500,
            message: `stand-in answer breaks ${responseSchema}: ${problems.join("; ")}`,
          };
        }
      }
      this.requests.push({ method, path: url.pathname, body, status });
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(answer));
    };
    const error = (status: number, message: string) => reply(status, { code: status, message });

    if (req.headers.authorization !== `token ${this.options.token}`) {
      return error(401, "Unauthorized: No credentials provided or are invalid.");
    }
    const match = ROUTE.exec(url.pathname);
    if (!match) return error(404, `Not Found: no route ${method} ${url.pathname}`);
    const [org, project, stack] = match.slice(1, 4).map(decodeURIComponent);
    const key = `${org}/${project}/${stack}`;
    if (!this.options.stacks.includes(key))
      return error(404, `Not Found: Stack '${key}' not found`);
    if (text !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        return error(400, "Bad Request: the body is not JSON");
      }
    }
    const suffix = match[4] ?? "";

    if (suffix === "/settings") {
      if (method === "GET") {
        const current = this.settings.get(key);
        return current
          ? reply(200, stored(current), "DeploymentSettings")
          : error(404, `Not Found: no deployment settings for stack '${key}'`);
      }
      if (method === "POST" || method === "PUT") {
        const problems = schemaProblems("DeploymentSettingsRequest", body);
        if (problems.length > 0) return error(400, `Bad Request: ${problems.join("; ")}`);
        const next =
          method === "PUT" ? (body as Json) : merge(this.settings.get(key) ?? {}, body as Json);
        this.settings.set(key, next);
        return reply(200, stored(next), "DeploymentSettings");
      }
      return error(405, `Method Not Allowed: ${method}`);
    }

    if (suffix === "" && method === "POST") {
      const problems = schemaProblems("CreateDeploymentRequest", body ?? {});
      if (problems.length > 0) return error(400, `Bad Request: ${problems.join("; ")}`);
      const request = (body ?? {}) as Json;
      if (request.inheritSettings !== false && !this.settings.has(key)) {
        return error(400, `Bad Request: stack '${key}' has no deployment settings to inherit`);
      }
      const list = this.deployments.get(key) ?? [];
      const deployment: Deployment = {
        id: `${this.next++}`.padStart(8, "0") + "-0000-4000-8000-000000000000",
        version: list.length + 1,
        operation: typeof request.operation === "string" ? request.operation : "update",
        gets: 0,
        created: new Date().toISOString(),
        body: request,
      };
      this.deployments.set(key, [...list, deployment]);
      return reply(
        202,
        {
          id: deployment.id,
          version: deployment.version,
          consoleUrl: `https://app.pulumi.com/${org}/${project}/${stack}/deployments/${deployment.version}`,
        },
        "CreateDeploymentResponse",
      );
    }

    if (suffix !== "" && method === "GET") {
      const id = decodeURIComponent(suffix.slice(1));
      const deployment = (this.deployments.get(key) ?? []).find((d) => d.id === id);
      if (!deployment) return error(404, `Not Found: deployment '${id}'`);
      deployment.gets += 1;
      const steps = this.options.stepsBeforeFinish ?? 2;
      const failing = (this.options.failing ?? []).includes(stack);
      const status =
        deployment.gets === 1 && steps >= 2
          ? "not-started"
          : deployment.gets <= steps
            ? "running"
            : failing
              ? "failed"
              : "succeeded";
      const now = new Date().toISOString();
      const stepStatus = status === "not-started" ? "not-started" : status;
      return reply(
        200,
        {
          id: deployment.id,
          version: deployment.version,
          latestVersion: (this.deployments.get(key) ?? []).length,
          created: deployment.created,
          modified: now,
          status,
          pulumiOperation: deployment.operation,
          requestedBy: { name: "Stand-in", githubLogin: "stand-in", avatarUrl: "" },
          jobs: [
            {
              status,
              started: deployment.created,
              lastUpdated: now,
              steps: [
                {
                  name: "Get source",
                  status: status === "not-started" ? "not-started" : "succeeded",
                },
                { name: `pulumi ${deployment.operation}`, status: stepStatus },
              ],
            },
          ],
        },
        "GetDeploymentResponse",
      );
    }
    return error(405, `Method Not Allowed: ${method} ${url.pathname}`);
  }
}
