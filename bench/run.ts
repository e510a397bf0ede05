/**
 * `npm run bench`: scaling of the program with the number of apps, as ratios against baselines
 * measured in the same run: under mocks (against the 1-app run) and with the real engine (against
 * a plain program with as many resources). `--repeats N` sets how many runs each mock median
 * takes; `--mocks-only` skips the engine part.
 */
import { parseArgs } from "util";
import { benchEngine, formatEngineRows } from "./engine";
import { benchMocks, formatMockRows } from "./mocks";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      repeats: { type: "string", default: "5" },
      "mocks-only": { type: "boolean", default: false },
    },
  });
  console.log(formatMockRows(await benchMocks(Number(values.repeats))));
  if (!values["mocks-only"]) {
    console.log("");
    const rows = await benchEngine((line) => console.error(line));
    console.log(formatEngineRows(rows));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
