/** The Plimsoll parameter oracle in TypeScript: the bit-exact model of `PlimsollOracle` and deployment helpers. */
export {
  ORACLE_LIMITS,
  OracleModel,
  aggregate,
  annualVolToVariancePerSample,
  decayPerSample,
  defaultRiskConfig,
  ewma,
  initialOf,
  isqrt,
  leftBand,
  lambdaPerSample,
  liquidationBonusOf,
  median,
  mulDiv,
  mulDivUp,
  normaliseReading,
  rateLimit,
  riskMultiplierOf,
  squaredReturn,
  targetRatio,
  validateConfig,
  weightOf,
} from "./model.js";
export type {
  AssetConfig,
  Epoch,
  FrozenAsset,
  MarginPair,
  OracleConfig,
  RiskConfig,
  SourceReading,
  Volatility,
} from "./model.js";
export { backtest, parsePriceCsv } from "./backtest.js";
export type { BacktestOptions, BacktestReport, BreachRates, CalmToPeak, DayRecord, PricePoint, SamplePath, Shortfall } from "./backtest.js";
