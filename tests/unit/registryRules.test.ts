/**
 * The pure parts of talking to a registry (rules/registry.ts): where an image lives, the
 * WWW-Authenticate challenge, docker config credentials, and which tag is the newest build.
 */
import { strict as assert } from "assert";
import fc from "fast-check";
import {
  candidateTags,
  compareSemverTags,
  dockerConfigCredentials,
  locateImage,
  newestByCreation,
  newestSemver,
  parseAuthChallenge,
  realmRefusal,
  strategyFor,
} from "../../rules/registry";

describe("registry rules", () => {
  it("locates an image's registry and repository as docker does", () => {
    assert.deepEqual(locateImage("ghcr.io/data-literate/dex"), {
      host: "ghcr.io",
      repository: "data-literate/dex",
      baseUrl: "https://ghcr.io",
    });
    assert.deepEqual(locateImage("nginx"), {
      host: "docker.io",
      repository: "library/nginx",
      baseUrl: "https://registry-1.docker.io",
    });
    assert.equal(locateImage("bitnami/redis").repository, "bitnami/redis");
    assert.equal(locateImage("127.0.0.1:5000/team/app").baseUrl, "http://127.0.0.1:5000");
    assert.equal(locateImage("localhost:5000/app").baseUrl, "http://localhost:5000");
    assert.equal(
      locateImage("ghcr.io/o/app", { "ghcr.io": "http://127.0.0.1:9/" }).baseUrl,
      "http://127.0.0.1:9",
    );
  });

  it("parses a Bearer challenge with quoted and bare parameters", () => {
    assert.deepEqual(
      parseAuthChallenge(
        'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:o/app:pull"',
      ),
      {
        scheme: "bearer",
        params: {
          realm: "https://ghcr.io/token",
          service: "ghcr.io",
          scope: "repository:o/app:pull",
        },
      },
    );
    assert.deepEqual(parseAuthChallenge('Basic realm="Registry Realm"'), {
      scheme: "basic",
      params: { realm: "Registry Realm" },
    });
    assert.deepEqual(parseAuthChallenge("Bearer realm=https://a/token, service=a"), {
      scheme: "bearer",
      params: { realm: "https://a/token", service: "a" },
    });
    assert.equal(parseAuthChallenge(""), undefined);
  });

  it("reads credentials from a docker config: auth, username/password, identity token", () => {
    const auth = Buffer.from("bot:pa:ss").toString("base64");
    assert.deepEqual(
      dockerConfigCredentials({ auths: { "https://ghcr.io/v1/": { auth } } }, "ghcr.io", "cfg"),
      { kind: "basic", username: "bot", password: "pa:ss", source: "cfg" },
    );
    assert.deepEqual(
      dockerConfigCredentials(
        { auths: { "https://index.docker.io/v1/": { username: "u", password: "p" } } },
        "docker.io",
        "cfg",
      ),
      { kind: "basic", username: "u", password: "p", source: "cfg" },
    );
    assert.deepEqual(
      dockerConfigCredentials({ auths: { "r.io": { identitytoken: "t" } } }, "r.io", "cfg"),
      { kind: "basic", username: "<token>", password: "t", source: "cfg" },
    );
    assert.equal(
      dockerConfigCredentials({ auths: { "ghcr.io": { auth } } }, "quay.io", "cfg"),
      undefined,
    );
  });

  it("orders semver tags by precedence, prereleases before their release", () => {
    const ordered = [
      "v1.0.0-alpha",
      "v1.0.0-alpha.1",
      "v1.0.0-beta.2",
      "v1.0.0-beta.11",
      "v1.0.0",
      "v1.2.0",
      "v1.10.0",
      "v2.0.0",
    ];
    for (let i = 1; i < ordered.length; i++) {
      assert.ok(
        compareSemverTags(ordered[i - 1], ordered[i]) < 0,
        `${ordered[i - 1]} < ${ordered[i]}`,
      );
    }
    assert.equal(newestSemver(["v1.9.3", "v1.10.0", "v2.0.0-rc.1"]), "v1.10.0");
    assert.equal(newestSemver(["v1.9.3", "v2.0.0-rc.1"], true), "v2.0.0-rc.1");
  });

  it("sorts any list of semver tags into an order where each is newer than the last", () => {
    const semver = fc
      .tuple(
        fc.nat(20),
        fc.nat(20),
        fc.nat(20),
        fc.option(fc.constantFrom("rc.1", "rc.2", "alpha", "beta.10")),
      )
      .map(([a, b, c, pre]) => `v${a}.${b}.${c}${pre ? `-${pre}` : ""}`);
    fc.assert(
      fc.property(fc.array(semver, { minLength: 1, maxLength: 20 }), (tags) => {
        const sorted = [...tags].sort(compareSemverTags);
        for (let i = 1; i < sorted.length; i++)
          assert.ok(compareSemverTags(sorted[i - 1], sorted[i]) <= 0);
        assert.equal(compareSemverTags(sorted[0], sorted[0]), 0);
      }),
    );
  });

  it("picks a strategy from the tag an app runs, and only candidates of that kind", () => {
    assert.equal(strategyFor("v1.2.3"), "semver");
    assert.equal(strategyFor("sha-abc1234"), "created");
    assert.equal(strategyFor("v20260128-abc1234"), "created");
    const tags = [
      "latest",
      "v1.2.3",
      "sha-abc1234",
      "v20260128-abc1234",
      "main",
      "sha-XYZ",
      "v20261332-abc1234",
    ];
    assert.deepEqual(candidateTags(tags, "semver"), ["v1.2.3"]);
    assert.deepEqual(candidateTags(tags, "created"), ["sha-abc1234", "v20260128-abc1234"]);
  });

  it("takes the newest build by creation time, and refuses to guess", () => {
    assert.deepEqual(
      newestByCreation([
        { tag: "sha-aaaaaaa", created: "2026-01-01T00:00:00Z" },
        { tag: "sha-bbbbbbb", created: "2026-01-03T00:00:00Z" },
        { tag: "sha-ccccccc" },
      ]),
      { tag: "sha-bbbbbbb" },
    );
    assert.deepEqual(
      newestByCreation([
        { tag: "sha-aaaaaaa", created: "0001-01-01T00:00:00Z" },
        { tag: "sha-bbbbbbb" },
      ]),
      {
        why: "none of sha-aaaaaaa, sha-bbbbbbb has a creation time in its image config, so the newest cannot be told",
      },
    );
    assert.match(
      (
        newestByCreation([
          { tag: "sha-aaaaaaa", created: "2026-01-01T00:00:00Z" },
          { tag: "sha-bbbbbbb", created: "2026-01-01T00:00:00Z" },
        ]) as { why: string }
      ).why,
      /sha-aaaaaaa and sha-bbbbbbb were created at the same time/,
    );
  });

  it("never sends credentials to a token realm at a private address other than the registry", () => {
    assert.equal(realmRefusal("https://ghcr.io/token", "https://ghcr.io"), undefined);
    assert.equal(
      realmRefusal("https://auth.docker.io/token", "https://registry-1.docker.io"),
      undefined,
    );
    assert.equal(realmRefusal("http://127.0.0.1:5000/token", "http://127.0.0.1:5000"), undefined);
    assert.equal(realmRefusal("http://localhost:9/token", "http://127.0.0.1:5000"), undefined);
    assert.equal(
      realmRefusal("http://169.254.169.254/latest", "https://ghcr.io"),
      "the token realm http://169.254.169.254/latest is not https",
    );
    assert.equal(
      realmRefusal("https://169.254.169.254/latest", "https://ghcr.io"),
      "the token realm https://169.254.169.254/latest is a private or link-local address, not the registry's",
    );
    assert.match(realmRefusal("https://10.0.0.8/t", "https://r.example") ?? "", /private/);
    assert.match(realmRefusal("https://[::1]/t", "https://r.example") ?? "", /private/);
    assert.equal(realmRefusal("https://8.8.8.8/t", "https://r.example"), undefined);
  });
});
