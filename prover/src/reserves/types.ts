/** The two shapes every part of the reserves code shares: a client's balances and the epoch's weights. */

/** A client's balances in normalised units (6 decimals; normalize.ts converts token base units). */
export interface ClientBalances {
  /** Client identifier, any non-empty string; only its hash enters the tree. */
  id: string;
  /** Leaf salt, a field element; planPeriod draws a random one when omitted. */
  salt?: bigint;
  /** Per asset slot (16), what the custodian holds for the client, each in [0, 2^64). */
  assets: readonly bigint[];
  /** Per asset slot (16), what the client owes the custodian, each in [0, 2^64). */
  liabilities: readonly bigint[];
}

/** Per-asset weights of one epoch: the value of one normalised unit, in 1e-30 USD. */
export interface ReserveWeights {
  /** wA_i = floor(P_i * (WAD - h_i) * 1e16 / WAD): collateral value after the maintenance haircut. */
  assetWeights: bigint[];
  /** wL_i = ceil(P_i * (WAD + h_i) * 1e16 / WAD): liability value plus the maintenance add-on. */
  liabilityWeights: bigint[];
}

