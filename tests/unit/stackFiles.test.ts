import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { repoMatches } from "../../rules/sourceRepos";
import {
  SECRET_PLACEHOLDER,
  engineConfig,
  listStacks,
  loadStackFile,
} from "../../config/stackFiles";
import { PROJECT_DIR } from "../../harness/program";

describe("reading stack files without the engine", () => {
  it("keeps a secret opaque: a secret kubeconfig means cluster mode, not a config error", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackfiles-"));
    try {
      fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
      const dev = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8");
      fs.writeFileSync(
        path.join(dir, "Pulumi.dev.yaml"),
        dev.replace(
          "config:\n",
          "config:\n  promotion:kubeconfig:\n    secure: v1:c2VjcmV0:AAAA\n",
        ),
      );
      fs.writeFileSync(path.join(dir, "Pulumi.dev.yml"), "config: {}\n");
      assert.deepEqual(listStacks(dir), ["dev"], "only .yaml stack files count");
      assert.equal(engineConfig(dir, "dev")["promotion:kubeconfig"], SECRET_PLACEHOLDER);
      assert.equal(loadStackFile(dir, "dev").kubernetes.mode, "cluster");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("AppProject source repositories", () => {
  it("matches exact URLs and Argo CD globs", () => {
    const url = "https://github.com/data-literate/dex.git";
    assert.ok(repoMatches(url, url));
    assert.ok(repoMatches("*", url));
    assert.ok(repoMatches("https://github.com/data-literate/*", url));
    assert.ok(repoMatches("https://github.com/**", url));
    assert.equal(repoMatches("https://github.com/other/*", url), false);
    assert.equal(repoMatches("https://github.com/*", url), false, "* stays within one segment");
    assert.equal(repoMatches("https://github.com/data-literate/dex", url), false);
  });
});
