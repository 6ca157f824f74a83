/**
 * Fixed conventions shared by the circuits, the contracts and the TypeScript code.
 * Every number here has a twin in `circuits/` and `contracts/`; tests check they agree.
 */

/** BN254 scalar field modulus: every circuit value and public input lives below it. */
export const FIELD_MODULUS =
  21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** Number of collateral asset slots the circuits are compiled for. */
export const N_ASSETS = 16;

/** Token amounts are base units below 2^96 (79 billion whole tokens at 18 decimals). */
export const AMOUNT_BITS = 96;
/** Weights are below 2^128; the oracle guarantees it (MAX_PRICE and MAX_TOKEN_DECIMALS). */
export const WEIGHT_BITS = 128;
/** A margin requirement is below 2^150 value units (about 1.4e15 USD). */
export const REQUIREMENT_BITS = 150;

/** 1.0 in the oracle's fixed-point arithmetic. */
export const WAD = 10n ** 18n;
/** Oracle prices: USD per whole token with 8 decimals (Chainlink's usual scale). */
export const PRICE_DECIMALS = 8;
/** Largest accepted price: 1e8 USD per whole token. Keeps every weight below 2^128. */
export const MAX_PRICE = 10n ** 16n;
/** Value unit of weights and requirements: 1e-30 USD. */
export const VALUE_DECIMALS = 30;
/** Tokens with more decimals than this are not accepted as collateral. */
export const MAX_TOKEN_DECIMALS = 18;
/** Perp position sizes are in 1e-18 units of the underlying. */
export const POSITION_DECIMALS = 18;

/** Bit layout of the packed public `statement` of the account-update circuit (LSB first). */
export const STATEMENT_LAYOUT = {
  requirementShift: 0n,
  magnitudeShift: 150n,
  signShift: 246n,
  indexShift: 247n,
  indexBits: 4n,
  totalBits: 251,
} as const;
