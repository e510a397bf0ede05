/** rules/ci/markdown.ts: values from stack files never become markup, links or mentions. */
import { strict as assert } from "assert";
import { clip, code, codeBlock, escape } from "../../rules/ci/markdown";

describe("ci: markdown of untrusted values", () => {
  it("escapes markup, HTML and table separators", () => {
    assert.equal(
      escape("a *b* [c](d) | <img> & _e_"),
      "a \\*b\\* \\[c\\](d) \\| &lt;img&gt; &amp; \\_e\\_",
    );
  });

  it("shows mentions as code, so the comment notifies nobody, and leaves e-mail addresses alone", () => {
    assert.equal(escape("ask @data-literate/sre."), "ask `@data-literate/sre`.");
    assert.equal(escape("by promoter@example.com"), "by promoter@example.com");
  });

  it("shows a digest as code, not as an escaped mention of a user called sha256 (#21)", () => {
    assert.equal(
      escape("sha-5eed1234 → @sha256:5320f4abcdef…"),
      "sha-5eed1234 → `@sha256:5320f4abcdef…`",
    );
    assert.equal(escape("(sha256:5320f4abcdef…, same)"), "(`sha256:5320f4abcdef…`, same)");
    assert.equal(escape("ask @sha256 and @team"), "ask `@sha256` and `@team`");
  });

  it("keeps one line", () => {
    assert.equal(escape("a\n  b"), "a b");
    assert.equal(clip("abcdef", 4), "abc…");
  });

  it("fences code longer than any backtick run inside it", () => {
    assert.equal(code("sha-1"), "`sha-1`");
    assert.equal(code("a`b"), "``a`b``");
    assert.equal(code("`x"), "`` `x ``");
    assert.equal(codeBlock("x ``` y"), "````text\nx ``` y\n````");
  });
});
