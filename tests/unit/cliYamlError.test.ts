/** YAML syntax errors name the file and the line to fix, not the line where yaml gave up. */
import { strict as assert } from "assert";
import { yamlSyntaxError } from "../../config/yamlError";

describe("cli: YAML syntax errors", () => {
  const cases: Array<[string, string, string]> = [
    [
      "an unclosed flow map",
      "a:\n  b: { cpu: 1\n  c: 2\nd: 3\n",
      "f.yaml line 2, column 6: this { is never closed with }",
    ],
    [
      "an unclosed flow sequence",
      "a: [x, y\nb: 2\n",
      "f.yaml line 1, column 4: this [ is never closed with ]",
    ],
    [
      "a sequence closed by a map's brace",
      "a: { b: [1, 2 }\nc: 1\n",
      "f.yaml line 1, column 9: this [ is never closed with ]",
    ],
    [
      "an unclosed quote",
      "a: 'x\nb: 2\nc: 3\n",
      "f.yaml line 1, column 4: this ' is never closed with '",
    ],
    [
      "a tab as indentation",
      "a:\n\tb: 1\n",
      "f.yaml line 2, column 1: Tabs are not allowed as indentation",
    ],
    [
      "a duplicate key, with where it was first set",
      "a: 1\nb: 2\na: 3\n",
      'f.yaml line 3, column 1: the key "a" is set again (first at line 1): YAML readers do not agree on which value counts, and the engine refuses the file; accepted: each key once',
    ],
  ];
  for (const [what, text, expected] of cases) {
    it(`names the line of ${what}`, () => {
      assert.equal(yamlSyntaxError("f.yaml", text)?.slice(0, expected.length), expected);
    });
  }

  it("says nothing of valid YAML", () => {
    assert.equal(yamlSyntaxError("f.yaml", "a: [1, 2]\nb: { c: 'd' }\ne: \"\"\n"), undefined);
  });
});
