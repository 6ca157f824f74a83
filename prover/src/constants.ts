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
/** Ethereum addresses (owners, liquidators, custodians) are below 2^160. */
export const ADDRESS_BITS = 160;
/** Owners are Ethereum addresses: below 2^160 (checked by the circuits). */
export const OWNER_BITS = ADDRESS_BITS;
/** Keeper ids are below 2^40 (`uint40` in the engine and the keeper registry). */
export const KEEPER_ID_BITS = 40;
/** A keeper note's nonce (the epoch) is below 2^64. */
export const NONCE_BITS = 64;

/** 2^AMOUNT_BITS: every amount is below it. */
export const AMOUNT_LIMIT = 1n << BigInt(AMOUNT_BITS);
/** 2^WEIGHT_BITS: every weight is below it. */
export const WEIGHT_LIMIT = 1n << BigInt(WEIGHT_BITS);
/** 2^REQUIREMENT_BITS: every requirement is below it. */
export const REQUIREMENT_LIMIT = 1n << BigInt(REQUIREMENT_BITS);
/** 2^ADDRESS_BITS: every address is below it. */
export const ADDRESS_LIMIT = 1n << BigInt(ADDRESS_BITS);
/** 2^KEEPER_ID_BITS: every keeper id is below it. */
export const KEEPER_ID_LIMIT = 1n << BigInt(KEEPER_ID_BITS);
/** 2^NONCE_BITS: every note nonce is below it. */
export const NONCE_LIMIT = 1n << BigInt(NONCE_BITS);

/** 1.0 in the oracle's fixed-point arithmetic. */
export const WAD = 10n ** 18n;
/** Oracle prices: USD per whole token with 8 decimals (Chainlink's usual scale). */
export const PRICE_DECIMALS = 8;
/** Largest accepted price: 1e8 USD per whole token. Keeps every weight below 2^128. */
export const MAX_PRICE = 10n ** 16n;
/** Value unit of weights and requirements: 1e-30 USD. */
export const VALUE_DECIMALS = 30;
/** One US cent in value units (1e-30 USD): 10^28. */
export const VALUE_PER_CENT = 10n ** BigInt(VALUE_DECIMALS - 2);
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
