/**
 * The warm Groth16 prover (prover/src/groth16Warm.mjs), against snarkjs 0.7.6 on the insolvency key
 * (small) and one reserves_batch proof: its QAP evaluations equal snarkjs buildABC1's bit for bit
 * (reimplemented here as the reference, on the thread pool and on one thread), its proofs verify and
 * carry snarkjs' public signals, r and s are fresh, a key is parsed once, and keys or witnesses it
 * must not take are refused with a named error.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { artifacts, loadSnarkjs, Prover, terminateCurves } from "../../prover/src/index.js";
import { buildABC, groth16ProveWarm, keyParseCount, loadKey, readWitness, UnsupportedKeyError } from "../../prover/src/groth16Warm.mjs";
import { exampleInput, type ExampleCircuit } from "../../scripts/lib/proverInputs.js";

/** The slice of ffjavascript's curve the reference needs. */
interface Curve {
  Fr: { add(a: Uint8Array, b: Uint8Array): Uint8Array; mul(a: Uint8Array, b: Uint8Array): Uint8Array };
  tm: { concurrency: number };
}

/** A binary file's sections (iden3 format), read here independently of the prover: type -> [start, end). */
function sections(bytes: Uint8Array): Map<number, [number, number]> {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Map<number, [number, number]>();
  for (let i = 0, p = 12; i < v.getUint32(8, true); i++) {
    const size = Number(v.getBigUint64(p + 4, true));
    out.set(v.getUint32(p, true), [p + 12, p + 12 + size]);
    p += 12 + size;
  }
  return out;
}

const leBigInt = (b: Uint8Array): bigint => BigInt(`0x${Buffer.from(b).reverse().toString("hex") || "0"}`);

/** snarkjs 0.7.6 buildABC1: A and B accumulated coefficient by coefficient with Fr.add/Fr.mul, then C = A * B. */
function referenceABC(curve: Curve, zkey: Uint8Array, witness: Uint8Array, domainSize: number): Uint8Array[] {
  const [start, end] = sections(zkey).get(4)!;
  const coefs = zkey.subarray(start, end);
  const v = new DataView(coefs.buffer, coefs.byteOffset, coefs.byteLength);
  const out = [0, 1, 2].map(() => new Uint8Array(domainSize * 32));
  for (let i = 0; i < v.getUint32(0, true); i++) {
    const o = 4 + i * 44;
    const [m, c, s] = [v.getUint32(o, true), v.getUint32(o + 4, true), v.getUint32(o + 8, true)];
    const term = curve.Fr.mul(coefs.slice(o + 12, o + 44), witness.slice(s * 32, s * 32 + 32));
    out[m]!.set(curve.Fr.add(out[m]!.slice(c * 32, c * 32 + 32), term), c * 32);
  }
  for (let i = 0; i < domainSize; i++) out[2]!.set(curve.Fr.mul(out[0]!.slice(i * 32, i * 32 + 32), out[1]!.slice(i * 32, i * 32 + 32)), i * 32);
  return out;
}

interface Fixture {
  zkey: Uint8Array;
  wtns: Uint8Array;
  vkey: unknown;
}

async function fixture(circuit: ExampleCircuit): Promise<Fixture> {
  const snarkjs = await loadSnarkjs();
  const paths = artifacts.circuit(circuit);
  const out = { type: "mem" } as { type: string; data?: Uint8Array };
  await snarkjs.wtns.calculate(await exampleInput(circuit), new Uint8Array(readFileSync(paths.wasmPath)), out);
  return { zkey: new Uint8Array(readFileSync(paths.zkeyPath)), wtns: out.data!, vkey: JSON.parse(readFileSync(artifacts.vkey(circuit), "utf8")) };
}

describe("warm Groth16 prover (groth16Warm.mjs)", function () {
  this.timeout(600_000);
  let snarkjs: Awaited<ReturnType<typeof loadSnarkjs>>;
  let insolvency: Fixture;

  before(async function () {
    snarkjs = await loadSnarkjs();
    insolvency = await fixture("insolvency");
  });
  after(async function () {
    await terminateCurves();
  });

  it("builds A.w, B.w and C = A.w * B.w bit for bit as snarkjs buildABC1, on the thread pool and on one thread", async function () {
    const key = await loadKey(insolvency.zkey);
    const witness = readWitness(key, insolvency.wtns);
    const pool = (await snarkjs.curves.getCurveFromName("bn128")) as Curve;
    const single = (await (snarkjs.curves.getCurveFromName as (n: string, o: unknown) => Promise<unknown>)("bn128", { singleThread: true })) as Curve;
    expect(pool.tm.concurrency).to.be.greaterThan(1); // the split across threads is what is under test
    const reference = referenceABC(pool, insolvency.zkey, witness, key.domainSize);
    expect(reference[0]!.some((b) => b !== 0)).to.equal(true);
    for (const curve of [pool, single]) {
      const abc = await buildABC(curve, key, witness);
      for (let m = 0; m < 3; m++) expect(Buffer.from(abc[m]!).equals(Buffer.from(reference[m]!)), `ABC[${m}], ${curve.tm.concurrency} thread(s)`).to.equal(true);
    }
  });

  it("does not depend on the coefficients' order: the key with its coefficient list reversed gives the same A, B, C", async function () {
    // snarkjs writes the coefficients sorted by constraint; the warm prover buckets them by constraint
    // range itself rather than cutting the list where it assumes a constraint starts.
    const reversed = new Uint8Array(insolvency.zkey);
    const [start] = sections(reversed).get(4)!;
    const n = new DataView(reversed.buffer).getUint32(start, true);
    for (let i = 0; i < n; i++) reversed.set(insolvency.zkey.subarray(start + 4 + i * 44, start + 4 + (i + 1) * 44), start + 4 + (n - 1 - i) * 44);
    expect(Buffer.from(reversed).equals(Buffer.from(insolvency.zkey))).to.equal(false);
    const key = await loadKey(reversed);
    const witness = readWitness(key, insolvency.wtns);
    const pool = (await snarkjs.curves.getCurveFromName("bn128")) as Curve;
    const reference = referenceABC(pool, insolvency.zkey, witness, key.domainSize);
    const abc = await buildABC(pool, key, witness);
    for (let m = 0; m < 3; m++) expect(Buffer.from(abc[m]!).equals(Buffer.from(reference[m]!)), `ABC[${m}]`).to.equal(true);
  });

  it("proves what verifies, with snarkjs' public signals; a changed signal does not verify; r and s are fresh", async function () {
    const a = await groth16ProveWarm(insolvency.zkey, insolvency.wtns);
    const b = await groth16ProveWarm(insolvency.zkey, insolvency.wtns);
    const ref = await snarkjs.groth16.prove({ type: "mem", data: insolvency.zkey } as never, { type: "mem", data: insolvency.wtns } as never);
    expect(a.publicSignals).to.deep.equal(ref.publicSignals);
    expect(a.publicSignals).to.have.length(7);
    expect(a.proof.protocol).to.equal("groth16");
    expect(a.proof.curve).to.equal("bn128");
    expect(Object.keys(a.proof).sort()).to.deep.equal(Object.keys(ref.proof).sort());
    expect(await snarkjs.groth16.verify(insolvency.vkey, a.publicSignals, a.proof)).to.equal(true);
    expect(await snarkjs.groth16.verify(insolvency.vkey, b.publicSignals, b.proof)).to.equal(true);
    for (let i = 0; i < a.publicSignals.length; i++) {
      const changed = a.publicSignals.map((s, j) => (j === i ? (BigInt(s) + 1n).toString() : s));
      expect(await snarkjs.groth16.verify(insolvency.vkey, changed, a.proof), `signal ${i} + 1`).to.equal(false);
    }
    expect(a.proof.pi_a).to.not.deep.equal(b.proof.pi_a);
    expect(a.proof.pi_b).to.not.deep.equal(b.proof.pi_b);
    expect(a.proof.pi_c).to.not.deep.equal(b.proof.pi_c);
  });

  it("parses a key once per key bytes: two proofs, one parse; a copy of the bytes parses again", async function () {
    const copy = new Uint8Array(insolvency.zkey);
    const before = keyParseCount();
    await groth16ProveWarm(copy, insolvency.wtns);
    await groth16ProveWarm(copy, insolvency.wtns);
    expect(keyParseCount() - before).to.equal(1);
    expect(await loadKey(copy)).to.equal(await loadKey(copy));
    await groth16ProveWarm(new Uint8Array(copy), insolvency.wtns);
    expect(keyParseCount() - before).to.equal(2);
  });

  it("proves one reserves batch that verifies, its public signals the witness's", async function () {
    const reserves = await fixture("reserves_batch");
    const { proof, publicSignals } = await groth16ProveWarm(reserves.zkey, reserves.wtns);
    const [start] = sections(reserves.wtns).get(2)!;
    const expected = publicSignals.map((_, i) => leBigInt(reserves.wtns.subarray(start + (i + 1) * 32, start + (i + 2) * 32)).toString());
    expect(publicSignals).to.deep.equal(expected);
    expect(publicSignals).to.have.length((reserves.vkey as { nPublic: number }).nPublic);
    expect(await snarkjs.groth16.verify(reserves.vkey, publicSignals, proof)).to.equal(true);
  });

  describe("refuses what it must not prove", function () {
    /** The insolvency zkey with the coefficient section's entry `i` field `field` (0 m, 1 c, 2 s) set to `value`. */
    function forgedCoefficient(i: number, field: number, value: number): Uint8Array {
      const z = new Uint8Array(insolvency.zkey);
      const [start] = sections(z).get(4)!;
      new DataView(z.buffer).setUint32(start + 4 + i * 44 + 4 * field, value, true);
      return z;
    }

    it("a coefficient outside the domain, the witness or A/B: UnsupportedKeyError naming it", async function () {
      for (const [field, value, what] of [[1, 1 << 20, /coefficient 3 \(m [01], c 1048576, s \d+\) out of range/], [2, 1 << 30, /coefficient 3 \(m [01], c \d+, s 1073741824\) out of range/], [0, 2, /coefficient 3 \(m 2, c \d+, s \d+\) out of range/]] as const) {
        const err = await groth16ProveWarm(forgedCoefficient(3, field, value), insolvency.wtns).then(() => undefined, (e: unknown) => e);
        expect(err).to.be.instanceOf(UnsupportedKeyError);
        expect((err as Error).message).to.match(what);
      }
    });

    it("the prover's child process hands a key it does not take to snarkjs: a key of another curve fails with snarkjs' message", async function () {
      const dir = mkdtempSync(join(tmpdir(), "plimsoll-warm-"));
      const z = new Uint8Array(insolvency.zkey);
      const [s2] = sections(z).get(2)!;
      z[s2 + 4] = z[s2 + 4]! ^ 1; // the base field modulus, lowest byte: not bn128's
      writeFileSync(join(dir, "insolvency.zkey"), z);
      const prover = new Prover();
      try {
        const circuit = { wasmPath: artifacts.circuit("insolvency").wasmPath, zkeyPath: join(dir, "insolvency.zkey") };
        await expectRejection(prover.prove(circuit, await exampleInput("insolvency")), Error, /^Curve not supported: \d+$/);
      } finally {
        await prover.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("a key that is not Groth16 or not bn128: UnsupportedKeyError", async function () {
      const z = new Uint8Array(insolvency.zkey);
      const [s1] = sections(z).get(1)!;
      new DataView(z.buffer).setUint32(s1, 2, true); // PLONK's protocol id
      await expectRejection(groth16ProveWarm(z, insolvency.wtns), UnsupportedKeyError, /not a Groth16 key/);
      const q = new Uint8Array(insolvency.zkey);
      const [s2] = sections(q).get(2)!;
      q[s2 + 4] = q[s2 + 4]! ^ 1; // the base field modulus, lowest byte
      await expectRejection(groth16ProveWarm(q, insolvency.wtns), UnsupportedKeyError, /not a bn128 key/);
    });

    it("a truncated key: a named error; a witness of another length or field: the error snarkjs gives", async function () {
      await expectRejection(groth16ProveWarm(insolvency.zkey.subarray(0, insolvency.zkey.byteLength - 1), insolvency.wtns), Error, /zkey section \d+ runs past the end of the file/);
      const other = await fixture("account_update");
      await expectRejection(groth16ProveWarm(insolvency.zkey, other.wtns), Error, /Invalid witness length\. Circuit: \d+, witness: \d+/);
      const w = new Uint8Array(insolvency.wtns);
      const [h] = sections(w).get(1)!;
      w[h + 4] = w[h + 4]! ^ 1; // the witness's field modulus
      await expectRejection(groth16ProveWarm(insolvency.zkey, w), Error, /Curve of the witness does not match the curve of the proving key/);
    });
  });
});

async function expectRejection(p: Promise<unknown>, type: new (...args: never[]) => Error, message: RegExp): Promise<void> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).to.be.instanceOf(type);
  expect((err as Error).message).to.match(message);
}
