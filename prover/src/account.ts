/**
 * An account's private opening and the planning of one update: the next opening, the
 * circuit input and the public signals the engine will derive.
 */
import { randomBytes } from "node:crypto";
import { AMOUNT_BITS, AMOUNT_LIMIT, FIELD_MODULUS, N_ASSETS } from "./constants.js";
import { accountCommitment, type BasketDelta } from "./encoding.js";
import type { SyncPoseidon } from "./poseidon.js";
import { buildAccountUpdateInput, type AccountUpdatePublicSignals } from "./witness.js";
import { sealUpdate, type KeeperNote, type KeeperTarget, type NoteCrypto } from "./keeperNote/index.js";

/** What the trader keeps off-chain: the basket amounts and the commitment's blinding. */
export interface AccountOpening {
  /** Owner address as an integer (bound into the commitment). */
  owner: bigint;
  /** Base units per asset slot, N_ASSETS entries, each in [0, 2^96). */
  amounts: bigint[];
  /** Blinding, a field element. */
  blinding: bigint;
}

/** The opening every account starts from: an empty basket with blinding 0 (public knowledge). */
export function emptyOpening(owner: bigint): AccountOpening {
  return { owner, amounts: new Array<bigint>(N_ASSETS).fill(0n), blinding: 0n };
}

/** A uniformly random field element (rejection sampling, no modulo bias). */
export function randomBlinding(): bigint {
  for (;;) {
    const x = BigInt(`0x${randomBytes(32).toString("hex")}`) >> 2n; // 254 bits
    if (x < FIELD_MODULUS && x !== 0n) return x;
  }
}

/** The commitment of an opening. */
export function commitmentOf(h: SyncPoseidon, o: AccountOpening): bigint {
  return accountCommitment(h, o.amounts, o.blinding, o.owner);
}

/** Applies a delta, with an error naming the slot when the result leaves [0, 2^96). */
export function applyDelta(amounts: readonly bigint[], delta: BasketDelta): bigint[] {
  const next = [...amounts];
  const v = next[delta.index];
  if (v === undefined) throw new RangeError(`delta.index ${delta.index} is not an asset slot`);
  const r = v + delta.amount;
  if (r < 0n) throw new RangeError(`delta makes amounts[${delta.index}] negative (${v} ${delta.amount})`);
  if (r >= AMOUNT_LIMIT) throw new RangeError(`delta makes amounts[${delta.index}] reach 2^${AMOUNT_BITS}`);
  next[delta.index] = r;
  return next;
}

/** Everything needed to prove and submit one account update. */
export interface PlannedUpdate {
  /** The circuit input of AccountUpdateWithKeeper (the statement plus the keeper encryption). */
  input: Record<string, unknown>;
  publicSignals: AccountUpdatePublicSignals & { challenge: bigint; binding: bigint };
  /** The new opening encrypted to the keeper, as the engine receives it. */
  note: KeeperNote;
  next: AccountOpening;
}

/** The keeper side of an update: whom the new opening is encrypted to, and the nonce (the epoch). */
export interface UpdateKeeper {
  crypto: NoteCrypto;
  keeper: KeeperTarget;
  nonce: bigint;
}

/**
 * Plans an update of `current` by `delta` that must clear `requirement` under `weights`, with the
 * new opening encrypted to `k.keeper`. `privateChange` (a note absorbed or emitted, see
 * prover/src/notes/account.ts) changes the basket too, without appearing in the statement.
 */
export function planUpdate(
  h: SyncPoseidon,
  current: AccountOpening,
  delta: BasketDelta,
  requirement: bigint,
  weights: readonly bigint[],
  k: UpdateKeeper,
  newBlinding: bigint = randomBlinding(),
  privateChange?: BasketDelta,
): PlannedUpdate {
  const afterDelta = applyDelta(current.amounts, delta);
  const amounts = privateChange === undefined ? afterDelta : applyDelta(afterDelta, privateChange);
  const next: AccountOpening = { owner: current.owner, amounts, blinding: newBlinding };
  const { input, publicSignals } = buildAccountUpdateInput(h, {
    owner: current.owner,
    oldAmounts: current.amounts,
    oldBlinding: current.blinding,
    newBlinding,
    weights,
    requirement,
    delta,
    privateChange,
  });
  const sealed = sealUpdate(k.crypto, { newAmounts: next.amounts, newBlinding, newCommitment: publicSignals.newCommitment, keeper: k.keeper, nonce: k.nonce });
  return {
    input: { ...input, ...sealed.input },
    publicSignals: { ...publicSignals, challenge: sealed.challenge, binding: sealed.binding },
    note: sealed.note,
    next,
  };
}
