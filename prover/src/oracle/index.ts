/** The Plimsoll parameter oracle in TypeScript: the bit-exact model of `PlimsollOracle` and deployment helpers. */
// model.ts re-exports the formula's steps (math.ts), the types and the configuration helpers: one list.
export * from "./model.js";
export { backtest, parsePriceCsv } from "./backtest.js";
export type { BacktestOptions, BacktestReport, BreachRates, CalmToPeak, DayRecord, PricePoint, SamplePath, Shortfall } from "./backtest.js";
