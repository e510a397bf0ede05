/**
 * Mocha root hooks for the end-to-end suite: one test bed for every test file, started before the
 * first test and stopped by PID after the last, also when a test fails. After a failure its
 * directory (logs of every process) is kept and named.
 */
import { Testbed } from "../../harness/testbed";

let bed: Testbed | undefined;
let failed = false;

/** The running test bed (started by the root hook). */
export function testbed(): Testbed {
  if (!bed) throw new Error("the test bed is not running (tests/e2e/hooks.ts starts it)");
  return bed;
}

export const mochaHooks = {
  beforeAll(this: Mocha.Context): void {
    this.timeout(5 * 60_000);
    bed = Testbed.start();
    console.log(`  test bed up: export KUBECONFIG=${bed.kubeconfig}`);
  },
  afterEach(this: Mocha.Context): void {
    if (this.currentTest?.state === "failed") failed = true;
  },
  afterAll(this: Mocha.Context): void {
    this.timeout(2 * 60_000);
    if (!bed) return;
    bed.down(failed);
    if (failed) console.log(`  a test failed: the test bed's logs are kept in ${bed.dir}/logs`);
  },
};
