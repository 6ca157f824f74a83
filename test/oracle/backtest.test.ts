/**
 * The backtest harness on small generated histories whose answers are known by construction, and the
 * `npm run backtest` script end to end (help, bad input, JSON, the PNG chart).
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { backtest, parsePriceCsv, runModel, type BacktestOptions, type PricePoint } from "../../prover/src/oracle/backtest.js";
import { OracleModel, defaultRiskConfig } from "../../prover/src/oracle/model.js";
import { paths } from "../../scripts/lib/paths.js";

const run = promisify(execFile);
const risk = defaultRiskConfig(3600);
const options: BacktestOptions = { risk, samplesPerDay: 24, path: "step", horizons: [1, 2, 5], warmup: 10, worst: 3 };
/** The default haircut and margin floor, as a fraction. */
const FLOOR = Number(risk.haircutFloor) / 1e18;

/** Dates 2001-01-01 onwards, one a day (calendar days: the harness only needs them ordered). */
function dated(closes: readonly number[]): PricePoint[] {
  const start = Date.UTC(2001, 0, 1);
  return closes.map((close, i) => ({ date: new Date(start + i * 86_400_000).toISOString().slice(0, 10), close }));
}

describe("oracle backtest", function () {
  describe("#parsePriceCsv", function () {
    it("reads date and close columns in any order and skips missing closes", function () {
      const points = parsePriceCsv("Close,Date\n10,2001-01-01\nnull,2001-01-02\n11.5,2001-01-03\n", "x.csv");
      expect(points).to.deep.equal([
        { date: "2001-01-01", close: 10 },
        { date: "2001-01-03", close: 11.5 },
      ]);
    });

    it("names the line and the reason for a bad row", function () {
      expect(() => parsePriceCsv("date,close\n2001-01-01,10\n2001-01-02,-1\n", "x.csv")).to.throw(RangeError, 'x.csv:3: close "-1" is not a positive number');
      expect(() => parsePriceCsv("date,close\n2001-01-02,10\n2001-01-01,11\n", "x.csv")).to.throw(RangeError, "x.csv:3: date 2001-01-01 is not after 2001-01-02");
      expect(() => parsePriceCsv("day,close\n2001-01-01,10\n2001-01-02,11\n", "x.csv")).to.throw(RangeError, 'x.csv: the header has no "date" column');
      expect(() => parsePriceCsv("date,open\n2001-01-01,10\n2001-01-02,11\n", "x.csv")).to.throw(RangeError, "no close/adjclose/price/value column");
    });
  });

  describe("#runModel", function () {
    it("publishes at each close what the bit-exact model publishes after the same samples", function () {
      const closes = [100, 101, 99, 104, 97];
      const days = runModel(dated(closes), risk, 24, "step");
      // The same samples by hand: the first close once, then 23 repeats and the new close per day.
      const model = new OracleModel(
        { risk, assets: [{ token: "0x0000000000000000000000000000000000000001", decimals: 18, sources: ["0x00000000000000000000000000000000000000a1", "0x00000000000000000000000000000000000000a2"], initialVariance: risk.varianceFloor }], marketUnderlyings: [0] },
        () => 0n,
      );
      let t = risk.gridSeconds;
      const sample = (p: number): void => {
        const reading = { answer: BigInt(p) * 10n ** 8n, updatedAt: t, decimals: 8 };
        model.sample(t, [[reading, reading]]);
        t += risk.gridSeconds;
      };
      sample(closes[0]!);
      for (let i = 1; i < closes.length; i++) for (let k = 1; k <= 24; k++) sample(k === 24 ? closes[i]! : closes[i - 1]!);
      expect(days[4]!.hMM).to.equal(Number(model.haircuts(0).maintenance) / 1e18);
      expect(days[4]!.mmRatio).to.equal(Number(model.marketRatios(0).maintenance) / 1e18);
    });

    it("computes the RiskMetrics reference from log returns with lambda 0.94 and z 2.326", function () {
      const closes = [100, 102, 99, 99, 101];
      const days = runModel(dated(closes), risk, 1);
      let v = Math.log(102 / 100) ** 2;
      for (let i = 2; i < closes.length; i++) v = 0.94 * v + 0.06 * Math.log(closes[i]! / closes[i - 1]!) ** 2;
      // (closeTo is replaced by Hardhat's chai matchers for bigints; compare floats with within.)
      const expected = 2.326 * Math.sqrt(v);
      expect(days[4]!.riskMetrics).to.be.within(expected - 1e-15, expected + 1e-15);
    });

    it("understates volatility when a day's move is spread evenly over its samples", function () {
      // A 1% floor and the first build's fast rate limits, so that neither hides the difference.
      const open = { ...risk, haircutFloor: risk.haircutFloor / 5n, marginFloor: risk.marginFloor / 5n, maxTightenStep: risk.maxTightenStep * 40n };
      const closes = dated(Array.from({ length: 80 }, (_, i) => 100 * (i % 2 === 0 ? 1 : 1.03)));
      const step = runModel(closes, open, 24, "step");
      const even = runModel(closes, open, 24, "geometric");
      expect(step[79]!.hMM).to.be.greaterThan(even[79]!.hMM * 2);
    });
  });

  describe("#backtest", function () {
    it("finds no breach, no regime change and the floor on a flat history", function () {
      const { report } = backtest(dated(new Array(60).fill(100)), options);
      for (const b of report.breaches) {
        expect([b.oneSided, b.twoSided, b.riskMetricsOneSided, b.riskMetricsTwoSided]).to.deep.equal([0, 0, 0, 0]);
      }
      expect(report.worst).to.deep.equal([]);
      expect(report.medianHaircut).to.equal(FLOOR);
      expect(report.atFloor).to.equal(1);
      expect(Object.values(report.regimesPerYear).reduce((a, b) => a + b, 0)).to.equal(0);
    });

    it("counts a crash from calm as a breach at every horizon that spans it, and lists it first", function () {
      const closes = [...new Array(40).fill(100), ...new Array(20).fill(80)];
      const { days, report } = backtest(dated(closes), options);
      // The fall happens between close 39 and 40: horizon h sees it from the h closes before 40.
      for (const b of report.breaches) {
        const expected = b.horizon / b.observations;
        expect(b.oneSided, `one-sided at ${b.horizon}`).to.equal(expected);
        expect(b.twoSided, `two-sided at ${b.horizon}`).to.equal(expected);
      }
      expect(report.worst[0]!.date).to.equal(days[39]!.date);
      expect(report.worst[0]!.move).to.be.within(-0.2 - 1e-12, -0.2 + 1e-12);
      expect(report.worst[0]!.margin).to.equal(FLOOR);
      // A 20% move leaves the band (the 5% floor haircut): one regime change.
      expect(Object.values(report.regimesPerYear).reduce((a, b) => a + b, 0)).to.equal(1);
      // The haircut rose after the crash: its peak stands against the floor it sat on.
      expect(report.calmToPeak[0]!.calm).to.equal(FLOOR);
      expect(report.calmToPeak[0]!.ratio).to.be.greaterThan(1);
      // The crash is the last sample of close 40, so the haircut rises one rate-limited step that close and
      // a full close of steps (24 x maxTightenStep) the next.
      expect(report.maxDailyRise.date).to.equal(days[41]!.date);
      expect(report.maxDailyRise.rise).to.be.within(0, (24 * Number(risk.maxTightenStep)) / 1e18 + 1e-12);
    });

    it("names the calm year (the full year with the lowest median RiskMetrics) with its regime changes, and the calm-time median haircut", function () {
      // 2001 and the first 35 days of 2002 swing 4% a close, the rest is flat; 2003 has too few closes to count.
      const closes = Array.from({ length: 800 }, (_, i) => (i < 400 ? 100 * (i % 2 === 0 ? 1 : 1.04) : 100));
      const { report } = backtest(dated(closes), options);
      expect(report.calmYear.year).to.equal("2002");
      expect(report.calmYear.regimes).to.equal(report.regimesPerYear["2002"]);
      expect(report.calmMedianHaircut).to.be.at.most(report.medianHaircut);
      expect(report.calmMedianHaircut).to.be.at.least(FLOOR);
    });

    it("refuses a warm-up that leaves nothing to count and a horizon that is not a positive integer", function () {
      expect(() => backtest(dated([100, 101, 102]), { ...options, warmup: 5 })).to.throw(RangeError, "warmup 5 leaves no closes to count");
      expect(() => backtest(dated([100, 101, 102]), { ...options, horizons: [0] })).to.throw(RangeError, "horizon 0 is not a positive integer");
    });
  });

  describe("npm run backtest", function () {
    const dir = mkdtempSync(join(tmpdir(), "plimsoll-backtest-"));
    const script = join(paths.root, "scripts", "backtest.ts");
    const backtestCli = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
      try {
        const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", script, ...args], { cwd: paths.root });
        return { code: 0, stdout, stderr };
      } catch (err) {
        const e = err as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    };
    const csv = join(dir, "crash.csv");
    writeFileSync(csv, ["date,close", ...dated([...new Array(70).fill(100), ...new Array(30).fill(70)]).map((p) => `${p.date},${p.close}`)].join("\n"));

    it("prints its help and exits 0", async function () {
      const r = await backtestCli("--help");
      expect(r.code).to.equal(0);
      expect(r.stdout).to.contain("--csv FILE");
    });

    it("exits 2 naming the option on bad input", async function () {
      const r = await backtestCli("--csv", csv, "--horizons", "1,x");
      expect(r.code).to.equal(2);
      expect(r.stderr).to.contain('--horizons must be an integer >= 1, got "x"');
      const missing = await backtestCli("--csv", join(dir, "none.csv"));
      expect(missing.code).to.equal(2);
      expect(missing.stderr).to.contain("cannot read --csv");
    });

    it("prints parseable JSON and writes a PNG chart", async function () {
      const png = join(dir, "chart.png");
      const r = await backtestCli("--csv", csv, "--json", "--png", png);
      expect(r.code, r.stderr).to.equal(0);
      const report = JSON.parse(r.stdout) as { days: number; breaches: { horizon: number; oneSided: number }[]; png: string };
      expect(report.days).to.equal(100);
      expect(report.breaches.map((b) => b.horizon)).to.deep.equal([1, 2, 5]);
      expect(report.breaches[0]!.oneSided).to.be.greaterThan(0);
      const bytes = readFileSync(png);
      expect(bytes.subarray(1, 4).toString("latin1")).to.equal("PNG");
    });
  });
});
