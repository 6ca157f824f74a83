/**
 * Liquidation without disclosure: the insolvency witness (the twin of
 * circuits/src/insolvency.circom) and the remainder opening an owner recomputes (witness.ts), the
 * liquidator's planning of what to seize (plan.ts), and reading the seizure market and submitting
 * the proof (submit.ts). The keeper daemon (prover/src/keeper/) drives these; the openings it
 * liquidates come from the keeper notes (prover/src/keeperNote/).
 */
export {
  INSOLVENCY_STATEMENT_LAYOUT,
  LIQ_DOMAIN,
  LIQUIDATOR_BITS,
  MAX_SEIZURES,
  NO_CAP,
  RESTORE_LAYOUT,
  SEIZED_BITS,
  SolventAccountError,
  buildInsolvencyInput,
  liquidatorTag,
  packInsolvencyStatement,
  packRestore,
  packSeized,
  remainderBlinding,
  remainderOpening,
  seizuresOf,
  unpackInsolvencyStatement,
  unpackRestore,
  unpackSeized,
} from "./witness.js";
export type { InsolvencyArgs, InsolvencyInput, InsolvencyPublicSignals, InsolvencyWitness, Seizure } from "./witness.js";
export {
  atBonusFactor,
  auctionFactor,
  basketValue,
  chooseSeizures,
  closeOutPnl,
  closeOutRequirement,
  closePart,
  planFlag,
  planFrozenSeizure,
  planLiquidation,
  restoreBounds,
} from "./plan.js";
export type { LiquidationPlan, LiquidationRules, SeizureMarket } from "./plan.js";
export { readAuction, readLiquidationRules, readSeizureMarket, seizureStruct, submitFlag, submitFrozenSeizure, submitLiquidation } from "./submit.js";
