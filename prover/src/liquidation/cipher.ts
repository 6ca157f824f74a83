/**
 * Encryption of an account opening to a keeper: the TypeScript twin of `KeeperEncryption()` and
 * `LinearBind(n)` in circuits/src/encryption.circom, bit for bit.
 *
 *   plaintext    = [a0 + a1·2^96, a2 + a3·2^96, ..., a14 + a15·2^96, blinding]     (9 elements)
 *   k            = Poseidon(blinding, EPH_DOMAIN) mod 2^250                        (ephemeral scalar)
 *   ephemeralKey = k · Base8
 *   shared       = k · keeperKey  (= keeperPrivateKey · ephemeralKey)
 *   keystream    = PoseidonEx(inputs = [shared.x, shared.y, nonce, 0 × 6], initialState = KS_DOMAIN,
 *                             nOuts = 10).out[1..9]
 *   ciphertext   = plaintext + keystream                                           (mod p)
 *
 * The ephemeral scalar is derived from the blinding, so the ciphertext is a deterministic function
 * of (opening, keeperKey, nonce); each update's fresh random blinding keeps it semantically secure.
 * Decryption checks that the result is an opening (every amount below 2^96) and that the
 * ephemeral key is the one its blinding derives, so a foreign or garbage ciphertext is reported as
 * an {@link InvalidCiphertextError}, never returned as an opening.
 *
 * Keys follow prover/src/keeper/keys.ts: a private key is a scalar in [1, SUB_ORDER), the public
 * key is privateKey · Base8.
 */
import { buildPoseidon } from "circomlibjs";
import { AMOUNT_BITS, FIELD_MODULUS, N_ASSETS } from "../constants.js";
import { accountCommitment, packAmountPair } from "../encoding.js";
import type { SyncPoseidon } from "../poseidon.js";
import { WitnessInputError } from "../witness.js";

// ------------------------------------------------------------------------------------------------
// Constants (twins of the functions of the same names in circuits/src/encryption.circom)

/** Domain of the ephemeral-scalar seed: ASCII "plimsoll.eph" as a big-endian integer. */
export const EPH_DOMAIN = 0x706c696d736f6c6c2e657068n;
/** Capacity element (initial state) of the keystream permutation: ASCII "plimsoll.ks". */
export const KS_DOMAIN = 0x706c696d736f6c6c2e6b73n;
/** The ephemeral scalar is the low EPH_BITS bits of its seed: 0 <= k < 2^250 < SUB_ORDER. */
export const EPH_BITS = 250;
/** The nonce is below 2^64. */
export const NONCE_BITS = 64;
/** Field elements of a ciphertext: N_ASSETS / 2 packed amount pairs, then the blinding. */
export const CIPHERTEXT_LENGTH = N_ASSETS / 2 + 1;

/** Order of Baby Jubjub's prime subgroup (circomlibjs `babyJub.subOrder`). */
export const SUB_ORDER = 2736030358979909402780800718157159386076813972158567259200215660948447373041n;
/** Generator of the prime subgroup (circomlibjs `babyJub.Base8`). */
export const BASE8: Point = [
  5299619240641551281634865583518297030282874472190772894086521144482721001553n,
  16950150798460657717958625567821834550301663161624707787222815936182638968203n,
];

const AMOUNT_LIMIT = 1n << BigInt(AMOUNT_BITS);
const PAIR_LIMIT = 1n << BigInt(2 * AMOUNT_BITS);
const NONCE_LIMIT = 1n << BigInt(NONCE_BITS);
const EPH_MASK = (1n << BigInt(EPH_BITS)) - 1n;

// ------------------------------------------------------------------------------------------------
// Types

/** An affine Baby Jubjub point [x, y] with canonical coordinates (< FIELD_MODULUS). */
export type Point = readonly [bigint, bigint];

/**
 * The circomlibjs Baby Jubjub object (`await buildBabyjub()`), the parts used here. Its field
 * elements are opaque (Montgomery-form buffers); convert with `F.e` and `F.toObject`.
 */
export interface CircomlibBabyJub {
  F: { e(x: bigint): unknown; toObject(x: unknown): bigint };
  mulPointEscalar(point: unknown[], scalar: bigint): unknown[];
  inCurve(point: unknown[]): boolean;
  inSubgroup(point: unknown[]): boolean;
}

/**
 * A synchronous Poseidon (usable wherever a {@link SyncPoseidon} is) that also exposes circomlib's
 * `PoseidonEx(nInputs, nOuts)`: the first `nOuts` elements of the permuted state
 * `[initialState, ...inputs]`.
 */
export interface SyncPoseidonEx extends SyncPoseidon {
  ex(inputs: readonly bigint[], initialState: bigint, nOuts: number): bigint[];
}

/** What `encryptOpening` encrypts, and to whom. */
export interface EncryptArgs {
  /** The opening's basket: N_ASSETS base-unit amounts, each in [0, 2^96). */
  amounts: readonly bigint[];
  /** The opening's blinding, a field element (fresh and uniformly random per update). */
  blinding: bigint;
  /** The keeper's public key: on the curve, in the prime-order subgroup, not the identity. */
  keeperKey: Point;
  /** Public nonce in [0, 2^64). */
  nonce: bigint;
}

/** A ciphertext, as the circuit outputs it. */
export interface EncryptedOpening {
  /** k · Base8. */
  ephemeralKey: Point;
  /** CIPHERTEXT_LENGTH field elements. */
  ciphertext: bigint[];
}

/** What `decryptOpening` needs: the keeper's private key and a ciphertext as read from the chain. */
export interface DecryptArgs {
  /** The keeper's private key, a scalar in [1, SUB_ORDER). */
  keeperPrivateKey: bigint;
  /** The ciphertext's ephemeral key. */
  ephemeralKey: Point;
  /** The ciphertext's field elements. */
  ciphertext: readonly bigint[];
  /** The nonce the ciphertext was made with. */
  nonce: bigint;
  /**
   * Optional, with `commitment`: the account's owner. When both are given, the decrypted opening
   * must open `commitment` for this owner.
   */
  owner?: bigint;
  /** Optional, with `owner`: the account's stored commitment. */
  commitment?: bigint;
}

/** A decrypted opening (the owner is not part of the ciphertext). */
export interface DecryptedOpening {
  amounts: bigint[];
  blinding: bigint;
}

/**
 * A ciphertext does not decrypt to an opening under this key: a foreign ciphertext (another
 * keeper's), garbage, or a malformed event. The message starts with "not a valid opening".
 */
export class InvalidCiphertextError extends Error {
  override name = "InvalidCiphertextError";
  constructor(
    /** Why, e.g. `ciphertext[3] does not unpack to two 96-bit amounts`. */
    readonly reason: string,
  ) {
    super(`not a valid opening: ${reason}`);
  }
}

// ------------------------------------------------------------------------------------------------
// Poseidon with several outputs

let poseidonEx: Promise<SyncPoseidonEx> | undefined;

/**
 * A {@link SyncPoseidonEx} (builds circomlibjs' wasm Poseidon once). It hashes exactly like
 * `initPoseidon()` of prover/src/poseidon.ts, so it can replace it everywhere.
 */
export function initPoseidonEx(): Promise<SyncPoseidonEx> {
  poseidonEx ??= buildPoseidon().then((p: ((inputs: unknown[], state?: unknown, nOut?: number) => unknown) & { F: { toObject(x: unknown): bigint } }) => {
    const h = ((inputs: readonly bigint[]): bigint => p.F.toObject(p([...inputs]))) as SyncPoseidonEx;
    h.ex = (inputs, initialState, nOuts) => {
      if (!Number.isInteger(nOuts) || nOuts < 1 || nOuts > inputs.length + 1) throw new RangeError(`nOuts ${nOuts} is not in [1, ${inputs.length + 1}]`);
      const out = p([...inputs], initialState, nOuts);
      return nOuts === 1 ? [p.F.toObject(out)] : (out as unknown[]).map((x) => p.F.toObject(x));
    };
    return h;
  });
  return poseidonEx;
}

// ------------------------------------------------------------------------------------------------
// Building blocks

const mod = (x: bigint): bigint => ((x % FIELD_MODULUS) + FIELD_MODULUS) % FIELD_MODULUS;

function toF(bj: CircomlibBabyJub, q: Point): unknown[] {
  return [bj.F.e(q[0]), bj.F.e(q[1])];
}

function fromF(bj: CircomlibBabyJub, q: unknown[]): Point {
  return [bj.F.toObject(q[0]), bj.F.toObject(q[1])];
}

/** scalar · point on Baby Jubjub. */
function mul(bj: CircomlibBabyJub, scalar: bigint, point: Point): Point {
  return fromF(bj, bj.mulPointEscalar(toF(bj, point), scalar));
}

/** The ephemeral scalar of an opening: Poseidon(blinding, EPH_DOMAIN) mod 2^250. */
export function ephemeralScalar(h: SyncPoseidon, blinding: bigint): bigint {
  return h([blinding, EPH_DOMAIN]) & EPH_MASK;
}

/** The keeper's public key privateKey · Base8 (privateKey in [1, SUB_ORDER)). */
export function keeperPublicKey(babyjub: CircomlibBabyJub, privateKey: bigint): Point {
  if (typeof privateKey !== "bigint" || privateKey <= 0n || privateKey >= SUB_ORDER) {
    throw new WitnessInputError("keeperPrivateKey", "is not a scalar in [1, SUB_ORDER)");
  }
  return mul(babyjub, privateKey, BASE8);
}

/** The CIPHERTEXT_LENGTH keystream elements for a shared point and a nonce. */
export function keystream(h: SyncPoseidonEx, shared: Point, nonce: bigint): bigint[] {
  const inputs = [shared[0], shared[1], nonce, ...new Array<bigint>(CIPHERTEXT_LENGTH - 3).fill(0n)];
  return h.ex(inputs, KS_DOMAIN, CIPHERTEXT_LENGTH + 1).slice(1);
}

/** The plaintext of an opening: N_ASSETS / 2 packed amount pairs, then the blinding. */
export function openingPlaintext(amounts: readonly bigint[], blinding: bigint): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i < amounts.length; i += 2) out.push(packAmountPair(amounts[i]!, amounts[i + 1]!));
  out.push(blinding);
  return out;
}

/** sum_{i < n} values[i] · r^(i+1) mod p: the evaluation `LinearBind(n)` proves. */
export function linearBind(values: readonly bigint[], r: bigint): bigint {
  if (!Array.isArray(values) || values.length === 0) throw new WitnessInputError("values", "is not a non-empty array");
  fieldElement(r, "r");
  let acc = 0n;
  for (let i = values.length - 1; i >= 0; i--) acc = ((acc + fieldElement(values[i], `values[${i}]`)) * r) % FIELD_MODULUS;
  return acc;
}

// ------------------------------------------------------------------------------------------------
// Validation

function fieldElement(value: unknown, field: string): bigint {
  if (typeof value !== "bigint") throw new WitnessInputError(field, `is not a bigint (got ${typeof value})`);
  if (value < 0n) throw new WitnessInputError(field, "is negative");
  if (value >= FIELD_MODULUS) throw new WitnessInputError(field, "is not below the field modulus");
  return value;
}

function boundedValue(value: unknown, field: string, limit: bigint, limitText: string): bigint {
  const v = fieldElement(value, field);
  if (v >= limit) throw new WitnessInputError(field, `is ${v}, not below ${limitText}`);
  return v;
}

function pointValue(value: unknown, field: string): Point {
  if (!Array.isArray(value) || value.length !== 2) throw new WitnessInputError(field, "is not a pair [x, y]");
  return [fieldElement(value[0], `${field}[0]`), fieldElement(value[1], `${field}[1]`)];
}

/** Throws a WitnessInputError naming `field` unless `key` is a usable keeper public key. */
export function checkKeeperKey(babyjub: CircomlibBabyJub, key: unknown, field = "keeperKey"): Point {
  const point = pointValue(key, field);
  if (!babyjub.inCurve(toF(babyjub, point))) throw new WitnessInputError(field, "is not on the Baby Jubjub curve");
  if (point[0] === 0n) throw new WitnessInputError(field, point[1] === 1n ? "is the identity" : "has x = 0 (a point of order 2)");
  if (!babyjub.inSubgroup(toF(babyjub, point))) throw new WitnessInputError(field, "is not in the prime-order subgroup");
  return point;
}

// ------------------------------------------------------------------------------------------------
// Encryption and decryption

/**
 * Encrypts an opening to a keeper, exactly as `KeeperEncryption()` computes it.
 *
 * @param h a synchronous Poseidon with PoseidonEx, from `await initPoseidonEx()`.
 * @param babyjub the circomlibjs curve, from `await buildBabyjub()`.
 * @throws WitnessInputError naming the field when an amount, the blinding, the key or the nonce is
 *   malformed or out of range (the circuit would have no witness).
 */
export function encryptOpening(h: SyncPoseidonEx, babyjub: CircomlibBabyJub, args: EncryptArgs): EncryptedOpening {
  if (typeof args !== "object" || args === null) throw new WitnessInputError("args", "is not an object");
  if (!Array.isArray(args.amounts)) throw new WitnessInputError("amounts", "is not an array");
  if (args.amounts.length !== N_ASSETS) throw new WitnessInputError("amounts", `has ${args.amounts.length} entries, expected ${N_ASSETS}`);
  const amounts = args.amounts.map((a, i) => boundedValue(a, `amounts[${i}]`, AMOUNT_LIMIT, `2^${AMOUNT_BITS}`));
  const blinding = fieldElement(args.blinding, "blinding");
  const keeperKey = checkKeeperKey(babyjub, args.keeperKey);
  const nonce = boundedValue(args.nonce, "nonce", NONCE_LIMIT, `2^${NONCE_BITS}`);

  const k = ephemeralScalar(h, blinding);
  const ephemeralKey = mul(babyjub, k, BASE8);
  const shared = mul(babyjub, k, keeperKey);
  const ks = keystream(h, shared, nonce);
  const ciphertext = openingPlaintext(amounts, blinding).map((m, i) => (m + ks[i]!) % FIELD_MODULUS);
  return { ephemeralKey, ciphertext };
}

/**
 * Decrypts a ciphertext with the keeper's private key and checks that it is an opening: every
 * packed element unpacks to two amounts below 2^96, the ephemeral key is the one the decrypted
 * blinding derives, and, when `owner` and `commitment` are given, the opening opens the
 * commitment (the owner is not in the ciphertext).
 *
 * @throws InvalidCiphertextError ("not a valid opening: ...") for a foreign, garbage or malformed
 *   ciphertext, ephemeral key or nonce. Never another error for bad ciphertext data.
 * @throws WitnessInputError when `keeperPrivateKey` is not a scalar in [1, SUB_ORDER).
 */
export function decryptOpening(h: SyncPoseidonEx, babyjub: CircomlibBabyJub, args: DecryptArgs): DecryptedOpening {
  if (typeof args !== "object" || args === null) throw new InvalidCiphertextError("the arguments are not an object");
  const priv = args.keeperPrivateKey;
  if (typeof priv !== "bigint" || priv <= 0n || priv >= SUB_ORDER) throw new WitnessInputError("keeperPrivateKey", "is not a scalar in [1, SUB_ORDER)");

  let ephemeralKey: Point;
  let ciphertext: bigint[];
  let nonce: bigint;
  try {
    ephemeralKey = pointValue(args.ephemeralKey, "ephemeralKey");
    if (!Array.isArray(args.ciphertext)) throw new WitnessInputError("ciphertext", "is not an array");
    if (args.ciphertext.length !== CIPHERTEXT_LENGTH) throw new WitnessInputError("ciphertext", `has ${args.ciphertext.length} elements, expected ${CIPHERTEXT_LENGTH}`);
    ciphertext = args.ciphertext.map((c, i) => fieldElement(c, `ciphertext[${i}]`));
    nonce = boundedValue(args.nonce, "nonce", NONCE_LIMIT, `2^${NONCE_BITS}`);
  } catch (err) {
    if (err instanceof WitnessInputError) throw new InvalidCiphertextError(err.message);
    throw err;
  }
  if (!babyjub.inCurve(toF(babyjub, ephemeralKey))) throw new InvalidCiphertextError("ephemeralKey is not on the Baby Jubjub curve");

  const shared = mul(babyjub, priv, ephemeralKey);
  const ks = keystream(h, shared, nonce);
  const plaintext = ciphertext.map((c, i) => mod(c - ks[i]!));

  const amounts: bigint[] = [];
  for (let j = 0; j < CIPHERTEXT_LENGTH - 1; j++) {
    const m = plaintext[j]!;
    if (m >= PAIR_LIMIT) throw new InvalidCiphertextError(`ciphertext[${j}] does not decrypt to two ${AMOUNT_BITS}-bit amounts (wrong key, or not an opening)`);
    amounts.push(m & (AMOUNT_LIMIT - 1n), m >> BigInt(AMOUNT_BITS));
  }
  const blinding = plaintext[CIPHERTEXT_LENGTH - 1]!;

  const expected = mul(babyjub, ephemeralScalar(h, blinding), BASE8);
  if (expected[0] !== ephemeralKey[0] || expected[1] !== ephemeralKey[1]) {
    throw new InvalidCiphertextError("ephemeralKey is not the one the decrypted blinding derives (wrong key, or not an opening)");
  }
  if (args.owner !== undefined || args.commitment !== undefined) {
    const { owner, commitment } = args;
    if (typeof owner !== "bigint" || typeof commitment !== "bigint") throw new WitnessInputError(owner === undefined ? "owner" : "commitment", "must be given together with the other, as bigints");
    if (accountCommitment(h, amounts, blinding, owner) !== commitment) throw new InvalidCiphertextError("the decrypted opening does not open the commitment for this owner");
  }
  return { amounts, blinding };
}
