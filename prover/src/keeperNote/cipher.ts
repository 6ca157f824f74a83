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
import { BASE8, SUB_ORDER, type CircomlibBabyJub, type Point } from "../babyjub.js";
import { AMOUNT_BITS, AMOUNT_LIMIT, FIELD_MODULUS, N_ASSETS, NONCE_BITS, NONCE_LIMIT } from "../constants.js";
import { accountCommitment, packAmountPair, toField } from "../encoding.js";
import type { SyncPoseidon, SyncPoseidonEx } from "../poseidon.js";
import { boundedFieldElement as boundedValue, fieldElement, fieldPair as pointValue, WitnessInputError } from "../validate.js";

// ------------------------------------------------------------------------------------------------
// Constants (twins of the functions of the same names in circuits/src/encryption.circom)

/** Domain of the ephemeral-scalar seed: ASCII "plimsoll.eph" as a big-endian integer. */
export const EPH_DOMAIN = 0x706c696d736f6c6c2e657068n;
/** Capacity element (initial state) of the keystream permutation: ASCII "plimsoll.ks". */
export const KS_DOMAIN = 0x706c696d736f6c6c2e6b73n;
/** The ephemeral scalar is the low EPH_BITS bits of its seed: 0 <= k < 2^250 < SUB_ORDER. */
export const EPH_BITS = 250;
/** Field elements of a ciphertext: N_ASSETS / 2 packed amount pairs, then the blinding. */
export const CIPHERTEXT_LENGTH = N_ASSETS / 2 + 1;

const PAIR_LIMIT = 1n << BigInt(2 * AMOUNT_BITS);
const EPH_MASK = (1n << BigInt(EPH_BITS)) - 1n;

// ------------------------------------------------------------------------------------------------
// Types

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
// Building blocks

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

/** Throws a WitnessInputError naming `field` unless `key` is a usable keeper public key. */
export function checkKeeperKey(babyjub: CircomlibBabyJub, key: unknown, field = "keeperKey"): Point {
  const point: Point = pointValue(key, field);
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
  const plaintext = ciphertext.map((c, i) => toField(c - ks[i]!));

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
