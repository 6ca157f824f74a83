/**
 * Verifiable encryption to a keeper (circuits/src/encryption.circom) and its TypeScript twin
 * (prover/src/keeperNote/cipher.ts).
 *
 * The circuit's outputs are compared with cipher.ts, and the curve points with an independent
 * twisted-Edwards implementation in plain bigint arithmetic below. Inputs that must fail are built
 * by hand so that the circuit is what is tested.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { buildBabyjub } from "circomlibjs";
import { FIELD_MODULUS as P, N_ASSETS } from "../../prover/src/constants.js";
import {
  BASE8,
  type CircomlibBabyJub,
  CIPHERTEXT_LENGTH,
  decryptOpening,
  EPH_DOMAIN,
  encryptOpening,
  type EncryptArgs,
  initPoseidonEx,
  InvalidCiphertextError,
  keeperPublicKey,
  KS_DOMAIN,
  linearBind,
  type Point,
  SUB_ORDER,
  type SyncPoseidonEx,
} from "../../prover/src/index.js";
import { accountCommitment } from "../../prover/src/encoding.js";
import { WitnessInputError } from "../../prover/src/index.js";
import { type CircuitInput, constraintLine, loadCircuit, PROJECT_ROOT, type TestCircuit } from "../helpers/circuit.js";
import { rng } from "../helpers/reference.js";

const TWO_96 = 1n << 96n;
const MAX_AMOUNT = TWO_96 - 1n;
const TWO_64 = 1n << 64n;

// ---------------------------------------------------------------------------
// Independent reference: Baby Jubjub in plain bigint arithmetic (a = 168700, d = 168696).

const mod = (x: bigint): bigint => ((x % P) + P) % P;
function inverse(x: bigint): bigint {
  let result = 1n;
  let base = mod(x);
  for (let e = P - 2n; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * base) % P;
    base = (base * base) % P;
  }
  return result;
}
function edwardsAdd(p: Point, q: Point): Point {
  const [x1, y1] = p;
  const [x2, y2] = q;
  const t = mod(168696n * x1 * x2 % P * y1 % P * y2);
  return [mod((x1 * y2 + y1 * x2) % P * inverse(1n + t)), mod((y1 * y2 - 168700n * x1 * x2) % P * inverse(1n - t))];
}
function edwardsMul(k: bigint, p: Point): Point {
  let acc: Point = [0n, 1n];
  let base = p;
  for (let e = k; e > 0n; e >>= 1n) {
    if (e & 1n) acc = edwardsAdd(acc, base);
    base = edwardsAdd(base, base);
  }
  return acc;
}


const KEY_NOT_X0 = constraintLine("circuits/src/encryption.circom", "KeeperEncryption")("keeperKey[0] * keyXInverse === 1;");

const randomPrivateKey = (rand: (bits: number) => bigint): bigint => (rand(256) % (SUB_ORDER - 1n)) + 1n;

// ---------------------------------------------------------------------------

const AMOUNTS = [
  12n * 10n ** 18n + 345n, 3n * 10n ** 7n, 25_000n * 10n ** 6n, 0n, 1n, 7n * 10n ** 18n, 5n * 10n ** 8n, 10n ** 18n,
  0n, 999_999n, 10n ** 21n, 123_456_789_012n, 0n, 3n, 10n ** 17n, 42n * 10n ** 9n,
];
const BLINDING = 0x1234_5678_9abc_def0_1234_5678_9abc_def0_1234_5678_9abc_def0_1234_5678n;
const KEEPER_PRIVATE = 0x0badc0ffee_0123456789abcdef_0123456789abcdef_0123456789abcdefn;
const NONCE = 7n;

/** Circuit input of KeeperEncryption() (no validation: may be dishonest). */
const encInput = (args: { amounts: readonly bigint[]; blinding: bigint; keeperKey: Point; nonce: bigint }): CircuitInput => ({
  amounts: args.amounts,
  blinding: args.blinding,
  keeperKey: args.keeperKey,
  nonce: args.nonce,
});

describe("KeeperEncryption() circuit", function () {
  let circuit: TestCircuit;
  let h: SyncPoseidonEx;
  let bj: CircomlibBabyJub;
  let keeperKey: Point;

  before(async function () {
    h = await initPoseidonEx();
    bj = (await buildBabyjub()) as CircomlibBabyJub;
    keeperKey = keeperPublicKey(bj, KEEPER_PRIVATE);
    circuit = await loadCircuit("test/circuits/main/encryption_keeper.circom");
  });

  /** Outputs in the .sym order: ephemeralKey[2], ciphertext[9]. */
  const outputs = (witness: bigint[]): { ephemeralKey: Point; ciphertext: bigint[] } => {
    const pub = circuit.publicSignals(witness);
    return { ephemeralKey: [pub[0]!, pub[1]!], ciphertext: pub.slice(2, 2 + CIPHERTEXT_LENGTH) };
  };

  it("outputs what encryptOpening computes, for random and extreme openings, keys and nonces", async function () {
    const rand = rng(7n);
    const cases: EncryptArgs[] = [
      { amounts: AMOUNTS, blinding: BLINDING, keeperKey, nonce: NONCE },
      { amounts: Array(16).fill(0n), blinding: 0n, keeperKey, nonce: 0n },
      { amounts: Array(16).fill(MAX_AMOUNT), blinding: P - 1n, keeperKey, nonce: TWO_64 - 1n },
      ...Array.from({ length: 4 }, () => ({
        amounts: Array.from({ length: 16 }, () => rand(96)),
        blinding: rand(256) % P,
        keeperKey: keeperPublicKey(bj, randomPrivateKey(rand)),
        nonce: rand(64),
      })),
    ];
    for (const c of cases) {
      const witness = await circuit.calculateWitness(encInput(c));
      circuit.checkConstraints(witness);
      const expected = encryptOpening(h, bj, c);
      const got = outputs(witness);
      expect(got.ephemeralKey).to.deep.equal(expected.ephemeralKey);
      expect(got.ciphertext).to.deep.equal(expected.ciphertext);
    }
  });

  it("derives k = Poseidon(blinding, EPH_DOMAIN) mod 2^250 and encrypts under k * keeperKey (independent arithmetic)", async function () {
    const witness = await circuit.calculateWitness(encInput({ amounts: AMOUNTS, blinding: BLINDING, keeperKey, nonce: NONCE }));
    const { ephemeralKey, ciphertext } = outputs(witness);
    const ascii = (text: string): bigint => BigInt(`0x${Buffer.from(text, "ascii").toString("hex")}`);
    expect(EPH_DOMAIN).to.equal(ascii("plimsoll.eph"));
    expect(KS_DOMAIN).to.equal(ascii("plimsoll.ks"));
    const k = h([BLINDING, EPH_DOMAIN]) % (1n << 250n);
    expect(k).to.be.below(SUB_ORDER);
    expect(ephemeralKey).to.deep.equal(edwardsMul(k, BASE8));
    // The keeper's side of the ECDH: privateKey * ephemeralKey == k * keeperKey.
    const shared = edwardsMul(KEEPER_PRIVATE, ephemeralKey);
    expect(shared).to.deep.equal(edwardsMul(k, edwardsMul(KEEPER_PRIVATE, BASE8)));
    const ks = h.ex([shared[0], shared[1], NONCE, 0n, 0n, 0n, 0n, 0n, 0n], KS_DOMAIN, 10).slice(1);
    const plaintext = [...Array.from({ length: 8 }, (_, j) => AMOUNTS[2 * j]! + AMOUNTS[2 * j + 1]! * TWO_96), BLINDING];
    expect(ciphertext).to.deep.equal(plaintext.map((m, i) => mod(m + ks[i]!)));
  });

  it("rejects a nonce of 2^64 and p - 1", async function () {
    await circuit.calculateWitness(encInput({ amounts: AMOUNTS, blinding: BLINDING, keeperKey, nonce: TWO_64 - 1n }));
    for (const nonce of [TWO_64, P - 1n]) {
      await circuit.expectWitnessFailure(encInput({ amounts: AMOUNTS, blinding: BLINDING, keeperKey, nonce }), /Num2Bits/);
    }
  });

  it("rejects a keeper key that is not on the curve", async function () {
    const off: Point = [keeperKey[0], mod(keeperKey[1] + 1n)];
    await circuit.expectWitnessFailure(encInput({ amounts: AMOUNTS, blinding: BLINDING, keeperKey: off, nonce: NONCE }), /BabyCheck/);
  });

  it("rejects the identity and the point of order 2 as keeper keys", async function () {
    for (const key of [[0n, 1n], [0n, P - 1n]] as Point[]) {
      await circuit.expectWitnessFailure(encInput({ amounts: AMOUNTS, blinding: BLINDING, keeperKey: key, nonce: NONCE }), KEY_NOT_X0);
    }
  });

  it("has the constraint count written in its template header", async function () {
    const source = readFileSync(join(PROJECT_ROOT, "circuits/src/encryption.circom"), "utf8");
    const documented = /KeeperEncryption alone as a main component[^\n]*\n\/\/\s+([\d,]+) non-linear constraints/.exec(source);
    expect(documented, "constraint count in circuits/src/encryption.circom").to.not.equal(null);
    expect(circuit.info.constraints).to.equal(Number(documented![1]!.replace(/,/g, "")));
    console.log(`      KeeperEncryption(): ${circuit.info.constraints} constraints`);
  });
});

describe("a ciphertext bound as an input (test main EncryptionCheck)", function () {
  let circuit: TestCircuit;
  let h: SyncPoseidonEx;
  let bj: CircomlibBabyJub;
  let keeperKey: Point;
  let honest: { ephemeralKey: Point; ciphertext: bigint[] };

  const MAIN = "test/circuits/main/encryption_check.circom";
  const lineOf = (snippet: string): RegExp => {
    const lines = readFileSync(join(PROJECT_ROOT, MAIN), "utf8").split("\n").flatMap((t, i) => (t.includes(snippet) ? [i + 1] : []));
    if (lines.length !== 1) throw new Error(`"${snippet}" occurs ${lines.length} times in ${MAIN}`);
    return new RegExp(`EncryptionCheck_\\d+ line: ${lines[0]}(\\n|$)`);
  };
  const CIPHERTEXT = lineOf("enc.ciphertext[i] === ciphertext[i];");
  const EPHEMERAL = lineOf("enc.ephemeralKey[i] === ephemeralKey[i];");

  const input = (over: Partial<{ amounts: readonly bigint[]; blinding: bigint; keeperKey: Point; nonce: bigint; ephemeralKey: Point; ciphertext: readonly bigint[] }> = {}): CircuitInput => ({
    amounts: over.amounts ?? AMOUNTS,
    blinding: over.blinding ?? BLINDING,
    keeperKey: over.keeperKey ?? keeperKey,
    nonce: over.nonce ?? NONCE,
    ephemeralKey: over.ephemeralKey ?? honest.ephemeralKey,
    ciphertext: over.ciphertext ?? honest.ciphertext,
  });

  before(async function () {
    h = await initPoseidonEx();
    bj = (await buildBabyjub()) as CircomlibBabyJub;
    keeperKey = keeperPublicKey(bj, KEEPER_PRIVATE);
    honest = encryptOpening(h, bj, { amounts: AMOUNTS, blinding: BLINDING, keeperKey, nonce: NONCE });
    circuit = await loadCircuit(MAIN);
  });

  it("accepts the ciphertext that decrypts to the opening", async function () {
    circuit.checkConstraints(await circuit.calculateWitness(input()));
    const opened = decryptOpening(h, bj, { keeperPrivateKey: KEEPER_PRIVATE, ...honest, nonce: NONCE });
    expect(opened.amounts).to.deep.equal(AMOUNTS);
    expect(opened.blinding).to.equal(BLINDING);
  });

  it("rejects a ciphertext with any one element changed by one", async function () {
    for (let i = 0; i < CIPHERTEXT_LENGTH; i++) {
      const ciphertext = honest.ciphertext.map((c, j) => (j === i ? mod(c + 1n) : c));
      await circuit.expectWitnessFailure(input({ ciphertext }), CIPHERTEXT);
    }
  });

  it("rejects a ciphertext of another opening, another nonce or another keeper", async function () {
    const rand = rng(11n);
    const otherKey = keeperPublicKey(bj, randomPrivateKey(rand));
    const others = [
      encryptOpening(h, bj, { amounts: AMOUNTS.map((a, i) => (i === 5 ? a + 1n : a)), blinding: BLINDING, keeperKey, nonce: NONCE }).ciphertext,
      encryptOpening(h, bj, { amounts: AMOUNTS, blinding: BLINDING, keeperKey, nonce: NONCE + 1n }).ciphertext,
      encryptOpening(h, bj, { amounts: AMOUNTS, blinding: BLINDING, keeperKey: otherKey, nonce: NONCE }).ciphertext,
      Array.from({ length: CIPHERTEXT_LENGTH }, () => rand(256) % P),
    ];
    for (const ciphertext of others) await circuit.expectWitnessFailure(input({ ciphertext }), CIPHERTEXT);
  });

  it("rejects an ephemeral key that is not k * Base8 for the derived k", async function () {
    const k = h([BLINDING, EPH_DOMAIN]) % (1n << 250n);
    for (const scalar of [k + 1n, k + SUB_ORDER + 1n, 1n]) {
      await circuit.expectWitnessFailure(input({ ephemeralKey: edwardsMul(scalar, BASE8) }), EPHEMERAL);
    }
  });

  it("rejects the honest ciphertext presented with another keeper key or nonce", async function () {
    const otherKey = keeperPublicKey(bj, KEEPER_PRIVATE + 1n);
    await circuit.expectWitnessFailure(input({ keeperKey: otherKey }), CIPHERTEXT);
    await circuit.expectWitnessFailure(input({ nonce: NONCE + 1n }), CIPHERTEXT);
  });

  it("rejects an honest witness with a ciphertext wire changed (R1CS check)", async function () {
    const witness = await circuit.calculateWitness(input());
    // Public signals start at wire 1: keeperKey[2], nonce, ephemeralKey[2], ciphertext[9].
    for (const wire of [6, 10, 14]) {
      const tampered = [...witness];
      tampered[wire] = mod(tampered[wire]! + 1n);
      expect(() => circuit.checkConstraints(tampered), `wire ${wire}`).to.throw(/not satisfied/);
    }
  });
});

describe("LinearBind(9) circuit", function () {
  let circuit: TestCircuit;
  before(async function () {
    circuit = await loadCircuit("test/circuits/main/encryption_linear_bind_9.circom");
  });

  it("accepts e = sum values[i] * r^(i+1) for random values and challenges, r = 0, 1 and p - 1", async function () {
    const rand = rng(5n);
    const values = Array.from({ length: 9 }, () => rand(256) % P);
    for (const r of [0n, 1n, P - 1n, rand(256) % P, rand(256) % P]) {
      const naive = values.reduce((acc, v, i) => mod(acc + v * modPow(r, BigInt(i + 1))), 0n);
      const e = linearBind(values, r);
      expect(e).to.equal(naive);
      circuit.checkConstraints(await circuit.calculateWitness({ values, r, e }));
    }
  });

  it("rejects the evaluation when any one value changes, and e + 1", async function () {
    const rand = rng(6n);
    const values = Array.from({ length: 9 }, () => rand(256) % P);
    const r = rand(256) % P;
    const e = linearBind(values, r);
    for (let i = 0; i < 9; i++) {
      const changed = values.map((v, j) => (j === i ? mod(v + 1n) : v));
      await circuit.expectWitnessFailure({ values: changed, r, e }, /LinearBind/);
    }
    await circuit.expectWitnessFailure({ values, r, e: mod(e + 1n) }, /LinearBind/);
  });

  it("costs 9 constraints", function () {
    expect(circuit.info.constraints).to.equal(9);
  });
});

function modPow(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
  }
  return result;
}

describe("cipher.ts", function () {
  let h: SyncPoseidonEx;
  let bj: CircomlibBabyJub;
  let keeperKey: Point;

  before(async function () {
    h = await initPoseidonEx();
    bj = (await buildBabyjub()) as CircomlibBabyJub;
    keeperKey = keeperPublicKey(bj, KEEPER_PRIVATE);
  });

  const throwsInvalid = (fn: () => unknown, reason?: RegExp): void => {
    let error: unknown;
    try {
      fn();
    } catch (err) {
      error = err;
    }
    expect(error, "an InvalidCiphertextError").to.be.instanceOf(InvalidCiphertextError);
    expect((error as Error).message).to.match(/^not a valid opening: /);
    if (reason !== undefined) expect((error as Error).message).to.match(reason);
  };

  const rejectsInput = (fn: () => unknown, field: string, reason: string): void => {
    let error: unknown;
    try {
      fn();
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(WitnessInputError);
    expect((error as WitnessInputError).field).to.equal(field);
    expect((error as Error).message).to.include(reason);
  };

  it("decrypts what it encrypts, for random openings, keys and nonces", function () {
    const rand = rng(21n);
    for (let n = 0; n < 8; n++) {
      const priv = randomPrivateKey(rand);
      const amounts = Array.from({ length: N_ASSETS }, () => rand(96));
      const blinding = rand(256) % P;
      const nonce = rand(64);
      const enc = encryptOpening(h, bj, { amounts, blinding, keeperKey: keeperPublicKey(bj, priv), nonce });
      const dec = decryptOpening(h, bj, { keeperPrivateKey: priv, ...enc, nonce });
      expect(dec.amounts).to.deep.equal(amounts);
      expect(dec.blinding).to.equal(blinding);
    }
  });

  it("checks the decrypted opening against a commitment when given one", function () {
    const owner = 0x5b38da6a701c568545dcfcb03fcb875f56beddc4n;
    const commitment = accountCommitment(h, AMOUNTS, BLINDING, owner);
    const enc = encryptOpening(h, bj, { amounts: AMOUNTS, blinding: BLINDING, keeperKey, nonce: NONCE });
    const base = { keeperPrivateKey: KEEPER_PRIVATE, ...enc, nonce: NONCE };
    expect(decryptOpening(h, bj, { ...base, owner, commitment }).amounts).to.deep.equal(AMOUNTS);
    // An element changed by one still decrypts to amounts below 2^96: the commitment catches it.
    const ciphertext = enc.ciphertext.map((c, i) => (i === 2 ? mod(c + 1n) : c));
    expect(decryptOpening(h, bj, { ...base, ciphertext }).amounts[4]).to.equal(AMOUNTS[4]! + 1n);
    throwsInvalid(() => decryptOpening(h, bj, { ...base, ciphertext, owner, commitment }), /does not open the commitment/);
    throwsInvalid(() => decryptOpening(h, bj, { ...base, owner: owner + 1n, commitment }), /does not open the commitment/);
  });

  it("reports decryption with the wrong key or the wrong nonce as not a valid opening", function () {
    const enc = encryptOpening(h, bj, { amounts: AMOUNTS, blinding: BLINDING, keeperKey, nonce: NONCE });
    throwsInvalid(() => decryptOpening(h, bj, { keeperPrivateKey: KEEPER_PRIVATE + 1n, ...enc, nonce: NONCE }));
    throwsInvalid(() => decryptOpening(h, bj, { keeperPrivateKey: KEEPER_PRIVATE, ...enc, nonce: NONCE + 1n }));
  });

  it("reports a blinding element that does not match the ephemeral key", function () {
    const enc = encryptOpening(h, bj, { amounts: AMOUNTS, blinding: BLINDING, keeperKey, nonce: NONCE });
    const ciphertext = enc.ciphertext.map((c, i) => (i === 8 ? mod(c + 1n) : c));
    throwsInvalid(() => decryptOpening(h, bj, { keeperPrivateKey: KEEPER_PRIVATE, ...enc, ciphertext, nonce: NONCE }), /ephemeralKey is not the one/);
  });

  it("reports garbage and malformed ciphertexts as not a valid opening, never another error", function () {
    const rand = rng(33n);
    const enc = encryptOpening(h, bj, { amounts: AMOUNTS, blinding: BLINDING, keeperKey, nonce: NONCE });
    const base = { keeperPrivateKey: KEEPER_PRIVATE, ...enc, nonce: NONCE };
    for (let n = 0; n < 5; n++) {
      const garbage = Array.from({ length: CIPHERTEXT_LENGTH }, () => rand(256) % P);
      throwsInvalid(() => decryptOpening(h, bj, { ...base, ciphertext: garbage }));
      throwsInvalid(() => decryptOpening(h, bj, { ...base, ephemeralKey: keeperPublicKey(bj, randomPrivateKey(rand)) }));
    }
    const bad: unknown[] = [
      { ...base, ciphertext: enc.ciphertext.slice(0, 8) },
      { ...base, ciphertext: [...enc.ciphertext, 0n] },
      { ...base, ciphertext: enc.ciphertext.map((c, i) => (i === 3 ? P : c)) },
      { ...base, ciphertext: enc.ciphertext.map((c, i) => (i === 3 ? -1n : c)) },
      { ...base, ciphertext: enc.ciphertext.map((c, i) => (i === 3 ? "12" : c)) },
      { ...base, ciphertext: "0x1234" },
      { ...base, ephemeralKey: [1n, 2n] },
      { ...base, ephemeralKey: [enc.ephemeralKey[0]] },
      { ...base, ephemeralKey: null },
      { ...base, nonce: TWO_64 },
      { ...base, nonce: -1n },
      null,
    ];
    for (const args of bad) throwsInvalid(() => decryptOpening(h, bj, args as Parameters<typeof decryptOpening>[2]));
  });

  it("names the field of an opening, key or nonce the circuit would reject", function () {
    const args = { amounts: AMOUNTS, blinding: BLINDING, keeperKey, nonce: NONCE };
    rejectsInput(() => encryptOpening(h, bj, { ...args, amounts: AMOUNTS.map((a, i) => (i === 3 ? TWO_96 : a)) }), "amounts[3]", "not below 2^96");
    rejectsInput(() => encryptOpening(h, bj, { ...args, amounts: AMOUNTS.slice(1) }), "amounts", "has 15 entries");
    rejectsInput(() => encryptOpening(h, bj, { ...args, blinding: P }), "blinding", "not below the field modulus");
    rejectsInput(() => encryptOpening(h, bj, { ...args, nonce: TWO_64 }), "nonce", "not below 2^64");
    rejectsInput(() => encryptOpening(h, bj, { ...args, keeperKey: [keeperKey[0], mod(keeperKey[1] + 1n)] }), "keeperKey", "not on the Baby Jubjub curve");
    rejectsInput(() => encryptOpening(h, bj, { ...args, keeperKey: [0n, 1n] }), "keeperKey", "is the identity");
    // A point of order 8 * l: on the curve, not in the subgroup (the full-group generator).
    const generator: Point = [
      995203441582195749578291179787384436505546430278305826713579947235728471134n,
      5472060717959818805561601436314318772137091100104008585924551046643952123905n,
    ];
    rejectsInput(() => encryptOpening(h, bj, { ...args, keeperKey: generator }), "keeperKey", "not in the prime-order subgroup");
    rejectsInput(() => decryptOpening(h, bj, { keeperPrivateKey: SUB_ORDER, ...encryptOpening(h, bj, args), nonce: NONCE }), "keeperPrivateKey", "not a scalar");
  });
});
