/** Promotion records: appended only when the tag changes, newest first, the last ten kept. */
import { strict as assert } from "assert";
import {
  RECORDS_KEPT,
  nextRecords,
  parseAllRecords,
  parseRecords,
  recordAnnotations,
  resolveActor,
  type PromotionRecord,
  type RecordedChange,
} from "../../rules/record";

const record = (tag: string, at = "2026-01-01T00:00:00.000Z"): PromotionRecord => ({
  tag,
  from: "stage",
  at,
  by: "octocat",
  kind: "promotion",
});

const change = (overrides: Partial<RecordedChange>): RecordedChange => ({
  environment: "prod",
  tag: "sha-c0ffee01",
  kind: "promotion",
  from: "stage",
  at: "2026-03-10T12:00:00.000Z",
  by: "octocat",
  ...overrides,
});

describe("promotion records", () => {
  it("keep history as is when the tag is unchanged, so a second run changes nothing", () => {
    const history = [record("sha-c0ffee01"), record("sha-decade01")];
    const after = nextRecords(history, change({ kind: "unchanged", at: "2030-01-01T00:00:00Z" }));
    assert.deepEqual(after, history);
    assert.deepEqual(
      nextRecords(after, change({ kind: "unchanged", by: "someone-else" })),
      history,
    );
  });

  it("add a record in front when the tag changes", () => {
    const after = nextRecords(
      [record("sha-decade01")],
      change({ checks: "stage Synced and Healthy on sha-c0ffee01" }),
    );
    assert.deepEqual(after[0], {
      tag: "sha-c0ffee01",
      from: "stage",
      at: "2026-03-10T12:00:00.000Z",
      by: "octocat",
      kind: "promotion",
      checks: "stage Synced and Healthy on sha-c0ffee01",
    });
    assert.equal(after[1].tag, "sha-decade01");
  });

  it("record bypasses with their reason", () => {
    const [hotfix] = nextRecords(
      [],
      change({ kind: "hotfix", from: "prod", reason: "CVE-2026-0001", tag: "sha-99999999" }),
    );
    assert.deepEqual(hotfix, {
      tag: "sha-99999999",
      from: "prod",
      at: "2026-03-10T12:00:00.000Z",
      by: "octocat",
      kind: "hotfix",
      reason: "CVE-2026-0001",
    });
  });

  it("keep the last ten", () => {
    let history: PromotionRecord[] = [];
    for (let i = 0; i < 15; i++) {
      history = nextRecords(history, change({ tag: `sha-${String(i).padStart(8, "0")}` }));
    }
    assert.equal(history.length, RECORDS_KEPT);
    assert.equal(history[0].tag, "sha-00000014");
    assert.equal(history[9].tag, "sha-00000005");
  });

  it("start with one initial record for a tag run before records were kept", () => {
    assert.deepEqual(nextRecords([], change({ kind: "unchanged", from: "prod" })), [
      {
        tag: "sha-c0ffee01",
        from: "prod",
        at: "2026-03-10T12:00:00.000Z",
        by: "octocat",
        kind: "initial",
        reason: "first record: prod already ran sha-c0ffee01 before promotion records were kept",
      },
    ]);
  });

  it("are read back from previous outputs, dropping what is not a record", () => {
    const good = record("sha-c0ffee01");
    assert.deepEqual(parseRecords([good, { tag: 1 }, "x", { ...good, kind: "yolo" }]), [good]);
    assert.deepEqual(parseRecords(undefined), []);
    assert.deepEqual(parseAllRecords({ dex: [good], api: "nope" }), { dex: [good], api: [] });
    assert.deepEqual(parseAllRecords(null), {});
  });

  it("name who ran the promotion: CI actor, else git author, else OS user", () => {
    const sources = { gitAuthor: "Ada <ada@example.com>", osUser: "ada" };
    assert.equal(resolveActor({ env: { GITHUB_ACTOR: "octocat" }, ...sources }), "octocat");
    assert.equal(resolveActor({ env: { GITHUB_ACTOR: " " }, ...sources }), "Ada <ada@example.com>");
    assert.equal(resolveActor({ env: {}, osUser: "ada" }), "ada");
    assert.equal(resolveActor({ env: {} }), "unknown");
  });

  it("annotate the Application with the record of the tag it deploys", () => {
    assert.deepEqual(recordAnnotations({ ...record("sha-1234567"), reason: "why", checks: "ok" }), {
      "promotion.gitops/kind": "promotion",
      "promotion.gitops/from": "stage",
      "promotion.gitops/promoted-at": "2026-01-01T00:00:00.000Z",
      "promotion.gitops/promoted-by": "octocat",
      "promotion.gitops/reason": "why",
      "promotion.gitops/checks": "ok",
    });
  });
});
