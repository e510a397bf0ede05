/**
 * A real OCI registry for tests: Debian's docker-registry (the CNCF distribution registry) started
 * by scripts/registry.sh on 127.0.0.1 at a free port, in a temporary directory of its own, and
 * images pushed into it with crane (scripts/crane.sh builds it from its Go module once per user).
 */
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  signatureTag,
  simpleSigningPayload,
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
} from "../../rules/signature";

const ROOT = path.resolve(__dirname, "..", "..");
const REGISTRY_SCRIPT = path.join(ROOT, "scripts", "registry.sh");
const CRANE_SCRIPT = path.join(ROOT, "scripts", "crane.sh");

let cranePath: string | undefined;

/** The crane binary (built on first use, about 20 s cold; cached per user). */
export function crane(): string {
  cranePath ??= execFileSync(CRANE_SCRIPT, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
  return cranePath;
}

function run(file: string, args: string[], input?: string, env?: NodeJS.ProcessEnv): string {
  try {
    return execFileSync(file, args, {
      encoding: "utf8",
      input,
      env: env ?? process.env,
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    }).trim();
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${path.basename(file)} ${args.join(" ")} failed: ${e.stderr ?? e.message}`);
  }
}

/**
 * Installs Debian's docker-registry when it is missing (scripts/registry.sh install: idempotent,
 * instant once installed), so the README's test command works on a fresh machine as .ci/run does.
 */
function requireInstalled(): void {
  const registry = process.env.DOCKER_REGISTRY_BIN ?? "/usr/bin/docker-registry";
  if (fs.existsSync(registry) && fs.existsSync("/usr/bin/htpasswd")) return;
  run(REGISTRY_SCRIPT, ["install"]);
}

export interface PushOptions {
  /** The image config's `created` (ISO 8601); crane's default is the zero time. */
  created?: string;
  /** os/arch of the image config, e.g. linux/arm64. */
  platform?: string;
}

export class TestRegistry {
  private constructor(
    readonly dir: string,
    /** 127.0.0.1:<port> */
    readonly host: string,
    /** A docker config with the registry's credentials, for crane. */
    private readonly dockerConfig?: string,
  ) {}

  /**
   * Starts a registry with `auth: token` (the Bearer challenge flow) whose token service `token`
   * runs in this process; crane pushes with `user`/`password` through a docker config.
   */
  static startWithTokenAuth(authConfig: string, user: string, password: string): TestRegistry {
    requireInstalled();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "test-registry-"));
    fs.writeFileSync(path.join(dir, "auth.yml"), authConfig);
    const host = run(REGISTRY_SCRIPT, ["start", dir, path.join(dir, "auth.yml")]);
    return new TestRegistry(dir, host, TestRegistry.dockerConfig(dir, host, user, password));
  }

  private static dockerConfig(dir: string, host: string, user: string, password: string): string {
    fs.mkdirSync(path.join(dir, "docker"));
    fs.writeFileSync(
      path.join(dir, "docker", "config.json"),
      JSON.stringify({
        auths: { [host]: { auth: Buffer.from(`${user}:${password}`).toString("base64") } },
      }),
    );
    return path.join(dir, "docker");
  }

  /**
   * Starts a registry that asks for basic credentials (`htpasswd -nbB user password` lines);
   * crane pushes with `user`/`password` through a docker config of its own.
   */
  static startWithHtpasswd(htpasswdLine: string, password: string): TestRegistry {
    requireInstalled();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "test-registry-"));
    fs.writeFileSync(path.join(dir, "htpasswd"), `${htpasswdLine}\n`);
    fs.writeFileSync(
      path.join(dir, "auth.yml"),
      `htpasswd:\n  realm: test-registry\n  path: ${path.join(dir, "htpasswd")}\n`,
    );
    const host = run(REGISTRY_SCRIPT, ["start", dir, path.join(dir, "auth.yml")]);
    const user = htpasswdLine.slice(0, htpasswdLine.indexOf(":"));
    fs.mkdirSync(path.join(dir, "docker"));
    fs.writeFileSync(
      path.join(dir, "docker", "config.json"),
      JSON.stringify({
        auths: { [host]: { auth: Buffer.from(`${user}:${password}`).toString("base64") } },
      }),
    );
    return new TestRegistry(dir, host, path.join(dir, "docker"));
  }

  /**
   * Starts an anonymous registry. Fails with the command to run when docker-registry is not
   * installed.
   */
  static start(): TestRegistry {
    requireInstalled();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "test-registry-"));
    return new TestRegistry(dir, run(REGISTRY_SCRIPT, ["start", dir]));
  }

  private crane(args: string[], input?: string): string {
    const env = this.dockerConfig
      ? { ...process.env, DOCKER_CONFIG: this.dockerConfig }
      : process.env;
    return run(crane(), args, input, env);
  }

  /** The registry's address as an image prefix: 127.0.0.1:<port>/<repository>. */
  image(repository: string): string {
    return `${this.host}/${repository}`;
  }

  /** Pushes a new random single-layer image as repository:tag; returns its manifest digest. */
  push(repository: string, tag: string, options: PushOptions = {}): string {
    const work = fs.mkdtempSync(path.join(this.dir, "layer-"));
    fs.writeFileSync(path.join(work, "build"), crypto.randomBytes(32).toString("hex"));
    execFileSync("tar", ["-cf", path.join(work, "layer.tar"), "-C", work, "build"]);
    const ref = `${this.image(repository)}:${tag}`;
    this.crane(["append", "-f", path.join(work, "layer.tar"), "-t", ref]);
    if (options.created || options.platform) {
      const config = JSON.parse(this.crane(["config", ref])) as Record<string, unknown>;
      if (options.created) config.created = options.created;
      if (options.platform) {
        const [osName, arch] = options.platform.split("/");
        config.os = osName;
        config.architecture = arch;
      }
      this.crane(["edit", "config", ref], JSON.stringify(config));
    }
    fs.rmSync(work, { recursive: true, force: true });
    return this.digest(repository, tag);
  }

  /** Pushes a multi-arch index of the given tags as repository:tag; returns the index digest. */
  pushIndex(repository: string, tag: string, manifests: string[]): string {
    const args = ["index", "append", "-t", `${this.image(repository)}:${tag}`];
    for (const m of manifests) args.push("-m", `${this.image(repository)}:${m}`);
    this.crane(args);
    return this.digest(repository, tag);
  }

  /** What crane says the tag's digest is (an independent reading of the registry). */
  digest(repository: string, tag: string): string {
    return this.crane(["digest", `${this.image(repository)}:${tag}`]);
  }

  /** Uploads a blob through the distribution API (monolithic upload); returns its digest. */
  async uploadBlob(repository: string, body: Buffer): Promise<string> {
    const digest = `sha256:${crypto.createHash("sha256").update(body).digest("hex")}`;
    const start = await fetch(`http://${this.host}/v2/${repository}/blobs/uploads/`, {
      method: "POST",
    });
    if (start.status !== 202) throw new Error(`blob upload: HTTP ${start.status}`);
    const location = new URL(start.headers.get("location")!, `http://${this.host}`);
    location.searchParams.set("digest", digest);
    const put = await fetch(location, {
      method: "PUT",
      headers: { "Content-Type": "application/octet-stream" },
      body,
    });
    if (put.status !== 201) throw new Error(`blob upload: HTTP ${put.status} ${await put.text()}`);
    return digest;
  }

  /**
   * Stores a cosign signature of `digest` as cosign does (the tag sha256-<hex>.sig, a simple-signing
   * payload layer with the base64 ECDSA signature annotation), signed with `key`. `signs` names
   * the digest the payload claims (another image's, to forge a signature for the wrong image).
   */
  async pushSignature(
    repository: string,
    digest: string,
    key: crypto.KeyObject,
    signs: string = digest,
  ): Promise<void> {
    const payload = Buffer.from(simpleSigningPayload(this.image(repository), signs));
    const signature = crypto.sign("sha256", payload, key).toString("base64");
    const layer = await this.uploadBlob(repository, payload);
    const configBody = Buffer.from(
      JSON.stringify({
        architecture: "",
        os: "",
        config: {},
        rootfs: { type: "layers", diff_ids: [layer] },
      }),
    );
    const config = await this.uploadBlob(repository, configBody);
    const manifest = {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        size: configBody.length,
        digest: config,
      },
      layers: [
        {
          mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
          size: payload.length,
          digest: layer,
          annotations: { [SIGNATURE_ANNOTATION]: signature },
        },
      ],
    };
    const put = await fetch(
      `http://${this.host}/v2/${repository}/manifests/${signatureTag(digest)}`,
      {
        method: "PUT",
        headers: { "Content-Type": "application/vnd.oci.image.manifest.v1+json" },
        body: JSON.stringify(manifest),
      },
    );
    if (put.status !== 201)
      throw new Error(`signature manifest: HTTP ${put.status} ${await put.text()}`);
  }

  stop(): void {
    run(REGISTRY_SCRIPT, ["stop", this.dir]);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
