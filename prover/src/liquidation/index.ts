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
  SEIZED_BITS,
  SolventAccountError,
  buildInsolvencyInput,
  liquidatorTag,
  packInsolvencyStatement,
  packSeized,
  remainderBlinding,
  remainderOpening,
  seizuresOf,
  unpackInsolvencyStatement,
  unpackSeized,
} from "./witness.js";
export type { InsolvencyArgs, InsolvencyInput, InsolvencyPublicSignals, InsolvencyWitness, Seizure } from "./witness.js";
export { basketValue, chooseSeizures, closeOutPnl, planLiquidation } from "./plan.js";
export type { LiquidationPlan, SeizureMarket } from "./plan.js";
export { readSeizureMarket, seizureStruct, submitLiquidation } from "./submit.js";
