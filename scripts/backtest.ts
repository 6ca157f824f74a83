/**
 * `npm run backtest -- --csv FILE`: runs the oracle's TypeScript model (bit for bit the contract's formula)
 * over a daily price history and prints how often the margin it published was breached, against a plain
 * RiskMetrics 99% EWMA computed independently. See prover/src/oracle/backtest.ts for the definitions.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { backtest, parsePriceCsv, type BacktestReport, type DayRecord } from "../prover/src/oracle/backtest.js";
import { defaultRiskConfig, engineHorizonSamples } from "../prover/src/index.js";
import { DEV_LEASE } from "../prover/src/devnet.js";
import { table } from "./lib/format.js";
import { writeLineChartPng } from "./lib/plot.js";

const HELP = `Usage: npm run -s backtest -- --csv FILE [options]

Runs the oracle's margin formula (the demo's constants, defaultRiskConfig) over a daily history of
closes and prints breach rates at each liquidation horizon (one-sided against the maintenance
haircut, two-sided against the market's maintenance ratio), the same rates for a RiskMetrics 99%
EWMA, the worst shortfalls, calm-to-peak ratios, the largest one-day rise, the median haircut
(overall and on calm closes), regime changes per year and in the calm year, and the engine's
horizon (engineHorizonSamples for the demo's lease grace) in closes.

Options:
  --csv FILE             price history: a header with "date" and "close" (or adjclose/price/value)
  --samples-per-day N    grid samples per close (default 24: an hourly grid, one close a day)
  --path step|geometric  how a close's move is laid on its samples: all at the close (default), or
                         spread evenly (understates the variance by the samples-per-day factor)
  --horizons LIST        horizons in closes, comma separated (default 1,2,5)
  --warmup N             closes skipped before counting (default 60)
  --worst N              worst shortfalls listed (default 5)
  --png FILE             chart of price and haircuts (default build/backtest/<csv name>.png)
  --no-png               no chart
  --json                 print the report as JSON only
  --help                 this text

Exit codes: 0 done, 2 bad input.`;

// Output piped into `head` and closed early is not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => process.exit(e.code === "EPIPE" ? 0 : 1));

function fail(message: string): never {
  console.error(`backtest: ${message}`);
  process.exit(2);
}

const { values: args } = (() => {
  try {
    return parseArgs({
      options: {
        csv: { type: "string" },
        "samples-per-day": { type: "string", default: "24" },
        horizons: { type: "string", default: "1,2,5" },
        path: { type: "string", default: "step" },
        warmup: { type: "string", default: "60" },
        worst: { type: "string", default: "5" },
        png: { type: "string" },
        "no-png": { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    });
  } catch (e) {
    return fail(`${(e as Error).message}\n\n${HELP}`);
  }
})();
if (args.help) {
  console.log(HELP);
  process.exit(0);
}
if (args.csv === undefined) fail("--csv FILE is required (see --help)");

const int = (name: string, raw: string, min: number): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
};
const samplesPerDay = int("samples-per-day", args["samples-per-day"]!, 1);
const horizons = args.horizons!.split(",").map((h) => int("horizons", h.trim(), 1));
const warmup = int("warmup", args.warmup!, 0);
const samplePath = args.path;
if (samplePath !== "step" && samplePath !== "geometric") fail(`--path must be step or geometric, got "${samplePath}"`);
const worst = int("worst", args.worst!, 0);

let text: string;
try {
  text = readFileSync(args.csv, "utf8");
} catch (e) {
  fail(`cannot read --csv ${args.csv}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
}

const risk = defaultRiskConfig(3600);
let result: { days: DayRecord[]; report: BacktestReport };
try {
  const points = parsePriceCsv(text, path.basename(args.csv));
  result = backtest(points, { risk, samplesPerDay, path: samplePath, horizons, warmup, worst });
} catch (e) {
  fail((e as Error).message);
}
const { days, report } = result;

const pc = (x: number, digits = 2): string => `${(x * 100).toFixed(digits)}%`;
const png = args["no-png"] ? undefined : (args.png ?? path.join("build", "backtest", `${path.basename(args.csv).replace(/\.[^.]*$/, "")}.png`));
if (png !== undefined) {
  await writeLineChartPng(png, {
    title: `${path.basename(args.csv)}: price and the oracle's margins (${samplesPerDay} samples a close, ${samplePath} path)`,
    x: days.map((d) => d.date),
    yNames: ["price (log)", "margin"],
    logLeft: true,
    series: [
      { name: "close", values: days.map((d) => d.close) },
      { name: "maintenance haircut", values: days.map((d) => d.hMM * 100), axis: 1 },
      { name: "initial haircut", values: days.map((d) => d.hIM * 100), axis: 1 },
      { name: "RiskMetrics 99% 1-day", values: days.map((d) => d.riskMetrics * 100), axis: 1 },
    ],
  });
}

if (args.json) {
  console.log(JSON.stringify({ csv: args.csv, samplesPerDay, path: samplePath, png, ...report }, null, 2));
  process.exit(0);
}

const years = Object.entries(report.regimesPerYear);
// The engine's horizon in closes: a close is the shortest move a daily history shows.
const engineCloses = Math.max(1, Math.ceil(Number(risk.horizonSamples * risk.gridSeconds) / 86_400));
const regimeCounts = years.map(([, n]) => n);
console.log(`${args.csv}: ${report.days} closes (${report.years.toFixed(1)} years of 250), ${report.warmup} skipped as warm-up, ${samplesPerDay} grid samples a close (${samplePath} path)
`);
console.log(
  table(
    ["horizon", "days", "falls > haircut", "moves > mm ratio", "RiskMetrics falls", "RiskMetrics moves"],
    report.breaches.map((b) => [`${b.horizon}`, `${b.observations}`, pc(b.oneSided), pc(b.twoSided), pc(b.riskMetricsOneSided), pc(b.riskMetricsTwoSided)]),
  ),
);
console.log(`\nworst shortfalls at ${horizons[0]} close(s):`);
console.log(table(["date", "move", "margin", "excess"], report.worst.map((s) => [s.date, pc(s.move), pc(s.margin), pc(s.excess)])));
console.log("\ncalm to peak (maintenance haircut; calm = lowest in the 250 closes before the peak):");
console.log(table(["peak", "haircut", "calm", "haircut", "ratio"], report.calmToPeak.map((c) => [c.peakDate, pc(c.peak), c.calmDate, pc(c.calm), `${c.ratio.toFixed(2)}x`])));
console.log(`
largest one-close rise of the maintenance haircut: ${pc(report.maxDailyRise.rise)} points on ${report.maxDailyRise.date}
median maintenance haircut: ${pc(report.medianHaircut)} (calm closes, RiskMetrics below its median: ${pc(report.calmMedianHaircut)}); at the ${pc(Number(risk.haircutFloor) / 1e18, 0)} floor on ${pc(report.atFloor, 1)} of closes
regime changes (each lapses every lease): ${regimeCounts.reduce((a, b) => a + b, 0)} in ${years.length} calendar years, ${Math.min(...regimeCounts)} to ${Math.max(...regimeCounts)} a year; ${report.calmYear.regimes} in the calm year ${report.calmYear.year} (lowest median RiskMetrics)
engine horizon: ${risk.horizonSamples} samples of ${risk.gridSeconds} s (at least ${engineHorizonSamples(risk.gridSeconds, DEV_LEASE.grace)} for the demo's ${DEV_LEASE.grace} s lease grace): ${engineCloses} close(s) of this history`);
if (png !== undefined) console.log(`chart: ${png}`);
