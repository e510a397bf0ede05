import { strict as assert } from "assert";
import {
  ChainError,
  chainProblems,
  orderChain,
  refusePromotion,
  type ChainLink,
} from "../../rules/chain";

const threeEnvs: ChainLink[] = [
  { environment: "prod", upstream: "stage" },
  { environment: "dev" },
  { environment: "stage", upstream: "dev" },
];
const withCanary: ChainLink[] = [
  { environment: "dev" },
  { environment: "stage", upstream: "dev" },
  { environment: "canary", upstream: "stage" },
  { environment: "prod", upstream: "canary" },
];

describe("promotion chain", () => {
  it("orders dev -> stage -> prod whatever the file order", () => {
    assert.deepEqual(orderChain(threeEnvs), ["dev", "stage", "prod"]);
  });

  it("takes a canary environment between stage and prod", () => {
    assert.deepEqual(orderChain(withCanary), ["dev", "stage", "canary", "prod"]);
    assert.equal(refusePromotion(withCanary, "stage", "canary"), undefined);
    assert.equal(refusePromotion(withCanary, "canary", "prod"), undefined);
    assert.equal(
      refusePromotion(withCanary, "stage", "prod"),
      "prod takes tags from canary, not stage: promoting stage -> prod would skip canary; promote stage -> canary first",
    );
  });

  it("refuses a skip, a backwards move and unknown environments", () => {
    assert.match(
      refusePromotion(threeEnvs, "dev", "prod")!,
      /would skip stage; promote dev -> stage first/,
    );
    assert.match(refusePromotion(threeEnvs, "prod", "stage")!, /promotions only move forward/);
    assert.match(refusePromotion(threeEnvs, "stage", "dev")!, /dev is the first environment/);
    assert.match(
      refusePromotion(threeEnvs, "dev", "qa")!,
      /unknown environment "qa"; accepted: dev, stage, prod/,
    );
  });

  it("refuses an unknown upstream", () => {
    const problems = chainProblems([
      { environment: "dev" },
      { environment: "stage", upstream: "qa" },
    ]);
    assert.equal(problems.length, 1);
    assert.match(String(problems[0].reason), /stage takes tags from "qa", which has no stack file/);
  });

  it("refuses two environments taking tags from the same upstream (one would skip the other)", () => {
    const problems = chainProblems([
      { environment: "dev" },
      { environment: "stage", upstream: "dev" },
      { environment: "canary", upstream: "stage" },
      { environment: "prod", upstream: "stage" },
    ]);
    assert.equal(problems.length, 1);
    assert.match(String(problems[0].reason), /canary and prod all take tags from stage/);
  });

  it("refuses a cycle, once", () => {
    const problems = chainProblems([
      { environment: "dev" },
      { environment: "stage", upstream: "prod" },
      { environment: "prod", upstream: "stage" },
    ]);
    const cycles = problems.filter((p) => String(p.reason).includes("cycle"));
    assert.equal(cycles.length, 1);
    assert.match(String(cycles[0].reason), /stage -> prod -> stage|prod -> stage -> prod/);
  });

  it("blames a cycle on an environment in it, and refuses a promotion to itself", () => {
    const problems = chainProblems([
      { environment: "dev" },
      { environment: "stage", upstream: "stage" },
      { environment: "prod", upstream: "stage" },
    ]);
    const cycle = problems.find((p) => String(p.reason).includes("cycle"));
    assert.equal(cycle?.stack, "stage");
    assert.match(refusePromotion(threeEnvs, "stage", "stage")!, /stage -> stage is no promotion/);
  });

  it("refuses no first environment or two of them", () => {
    assert.match(
      chainProblems([
        { environment: "a", upstream: "b" },
        { environment: "b", upstream: "a" },
      ])[0].reason ?? "",
      /no environment is first/,
    );
    assert.match(
      chainProblems([{ environment: "a" }, { environment: "b" }])[0].reason ?? "",
      /a, b all have no upstream/,
    );
    assert.throws(() => orderChain([{ environment: "a" }, { environment: "b" }]), ChainError);
  });
});
