/**
 * `npm run bench`: scaling of the program with the number of apps, as ratios against a baseline
 * measured in the same run. `--repeats N` sets how many runs each median takes.
 */
import { parseArgs } from "util";
import { benchMocks, formatMockRows } from "./mocks";

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { repeats: { type: "string", default: "5" } } });
  const repeats = Number(values.repeats);
  console.log(formatMockRows(await benchMocks(repeats)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
