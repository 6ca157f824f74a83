/**
 * Keeper keys on Baby Jubjub (circomlibjs `buildBabyjub`, the curve of circomlib's `babyjub.circom`).
 *
 * A keeper's private key is a scalar 1 <= k < SUB_ORDER drawn uniformly by rejection sampling from
 * `crypto.randomBytes`; its public key is k * Base8, a point of the prime-order subgroup. Traders
 * encrypt their account openings to it (ECDH plus Poseidon encryption), so the key file is the
 * keeper's most sensitive secret: it is written atomically with mode 0600 and never overwritten
 * unless asked.
 *
 * Every value is a bigint; points are [x, y] with canonical coordinates (< FIELD_MODULUS, the BN254 scalar
 * field over which Baby Jubjub is defined).
 */
import { randomBytes } from "node:crypto";
import { AbiCoder, getAddress, keccak256, toUtf8Bytes } from "ethers";
import { existsSync, readFileSync, statSync } from "node:fs";
import { BASE8, getBabyJub, SUB_ORDER, type Point } from "../babyjub.js";
import { FIELD_MODULUS } from "../constants.js";
import { writeFileAtomic } from "../fs/atomic.js";

/** A keeper's key pair. */
export interface KeeperKey {
  /** Scalar in [1, SUB_ORDER). */
  privateKey: bigint;
  /** privateKey * BASE8. */
  publicKey: Point;
}

/** Version of the key file format written by `saveKeeperKey`. */
export const KEY_FILE_VERSION = 1;

/** Bit length of SUB_ORDER: candidates are masked to it, so that about 76% of draws are accepted. */
const SCALAR_BITS = BigInt(SUB_ORDER.toString(2).length);
const SCALAR_MASK = (1n << SCALAR_BITS) - 1n;

/**
 * A uniformly random scalar in [1, SUB_ORDER) from `crypto.randomBytes`, by rejection sampling (no
 * modular bias). Suitable as a private key or an ephemeral ECDH scalar.
 */
export function randomScalar(): bigint {
  for (;;) {
    const candidate = BigInt(`0x${randomBytes(32).toString("hex")}`) & SCALAR_MASK;
    if (candidate !== 0n && candidate < SUB_ORDER) return candidate;
  }
}

/** Throws unless `value` is a scalar in [1, SUB_ORDER); `field` names it in the message. */
export function checkScalar(value: bigint, field = "privateKey"): void {
  if (typeof value !== "bigint") throw new TypeError(`${field} is not a bigint`);
  if (value <= 0n) throw new RangeError(`${field} is not positive`);
  if (value >= SUB_ORDER) throw new RangeError(`${field} is not below the subgroup order`);
}

/**
 * Why `point` is not a valid public key (canonical coordinates, on the curve, not the identity, in
 * the prime-order subgroup), or undefined when it is.
 */
export async function publicKeyError(point: Point, field = "publicKey"): Promise<string | undefined> {
  if (!Array.isArray(point) || point.length !== 2) return `${field} is not a pair [x, y]`;
  for (const i of [0, 1]) {
    const c = point[i];
    if (typeof c !== "bigint") return `${field}[${i}] is not a bigint`;
    if (c < 0n) return `${field}[${i}] is negative`;
    if (c >= FIELD_MODULUS) return `${field}[${i}] is not below the field modulus`;
  }
  const bj = await getBabyJub();
  if (!bj.inCurve(point)) return `${field} is not on the Baby Jubjub curve`;
  if (point[0] === 0n && point[1] === 1n) return `${field} is the identity`;
  if (!bj.inSubgroup(point)) return `${field} is not in the prime-order subgroup`;
  return undefined;
}

/** True iff `point` has canonical coordinates, is on the curve, is not the identity and is in the subgroup. */
export async function isValidPublicKey(point: Point): Promise<boolean> {
  return (await publicKeyError(point)) === undefined;
}

/** Throws an error naming `field` and the reason unless `point` is a valid public key. */
export async function checkPublicKey(point: Point, field = "publicKey"): Promise<void> {
  const error = await publicKeyError(point, field);
  if (error !== undefined) throw new RangeError(error);
}

/** The public key privateKey * BASE8. */
export async function publicKeyOf(privateKey: bigint): Promise<Point> {
  checkScalar(privateKey, "privateKey");
  return (await getBabyJub()).mul(privateKey, BASE8);
}

/** A fresh key pair: a random private key and its public key. */
export async function generateKeeperKey(): Promise<KeeperKey> {
  const privateKey = randomScalar();
  return { privateKey, publicKey: await publicKeyOf(privateKey) };
}

/**
 * The ECDH shared point privateKey * publicKey. Both sides get the same point:
 * ecdh(a, b * BASE8) == ecdh(b, a * BASE8). The public key is validated first, so a low-order
 * point cannot force a predictable shared secret.
 */
export async function ecdh(privateKey: bigint, publicKey: Point): Promise<Point> {
  checkScalar(privateKey, "privateKey");
  await checkPublicKey(publicKey, "publicKey");
  return (await getBabyJub()).mul(privateKey, publicKey);
}

// ----------------------------------------------------------------------------------------------
// Proof of possession (KeeperRegistry.register)
// ----------------------------------------------------------------------------------------------

/** The Schnorr proof `KeeperRegistry.register` takes: R = r * Base8 and s = r + c * privateKey mod SUB_ORDER. */
export interface KeyProof {
  rx: bigint;
  ry: bigint;
  s: bigint;
}

/** What the proof is bound to: nobody else can use it for another caller, registry or chain. */
export interface KeyProofContext {
  /** The chain id (`block.chainid`). */
  chainId: bigint;
  /** The KeeperRegistry's address. */
  registry: string;
  /** The address that will call `register` (the keeper's owner). */
  owner: string;
}

/** `KeeperRegistry.KEY_PROOF_DOMAIN`: keccak256 of the domain string. */
export const KEY_PROOF_DOMAIN = keccak256(toUtf8Bytes("Plimsoll.KeeperRegistry.register.v1"));

/**
 * The challenge c = keccak256(abi.encode(KEY_PROOF_DOMAIN, chainId, registry, owner, A, R)) mod SUB_ORDER,
 * as `KeeperRegistry._checkKeyProof` computes it.
 */
export function keyProofChallenge(ctx: KeyProofContext, publicKey: Point, r: Point): bigint {
  const encoded = AbiCoder.defaultAbiCoder().encode(
    ["bytes32", "uint256", "address", "address", "uint256", "uint256", "uint256", "uint256"],
    [KEY_PROOF_DOMAIN, ctx.chainId, getAddress(ctx.registry), getAddress(ctx.owner), publicKey[0], publicKey[1], r[0], r[1]],
  );
  return BigInt(keccak256(encoded)) % SUB_ORDER;
}

/**
 * A proof that `ctx.owner` knows `key.privateKey`, for `KeeperRegistry.register(x, y, proof)`: a fresh random
 * nonce r (never reused: two proofs with one nonce would reveal the key), R = r * Base8, s = r + c * k.
 */
export async function proveKeyPossession(key: KeeperKey, ctx: KeyProofContext): Promise<KeyProof> {
  checkScalar(key.privateKey, "privateKey");
  const r = randomScalar();
  const R = (await getBabyJub()).mul(r, BASE8);
  const c = keyProofChallenge(ctx, key.publicKey, R);
  return { rx: R[0], ry: R[1], s: (r + c * key.privateKey) % SUB_ORDER };
}

/** True iff `proof` verifies for `publicKey` in `ctx`: s < SUB_ORDER and s * Base8 == R + c * publicKey. */
export async function verifyKeyPossession(publicKey: Point, proof: KeyProof, ctx: KeyProofContext): Promise<boolean> {
  const bj = await getBabyJub();
  if (proof.s >= SUB_ORDER || proof.rx >= FIELD_MODULUS || proof.ry >= FIELD_MODULUS || !bj.inCurve([proof.rx, proof.ry])) return false;
  const c = keyProofChallenge(ctx, publicKey, [proof.rx, proof.ry]);
  const left = bj.mul(proof.s, BASE8);
  const right = bj.add([proof.rx, proof.ry], bj.mul(c, publicKey));
  return left[0] === right[0] && left[1] === right[1];
}

// ----------------------------------------------------------------------------------------------
// Key files
// ----------------------------------------------------------------------------------------------

interface KeyFile {
  version: number;
  curve: string;
  privateKey: string;
  publicKey: [string, string];
}

/** Options of `saveKeeperKey`. */
export interface SaveKeyOptions {
  /** Replace an existing file (default false: a keeper key bonded on-chain must not be lost by accident). */
  overwrite?: boolean;
}

/** Options of `loadKeeperKey`. */
export interface LoadKeyOptions {
  /** Accept a file that group or others may read (default false, as ssh does for private keys). */
  allowInsecurePermissions?: boolean;
}

/**
 * Writes `key` to `path` as JSON (decimal strings) with mode 0600, atomically (temporary file,
 * fsync, rename). Refuses to replace an existing file unless `options.overwrite`.
 */
export async function saveKeeperKey(path: string, key: KeeperKey, options: SaveKeyOptions = {}): Promise<void> {
  checkScalar(key.privateKey, "privateKey");
  const expected = await publicKeyOf(key.privateKey);
  if (key.publicKey[0] !== expected[0] || key.publicKey[1] !== expected[1]) {
    throw new Error("publicKey does not match privateKey * Base8");
  }
  if (!options.overwrite && existsSync(path)) throw new Error(`${path}: a key file already exists (pass overwrite to replace it)`);
  const doc: KeyFile = {
    version: KEY_FILE_VERSION,
    curve: "babyjubjub",
    privateKey: key.privateKey.toString(),
    publicKey: [expected[0].toString(), expected[1].toString()],
  };
  writeFileAtomic(path, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600, exactMode: true, dirMode: 0o700, noClobber: !options.overwrite });
}

/**
 * Reads a key file written by `saveKeeperKey`, validates every field and checks that the public
 * key is privateKey * Base8. Errors name the file and the field.
 */
export async function loadKeeperKey(path: string, options: LoadKeyOptions = {}): Promise<KeeperKey> {
  if (!existsSync(path)) throw new Error(`${path}: no key file`);
  if (process.platform !== "win32" && !options.allowInsecurePermissions) {
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new Error(`${path}: permissions ${mode.toString(8)} are too open for a private key (chmod 600 ${path})`);
    }
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error(`${path}: not a JSON object`);
  const doc = raw as Partial<Record<keyof KeyFile, unknown>>;
  if (doc.version !== KEY_FILE_VERSION) throw new Error(`${path}: version is ${JSON.stringify(doc.version)}, expected ${KEY_FILE_VERSION}`);
  if (doc.curve !== "babyjubjub") throw new Error(`${path}: curve is ${JSON.stringify(doc.curve)}, expected "babyjubjub"`);
  const parse = (v: unknown, field: string): bigint => {
    if (typeof v !== "string" || !/^[0-9]+$/.test(v)) throw new Error(`${path}: ${field} is not a non-negative decimal integer string`);
    return BigInt(v);
  };
  const privateKey = parse(doc.privateKey, "privateKey");
  try {
    checkScalar(privateKey, "privateKey");
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
  if (!Array.isArray(doc.publicKey) || doc.publicKey.length !== 2) throw new Error(`${path}: publicKey is not a pair [x, y]`);
  const publicKey: Point = [parse(doc.publicKey[0], "publicKey[0]"), parse(doc.publicKey[1], "publicKey[1]")];
  const expected = await publicKeyOf(privateKey);
  if (publicKey[0] !== expected[0] || publicKey[1] !== expected[1]) {
    throw new Error(`${path}: publicKey does not match privateKey * Base8`);
  }
  return { privateKey, publicKey };
}
