/**
 * Conventions of the reserves (custodian proof of reserves) statements, shared bit for bit
 * with circuits/src/reserves*.circom (each has a twin there) and the reserve registry.
 */
import { FIELD_MODULUS, MAX_PRICE, N_ASSETS, WAD } from "../constants.js";

export { FIELD_MODULUS, N_ASSETS, WAD };

/** Balances and reserves are normalised to 6 decimals: one unit is 1e-6 token. */
export const RESERVE_DECIMALS = 6;
/** Every normalised balance is below 2^64 (1.8e13 whole tokens). */
export const BALANCE_BITS = 64;
/** Clients per batch proof (the circuit's template parameter B, a power of two). */
export const BATCH_SIZE = 32;
/** log2(BATCH_SIZE): height of one batch's subtree. */
export const BATCH_LEVELS = 5;
/** Depth of the client tree (the circuit's DEPTH): at most 2^20 clients per period. */
export const TREE_DEPTH = 20;
/** Largest number of clients in one period. */
export const MAX_CLIENTS = 2 ** TREE_DEPTH;
/** Incremental-Merkle frontier entries in the state: levels BATCH_LEVELS .. TREE_DEPTH - 1. */
export const FRONTIER_SIZE = TREE_DEPTH - BATCH_LEVELS;
/** Largest number of batches in one period (batchIndex < 2^FRONTIER_SIZE). */
export const MAX_BATCHES = 2 ** FRONTIER_SIZE;

/** Client id hash: sha256(utf8(id)) >> 8, 248 bits. */
export const ID_HASH_BITS = 248;
/** Reserve weights (1e-30 USD per normalised unit) are below 2^110. */
export const RESERVE_WEIGHT_BITS = 110;
/** Width of the health comparison: 16 * 2^64 * 2^110 = 2^178. */
export const HEALTH_BITS = BALANCE_BITS + RESERVE_WEIGHT_BITS + 4;
/** Per-asset client sums (2^20 clients of < 2^64) and published reserves are below 2^84. */
export const SUM_BITS = BALANCE_BITS + TREE_DEPTH;
/** periodTag = (uint160(custodian) << 32) | periodIndex: 192 bits. */
export const PERIOD_TAG_BITS = 192;
/** Width of the low field of tagIndex (batchIndex) and tagCount (clientCount), and of periodIndex. */
export const INDEX_BITS = 32;

/** Field elements of a leaf's packed balances: 32 values, three per element. */
export const PACKED_BALANCES = Math.ceil((2 * N_ASSETS) / 3);
/** Field elements of the packed public reserves: 16 values, three per element. */
export const PACKED_RESERVES = Math.ceil(N_ASSETS / 3);

/** Weight scale: one normalised unit (1e-6 token) at a price with 8 decimals is price * 1e16 in 1e-30 USD. */
export const RESERVE_VALUE_SCALE = 10n ** 16n;
/** Largest accepted oracle price (8 decimals), as for the margin weights (MAX_PRICE). */
export const MAX_RESERVE_PRICE = MAX_PRICE;
/** Largest token decimals normalize.ts accepts (ERC-20 `decimals()` is a uint8). */
export const MAX_TOKEN_DECIMALS_RESERVES = 255;

/** Public signal counts of the two circuits. */
export const BATCH_PUBLIC_SIGNALS = 4;
export const FINALIZE_PUBLIC_SIGNALS = 3 + PACKED_RESERVES;

/** 2^BALANCE_BITS: every normalised balance is below it. */
export const BALANCE_LIMIT = 1n << BigInt(BALANCE_BITS);
/** 2^SUM_BITS: every per-asset sum and every reserve is below it. */
export const SUM_LIMIT = 1n << BigInt(SUM_BITS);
/** 2^RESERVE_WEIGHT_BITS: every reserve weight is below it. */
export const RESERVE_WEIGHT_LIMIT = 1n << BigInt(RESERVE_WEIGHT_BITS);
/** 2^INDEX_BITS: every batch index, client count and period index is below it. */
export const INDEX_LIMIT = 1n << BigInt(INDEX_BITS);
