// The report fixtures as the CLI reads them.
import { readFileSync } from "node:fs";
import path from "node:path";

// dist/test/unit/report -> test/fixtures/report in the checkout
export const FIXTURES = path.resolve(__dirname, "../../../../test/fixtures/report");
export const OUTPUTS_FILE = path.join(FIXTURES, "outputs.cutover.json");
export const STATE_FILE = path.join(FIXTURES, "state.cutover.json");
export const readJson = (file: string): unknown => JSON.parse(readFileSync(file, "utf8")) as unknown;
