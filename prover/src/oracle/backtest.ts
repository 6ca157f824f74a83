/**
 * Backtest of the oracle's margin formula over a daily price history.
 *
 * The bit-exact `OracleModel` is run over the history, each day expanded to `samplesPerDay` samples on
 * the grid. With the `step` path (the default) the price holds for the first `samplesPerDay - 1` samples
 * and moves to the close at the last one, so that the variance the model sees per day is the day's squared
 * return, as it would be with real intraday prices; the `geometric` path spreads the move evenly, which
 * understates the variance by the factor `samplesPerDay` and is there to show that effect. At every close the maintenance haircut, the market's maintenance ratio and the price regime are
 * recorded. The statistics then ask the question a clearinghouse asks of its margin model: how often did
 * the price move further over the liquidation horizon than the margin in force when the horizon began?
 *
 * A plain RiskMetrics 99% EWMA (daily lambda 0.94, z = 2.326, floating point, log returns) is computed
 * independently here, from the closes alone, as the reference a reader can check by hand.
 */
import { WAD } from "../constants.js";
import { OracleModel, type OracleConfig, type RiskConfig, type SourceReading } from "./model.js";

/** How a day's move is laid on the grid: all at the close (`step`) or evenly in log price (`geometric`). */
export type SamplePath = "step" | "geometric";

/** One row of a price history. */
export interface PricePoint {
  /** ISO date (YYYY-MM-DD) or any label that sorts in time order. */
  date: string;
  /** Close price, > 0. */
  close: number;
}

/** What the model published at one close. */
export interface DayRecord {
  date: string;
  close: number;
  /** Maintenance haircut (fraction). */
  hMM: number;
  /** Initial haircut (fraction). */
  hIM: number;
  /** The market's maintenance margin ratio (fraction). */
  mmRatio: number;
  /** Price regime after the close. */
  regime: number;
  /** The RiskMetrics reference one-day 99% haircut (fraction of log price), from closes up to this one. */
  riskMetrics: number;
}

/** Breach rates at one horizon, over the days after the warm-up. */
export interface BreachRates {
  /** Horizon in closes (trading days). */
  horizon: number;
  /** Days counted. */
  observations: number;
  /** Share of days whose fall over the horizon exceeded the maintenance haircut (collateral). */
  oneSided: number;
  /** Share of days whose move either way exceeded the market's maintenance ratio (a perp position). */
  twoSided: number;
  /** The same two shares for the RiskMetrics reference scaled by sqrt(horizon). */
  riskMetricsOneSided: number;
  riskMetricsTwoSided: number;
}

/** One of the worst misses: the move over the horizon beyond the margin in force. */
export interface Shortfall {
  date: string;
  horizon: number;
  /** Simple return over the horizon (fraction, signed). */
  move: number;
  /** The market maintenance ratio in force at the start. */
  margin: number;
  /** |move| - margin. */
  excess: number;
}

/** A stress episode: the haircut's peak against its calm level in the year before. */
export interface CalmToPeak {
  peakDate: string;
  peak: number;
  calmDate: string;
  calm: number;
  ratio: number;
}

export interface BacktestReport {
  days: number;
  years: number;
  warmup: number;
  breaches: BreachRates[];
  worst: Shortfall[];
  calmToPeak: CalmToPeak[];
  /** The largest rise of the maintenance haircut from one close to the next (fraction) and its date. */
  maxDailyRise: { date: string; rise: number };
  /** Median maintenance haircut over all days after the warm-up, and share of them at the floor. */
  medianHaircut: number;
  atFloor: number;
  /** Median maintenance haircut over the calm days: those whose RiskMetrics reference is below its median. */
  calmMedianHaircut: number;
  /** The calm year: the full calendar year with the lowest median RiskMetrics reference, and its regime changes. */
  calmYear: { year: string; regimes: number };
  /** Regime changes in each calendar year (by the first four characters of the date). */
  regimesPerYear: Record<string, number>;
}

export interface BacktestOptions {
  /** The oracle's constants (the demo's `defaultRiskConfig()` by default). */
  risk: RiskConfig;
  /** Samples per close (24 on an hourly grid). */
  samplesPerDay: number;
  /** How a day's move is spread over its samples (see the file header). */
  path: SamplePath;
  /** Horizons in closes. */
  horizons: readonly number[];
  /** Closes skipped before statistics are counted (the model and the reference settle in). */
  warmup: number;
  /** How many worst shortfalls to list. */
  worst: number;
}

const ZERO_ADDRESS_PREFIX = "0x00000000000000000000000000000000000000";
const RISKMETRICS_LAMBDA = 0.94;
const RISKMETRICS_Z = 2.326;
const YEAR_CLOSES = 250;

/** Reads `date,close` rows (a header names the columns; `close`, `adjclose`, `price` or `value` is taken). */
export function parsePriceCsv(text: string, source = "csv"): PricePoint[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length < 2) throw new RangeError(`${source}: needs a header and at least one row`);
  const header = lines[0]!.split(",").map((h) => h.trim().toLowerCase());
  const dateCol = header.indexOf("date");
  const closeCol = ["close", "adjclose", "adj close", "price", "value"].map((c) => header.indexOf(c)).find((i) => i >= 0);
  if (dateCol < 0) throw new RangeError(`${source}: the header has no "date" column (found: ${header.join(", ")})`);
  if (closeCol === undefined) throw new RangeError(`${source}: the header has no close/adjclose/price/value column`);
  const points: PricePoint[] = [];
  lines.slice(1).forEach((line, i) => {
    const cells = line.split(",");
    const date = cells[dateCol]?.trim() ?? "";
    const raw = cells[closeCol]?.trim() ?? "";
    if (raw === "" || raw === "null" || raw === ".") return; // a missing close (holiday rows in some files)
    const close = Number(raw);
    if (!Number.isFinite(close) || close <= 0) throw new RangeError(`${source}:${i + 2}: close "${raw}" is not a positive number`);
    if (date === "") throw new RangeError(`${source}:${i + 2}: date is empty`);
    const prev = points[points.length - 1];
    if (prev !== undefined && date <= prev.date) throw new RangeError(`${source}:${i + 2}: date ${date} is not after ${prev.date}`);
    points.push({ date, close });
  });
  if (points.length < 2) throw new RangeError(`${source}: needs at least two closes`);
  return points;
}

/** The one-asset, one-market configuration the backtest runs (two agreeing sources). */
function backtestConfig(risk: RiskConfig): OracleConfig {
  return {
    risk,
    assets: [{ token: `${ZERO_ADDRESS_PREFIX}01`, decimals: 18, sources: [`${ZERO_ADDRESS_PREFIX}a1`, `${ZERO_ADDRESS_PREFIX}a2`], initialVariance: risk.varianceFloor }],
    marketUnderlyings: [0],
  };
}

const toFraction = (wad: bigint): number => Number(wad) / Number(WAD);
const toPrice8 = (x: number): bigint => {
  const p = BigInt(Math.round(x * 1e8));
  return p > 0n ? p : 1n;
};

/** Runs the model over the history and records each close. Hashes are not needed, so none is computed. */
export function runModel(points: readonly PricePoint[], risk: RiskConfig, samplesPerDay: number, path: SamplePath = "step"): DayRecord[] {
  if (!Number.isInteger(samplesPerDay) || samplesPerDay < 1) throw new RangeError(`samplesPerDay ${samplesPerDay} is not a positive integer`);
  const model = new OracleModel(backtestConfig(risk), () => 0n);
  const grid = risk.gridSeconds;
  let t = grid;
  const sample = (price: number): void => {
    const answer = toPrice8(price);
    const reading: SourceReading = { answer, updatedAt: t, decimals: 8 };
    model.sample(t, [[reading, reading]]);
    t += grid;
  };

  const records: DayRecord[] = [];
  let variance = 0;
  points.forEach((p, i) => {
    if (i === 0) sample(p.close);
    else {
      const prev = points[i - 1]!.close;
      for (let k = 1; k <= samplesPerDay; k++) {
        if (path === "geometric") sample(prev * Math.pow(p.close / prev, k / samplesPerDay));
        else sample(k === samplesPerDay ? p.close : prev);
      }
      const r = Math.log(p.close / prev);
      variance = i === 1 ? r * r : RISKMETRICS_LAMBDA * variance + (1 - RISKMETRICS_LAMBDA) * r * r;
    }
    const h = model.haircuts(0);
    const m = model.marketRatios(0);
    records.push({
      date: p.date,
      close: p.close,
      hMM: toFraction(h.maintenance),
      hIM: toFraction(h.initial),
      mmRatio: toFraction(m.maintenance),
      regime: Number(model.currentRegime),
      riskMetrics: RISKMETRICS_Z * Math.sqrt(variance),
    });
  });
  return records;
}

function breachRates(days: readonly DayRecord[], horizon: number, warmup: number): BreachRates {
  let n = 0;
  let one = 0;
  let two = 0;
  let rmOne = 0;
  let rmTwo = 0;
  for (let t = warmup; t + horizon < days.length; t++) {
    const d = days[t]!;
    const move = days[t + horizon]!.close / d.close - 1;
    const logMove = Math.log(1 + move);
    const rm = d.riskMetrics * Math.sqrt(horizon);
    n++;
    if (-move > d.hMM) one++;
    if (Math.abs(move) > d.mmRatio) two++;
    if (-logMove > rm) rmOne++;
    if (Math.abs(logMove) > rm) rmTwo++;
  }
  const share = (k: number): number => (n === 0 ? 0 : k / n);
  return { horizon, observations: n, oneSided: share(one), twoSided: share(two), riskMetricsOneSided: share(rmOne), riskMetricsTwoSided: share(rmTwo) };
}

function worstShortfalls(days: readonly DayRecord[], horizons: readonly number[], warmup: number, count: number): Shortfall[] {
  const all: Shortfall[] = [];
  for (const horizon of horizons) {
    for (let t = warmup; t + horizon < days.length; t++) {
      const d = days[t]!;
      const move = days[t + horizon]!.close / d.close - 1;
      const excess = Math.abs(move) - d.mmRatio;
      if (excess > 0) all.push({ date: d.date, horizon, move, margin: d.mmRatio, excess });
    }
  }
  return all.sort((a, b) => b.excess - a.excess).slice(0, count);
}

/** The highest haircut peaks at least a year apart, each against the lowest haircut in the year before it. */
function calmToPeaks(days: readonly DayRecord[], warmup: number, count: number): CalmToPeak[] {
  const order = days.map((d, i) => ({ d, i })).filter(({ i }) => i >= warmup).sort((a, b) => b.d.hMM - a.d.hMM);
  const peaks: number[] = [];
  for (const { i } of order) {
    if (peaks.length === count) break;
    if (peaks.every((p) => Math.abs(p - i) >= YEAR_CLOSES)) peaks.push(i);
  }
  return peaks.map((i) => {
    let calm = i;
    for (let j = Math.max(warmup, i - YEAR_CLOSES); j < i; j++) if (days[j]!.hMM < days[calm]!.hMM) calm = j;
    const peak = days[i]!;
    const low = days[calm]!;
    return { peakDate: peak.date, peak: peak.hMM, calmDate: low.date, calm: low.hMM, ratio: peak.hMM / low.hMM };
  });
}

const medianOf = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? 0 : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Statistics of a recorded run (see the file header). */
export function summarise(days: readonly DayRecord[], options: Pick<BacktestOptions, "horizons" | "warmup" | "worst">, floor: number): BacktestReport {
  const { horizons, warmup, worst } = options;
  if (warmup >= days.length - 1) throw new RangeError(`warmup ${warmup} leaves no closes to count (history has ${days.length})`);
  const counted = days.slice(warmup);
  let maxDailyRise = { date: counted[0]!.date, rise: 0 };
  const regimesPerYear: Record<string, number> = {};
  for (let t = Math.max(1, warmup); t < days.length; t++) {
    const rise = days[t]!.hMM - days[t - 1]!.hMM;
    if (rise > maxDailyRise.rise) maxDailyRise = { date: days[t]!.date, rise };
    const year = days[t]!.date.slice(0, 4);
    regimesPerYear[year] = (regimesPerYear[year] ?? 0) + (days[t]!.regime - days[t - 1]!.regime);
  }
  const rmMedian = medianOf(counted.map((d) => d.riskMetrics));
  const byYear = new Map<string, number[]>();
  for (const d of counted) byYear.set(d.date.slice(0, 4), [...(byYear.get(d.date.slice(0, 4)) ?? []), d.riskMetrics]);
  // Full years only: at least 200 closes counted.
  const full = [...byYear.entries()].filter(([, xs]) => xs.length >= 200);
  const calmest = (full.length > 0 ? full : [...byYear.entries()]).map(([year, xs]) => ({ year, level: medianOf(xs) })).sort((a, b) => a.level - b.level)[0]!;
  return {
    days: days.length,
    years: days.length / YEAR_CLOSES,
    warmup,
    breaches: horizons.map((h) => breachRates(days, h, warmup)),
    worst: worstShortfalls(days, horizons.slice(0, 1), warmup, worst),
    calmToPeak: calmToPeaks(days, warmup, 3),
    maxDailyRise,
    medianHaircut: medianOf(counted.map((d) => d.hMM)),
    atFloor: counted.filter((d) => d.hMM <= floor + 1e-12).length / counted.length,
    calmMedianHaircut: medianOf(counted.filter((d) => d.riskMetrics < rmMedian).map((d) => d.hMM)),
    calmYear: { year: calmest.year, regimes: regimesPerYear[calmest.year] ?? 0 },
    regimesPerYear,
  };
}

/** Runs the model over `points` and summarises it. */
export function backtest(points: readonly PricePoint[], options: BacktestOptions): { days: DayRecord[]; report: BacktestReport } {
  for (const h of options.horizons) {
    if (!Number.isInteger(h) || h < 1) throw new RangeError(`horizon ${h} is not a positive integer`);
  }
  const days = runModel(points, options.risk, options.samplesPerDay, options.path);
  return { days, report: summarise(days, options, toFraction(options.risk.haircutFloor)) };
}
