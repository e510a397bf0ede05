/**
 * `npm run bench`: how the program, the engine's preview and the command line scale, each as a
 * ratio against a baseline measured in the same run (docs/benchmarks.md):
 *   - CLI start-up (`--help`, `status`) against a bare `node -e ''`, in turn;
 *   - the program under Pulumi mocks for 1, 10, 100, 600 and 1,000 apps: per-app cost, peak memory;
 *   - `pulumi preview` with the real engine for the same sizes, against a bare program declaring as
 *     many resources: the overhead ratio, per-app cost, peak memory.
 * Options: --quick (about a minute: dev only; mocks at 1, 100 and 1,000 apps, the engine at 1
 * and 100), --mocks-only, --repeats N (mock medians), --engine-repeats N (engine pairs up to 100
 * apps; one above), --pairs N (CLI pairs), --stacks a,b.
 */
import { parseArgs } from "util";
import { benchCli, formatCliRows } from "./cli";
import { benchEngine, chainStacks, formatEngineRows } from "./engine";
import { benchMocks, formatMockRows } from "./mocks";

const FULL_COUNTS = [1, 10, 100, 600, 1000];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      "mocks-only": { type: "boolean", default: false },
      repeats: { type: "string" },
      pairs: { type: "string" },
      stacks: { type: "string" },
      "engine-repeats": { type: "string" },
    },
  });
  const quick = values.quick ?? false;
  const stacks = values.stacks ? values.stacks.split(",") : quick ? ["dev"] : chainStacks();
  const repeats = Number(values.repeats ?? (quick ? 1 : 3));
  const pairs = Number(values.pairs ?? (quick ? 5 : 9));
  const started = Date.now();
  const log = (line: string) => process.stderr.write(`${line}\n`);

  log("CLI start-up ...");
  console.log(formatCliRows(benchCli(pairs), pairs));
  console.log("");
  log("program under mocks ...");
  console.log(
    formatMockRows(benchMocks(stacks, quick ? [1, 100, 1000] : FULL_COUNTS, repeats), repeats),
  );
  if (!values["mocks-only"]) {
    console.log("");
    log("pulumi preview, real engine ...");
    // Pairs per size: the small ones are noisy, the big ones take a minute each on 2 cores.
    const engineRepeats = Number(values["engine-repeats"] ?? (quick ? 1 : 3));
    const rows = await benchEngine(
      stacks,
      quick ? [1, 100] : FULL_COUNTS,
      (apps) => (apps > 100 ? 1 : engineRepeats),
      log,
    );
    console.log(formatEngineRows(rows));
  }
  console.log(`\n(${quick ? "--quick, " : ""}${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
