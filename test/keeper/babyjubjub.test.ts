/**
 * BabyJubJub (contracts/libraries/BabyJubJub.sol) against circomlibjs, bit for bit: seeded random
 * points of the subgroup and of the whole group, random and edge scalars, the 8-torsion, the
 * identity and points off the curve. `isInSubgroup` must accept exactly the non-identity points
 * of the prime-order subgroup with canonical coordinates.
 */
import { expect } from "chai";
import { buildBabyjub } from "circomlibjs";
import { network } from "hardhat";
import { FIELD_MODULUS } from "../../prover/src/constants.js";
import { BASE8, getBabyJub, IDENTITY, SUB_ORDER, type BabyJub, type Point } from "../../prover/src/keeper/index.js";
import type { BabyJubJubHarness } from "../../types/ethers-contracts/index.js";

const { ethers } = await network.create();

const P = FIELD_MODULUS;
const A = 168700n;
const D = 168696n;
const TWO_256 = 1n << 256n;
/** Cases per random property; each batch is one eth_call. */
const CASES = 120;
const BATCH = 20;

// ----------------------------------------------------------------------------------------------
// Seeded generator (splitmix64)
// ----------------------------------------------------------------------------------------------

const M64 = (1n << 64n) - 1n;

class Random {
  private s: bigint;
  constructor(seed: bigint) {
    this.s = seed & M64;
  }
  private next(): bigint {
    this.s = (this.s + 0x9e3779b97f4a7c15n) & M64;
    let z = this.s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
    return z ^ (z >> 31n);
  }
  /** Uniform in [0, 2^bits). */
  bits(bits: number): bigint {
    let x = 0n;
    for (let have = 0; have < bits; have += 64) x = (x << 64n) | this.next();
    return x & ((1n << BigInt(bits)) - 1n);
  }
  /** Uniform in [0, n) (bias below 2^-64). */
  below(n: bigint): bigint {
    return this.bits(n.toString(2).length + 64) % n;
  }
}

// ----------------------------------------------------------------------------------------------
// Reference values from circomlibjs
// ----------------------------------------------------------------------------------------------

const raw = await buildBabyjub();
const bj: BabyJub = await getBabyJub();
const toBig = (q: unknown[]): Point => [raw.F.toObject(q[0]) as bigint, raw.F.toObject(q[1]) as bigint];
/** circomlibjs' generator of the whole group (order 8 * SUB_ORDER). */
const GENERATOR = toBig(raw.Generator);
const ORDER = raw.order as bigint;
/** A point of order exactly 8: the 8-torsion is {k * T8 : k = 0..7}. */
const T8 = bj.mul(SUB_ORDER, GENERATOR);
const TORSION: Point[] = Array.from({ length: 8 }, (_, k) => bj.mul(BigInt(k), T8));

const modPow = (b: bigint, e: bigint): bigint => {
  let r = 1n;
  b %= P;
  for (; e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) r = (r * b) % P;
  return r;
};
const neg = (q: Point): Point => [(P - q[0]) % P, q[1]];
/** The curve equation, independently of circomlibjs (coordinates taken mod P). */
const satisfies = (q: Point): boolean => {
  const x2 = (q[0] * q[0]) % P;
  const y2 = (q[1] * q[1]) % P;
  return (A * x2 + y2) % P === (1n + ((D * x2) % P) * y2) % P;
};

const rnd = new Random(0x6b6565706572n);
/** A random point of the prime-order subgroup (never the identity). */
const subgroupPoint = (): Point => bj.mul(1n + rnd.below(SUB_ORDER - 1n), BASE8);
/** A random point of the whole group: with probability 7/8 it has a low-order component. */
const groupPoint = (): Point => bj.mul(rnd.below(ORDER), GENERATOR);
/** A random scalar of a random bit length up to 256, so short and full-width scalars both occur. */
const scalar = (): bigint => rnd.bits(1 + Number(rnd.below(256n)));

const tuples = (qs: readonly Point[]): [bigint, bigint][] => qs.map((q) => [q[0], q[1]]);
const asPoints = (out: readonly (readonly bigint[])[]): Point[] => out.map((q) => [BigInt(q[0]!), BigInt(q[1]!)]);

/** Gas figures, printed after the suite. */
const gas: Record<string, bigint> = {};

describe("BabyJubJub", function () {
  let lib: BabyJubJubHarness;

  before(async function () {
    lib = (await ethers.deployContract("BabyJubJubHarness")) as unknown as BabyJubJubHarness;
  });

  after(function () {
    console.log("\n      BabyJubJub gas (library call only, measured with gasleft):");
    for (const [k, v] of Object.entries(gas)) console.log(`        ${k.padEnd(52)} ${v.toLocaleString("en-US")}`);
  });

  describe("constants", function () {
    it("match circomlibjs: field, a, d, Base8, subgroup order", function () {
      expect(raw.p).to.equal(P);
      expect(raw.F.toObject(raw.A)).to.equal(A);
      expect(raw.F.toObject(raw.D)).to.equal(D);
      expect(toBig(raw.Base8)).to.deep.equal(BASE8);
      expect(raw.subOrder).to.equal(SUB_ORDER);
      expect(ORDER).to.equal(8n * SUB_ORDER);
      expect(bj.mul(8n, GENERATOR)).to.deep.equal(BASE8);
      expect(bj.mul(SUB_ORDER, BASE8)).to.deep.equal(IDENTITY);
    });

    it("are the library's: field, a, d, subgroup order and Base8", async function () {
      const c = await lib.constants();
      expect([c.p, c.a, c.d, c.subOrder, c.base8x, c.base8y]).to.deep.equal([P, A, D, SUB_ORDER, BASE8[0], BASE8[1]]);
    });

    it("map the curve onto the a = -1 curve the library computes on: sqrtNegA^2 = -a, d1 = -d/a", async function () {
      const c = await lib.constants();
      expect((c.sqrtNegA * c.sqrtNegA) % P).to.equal(P - A);
      expect((c.sqrtNegA * c.invSqrtNegA) % P).to.equal(1n);
      expect((c.d1 * A + D) % P).to.equal(0n);
    });

    it("make the projective formulas complete: a is a square and d is not, so -1 is a square and d1 is not", async function () {
      const c = await lib.constants();
      expect(modPow(A, (P - 1n) / 2n)).to.equal(1n);
      expect(modPow(D, (P - 1n) / 2n)).to.equal(P - 1n);
      expect(modPow(P - 1n, (P - 1n) / 2n)).to.equal(1n);
      expect(modPow(c.d1, (P - 1n) / 2n)).to.equal(P - 1n);
    });

    it("give an 8-torsion of eight distinct points with (0, P-1) of order 2", function () {
      expect(new Set(TORSION.map((q) => `${q[0]},${q[1]}`)).size).to.equal(8);
      expect(TORSION[0]).to.deep.equal(IDENTITY);
      expect(TORSION[4]).to.deep.equal([0n, P - 1n]);
      expect(TORSION[2]![1]).to.equal(0n); // order 4: y = 0
      expect(bj.mul(8n, T8)).to.deep.equal(IDENTITY);
    });
  });

  describe("#isOnCurve", function () {
    it("accepts subgroup points, whole-group points, the torsion and the identity", async function () {
      const pts = [...Array.from({ length: 10 }, subgroupPoint), ...Array.from({ length: 10 }, groupPoint), ...TORSION, BASE8, GENERATOR];
      const [onCurve] = await lib.classify(tuples(pts));
      expect(onCurve).to.deep.equal(pts.map(() => true));
    });

    it("rejects points off the curve, agreeing with the curve equation and circomlibjs", async function () {
      const pts: Point[] = [[1n, 1n], [0n, 0n], [1n, 0n], [0n, 2n], [P - 1n, P - 1n]];
      for (let i = 0; i < 10; i++) {
        const q = subgroupPoint();
        pts.push([q[0], (q[1] + 1n) % P], [(q[0] + 1n) % P, q[1]], [rnd.below(P), rnd.below(P)]);
      }
      const [onCurve] = await lib.classify(tuples(pts));
      for (const [i, q] of pts.entries()) {
        expect(onCurve[i], `point ${i}`).to.equal(satisfies(q));
        expect(onCurve[i], `point ${i}`).to.equal(bj.inCurve(q));
      }
      expect(onCurve.filter((b) => b)).to.deep.equal([]);
    });

    it("rejects non-canonical coordinates (>= P) even when they reduce to a point on the curve", async function () {
      const q = subgroupPoint();
      const aliases: Point[] = [[q[0] + P, q[1]], [q[0], q[1] + P], [P, 1n], [0n, P + 1n], [TWO_256 - 1n, q[1]], [q[0], TWO_256 - 1n]];
      expect(satisfies(aliases[0]!) && satisfies(aliases[2]!)).to.equal(true);
      const [onCurve, inSubgroup] = await lib.classify(tuples(aliases));
      expect(onCurve).to.deep.equal(aliases.map(() => false));
      expect(inSubgroup).to.deep.equal(aliases.map(() => false));
    });
  });

  describe("#mul", function () {
    it("equals circomlibjs mulPointEscalar on random scalars and random subgroup and whole-group points", async function () {
      for (let b = 0; b < CASES; b += BATCH) {
        const scalars = Array.from({ length: BATCH }, scalar);
        const points = Array.from({ length: BATCH }, (_, i) => (i % 2 === 0 ? subgroupPoint() : groupPoint()));
        const out = asPoints(await lib.mulBatch(scalars, tuples(points)));
        for (let i = 0; i < BATCH; i++) expect(out[i], `scalar ${scalars[i]}`).to.deep.equal(bj.mul(scalars[i]!, points[i]!));
      }
    });

    it("equals circomlibjs at the edge scalars: 0, 1, 2, subOrder - 1, subOrder, subOrder + 1, order - 1, order, 2^256 - 1", async function () {
      const edges = [0n, 1n, 2n, SUB_ORDER - 1n, SUB_ORDER, SUB_ORDER + 1n, ORDER - 1n, ORDER, P - 1n, P, TWO_256 - 1n];
      const bases = [BASE8, subgroupPoint(), groupPoint(), GENERATOR];
      const scalars = edges.flatMap((e) => bases.map(() => e));
      const points = edges.flatMap(() => bases);
      const out = asPoints(await lib.mulBatch(scalars, tuples(points)));
      for (const [i, s] of scalars.entries()) expect(out[i], `scalar ${s}`).to.deep.equal(bj.mul(s, points[i]!));
      // The group law, independently of circomlibjs: 0 * Q = O, (subOrder - 1) * B = -B, subOrder * B = O.
      expect(out[0]).to.deep.equal(IDENTITY);
      expect(out[3 * bases.length]).to.deep.equal(neg(BASE8));
      expect(out[4 * bases.length]).to.deep.equal(IDENTITY);
      expect(out[7 * bases.length + 3]).to.deep.equal(IDENTITY); // order * Generator
    });

    it("equals circomlibjs on every scalar below 40 and on runs of ones (2^k - 1), the sliding window's edges", async function () {
      const scalars = [...Array.from({ length: 40 }, (_, k) => BigInt(k)), ...[3, 4, 5, 8, 9, 64, 127, 251, 252, 255, 256].map((k) => (1n << BigInt(k)) - 1n)];
      const q = groupPoint();
      const out = asPoints(await lib.mulBatch(scalars, tuples(scalars.map(() => q))));
      for (const [i, s] of scalars.entries()) expect(out[i], `scalar ${s}`).to.deep.equal(bj.mul(s, q));
    });

    it("equals circomlibjs on the identity and every torsion point", async function () {
      const scalars: bigint[] = [];
      const points: Point[] = [];
      for (const t of TORSION) for (const s of [0n, 1n, 3n, 4n, 7n, 8n, SUB_ORDER, scalar()]) (scalars.push(s), points.push(t));
      const out = asPoints(await lib.mulBatch(scalars, tuples(points)));
      for (const [i, s] of scalars.entries()) expect(out[i], `scalar ${s}`).to.deep.equal(bj.mul(s, points[i]!));
    });

    it("reverts InvalidPoint(x, y) for a base off the curve or with a coordinate >= P", async function () {
      await expect(lib.mul(5n, 1n, 1n)).to.be.revertedWithCustomError(lib, "InvalidPoint").withArgs(1n, 1n);
      await expect(lib.mul(5n, BASE8[0] + P, BASE8[1])).to.be.revertedWithCustomError(lib, "InvalidPoint").withArgs(BASE8[0] + P, BASE8[1]);
    });
  });

  describe("#add and #double", function () {
    it("add equals circomlibjs addPoint on random pairs, P + P, P + (-P), P + O and torsion sums", async function () {
      const a: Point[] = [];
      const b: Point[] = [];
      for (let i = 0; i < 40; i++) {
        a.push(i % 2 === 0 ? subgroupPoint() : groupPoint());
        b.push(i % 3 === 0 ? subgroupPoint() : groupPoint());
      }
      const q = groupPoint();
      a.push(q, q, q, IDENTITY, ...TORSION, ...TORSION);
      b.push(q, neg(q), IDENTITY, IDENTITY, ...TORSION, ...TORSION.map((_, k) => TORSION[(k + 3) % 8]!));
      const out = asPoints(await lib.addBatch(tuples(a), tuples(b)));
      for (const [i, s] of a.entries()) expect(out[i], `pair ${i}`).to.deep.equal(bj.add(s, b[i]!));
      expect(out[41]).to.deep.equal(IDENTITY);
      expect(out[42]).to.deep.equal(q);
    });

    it("double equals circomlibjs addPoint(P, P), including on the torsion", async function () {
      for (const q of [BASE8, subgroupPoint(), groupPoint(), ...TORSION]) {
        expect(asPoints([await lib.double(q[0], q[1])])[0]).to.deep.equal(bj.add(q, q));
      }
    });

    it("reverts InvalidPoint(x, y) for an operand off the curve", async function () {
      const q = subgroupPoint();
      await expect(lib.add(q[0], q[1], 2n, 3n)).to.be.revertedWithCustomError(lib, "InvalidPoint").withArgs(2n, 3n);
      await expect(lib.add(q[0], q[1] + 1n, q[0], q[1])).to.be.revertedWithCustomError(lib, "InvalidPoint").withArgs(q[0], q[1] + 1n);
      await expect(lib.double(0n, 0n)).to.be.revertedWithCustomError(lib, "InvalidPoint").withArgs(0n, 0n);
    });
  });

  describe("#isInSubgroup", function () {
    it("accepts Base8 and random subgroup points, as circomlibjs inSubgroup does", async function () {
      const pts = [BASE8, neg(BASE8), ...Array.from({ length: 30 }, subgroupPoint)];
      const [, inSubgroup] = await lib.classify(tuples(pts));
      expect(inSubgroup).to.deep.equal(pts.map(() => true));
      for (const q of pts) expect(bj.inSubgroup(q)).to.equal(true);
    });

    it("rejects the identity and every point of order 2, 4 and 8 (the 8-torsion)", async function () {
      const [onCurve, inSubgroup] = await lib.classify(tuples(TORSION));
      expect(onCurve).to.deep.equal(TORSION.map(() => true));
      expect(inSubgroup).to.deep.equal(TORSION.map(() => false));
      expect(await lib.isInSubgroup(0n, P - 1n)).to.equal(false);
      expect(await lib.isInSubgroup(0n, 1n)).to.equal(false);
      // circomlibjs counts the identity as in the subgroup; the registry must not accept it as a key.
      expect(TORSION.map((t) => bj.inSubgroup(t))).to.deep.equal([true, false, false, false, false, false, false, false]);
    });

    it("rejects low-order points obtained as subOrder * Q for random Q, and subgroup points shifted by torsion", async function () {
      const pts: Point[] = [];
      for (let i = 0; i < 12; i++) {
        const low = bj.mul(SUB_ORDER, groupPoint());
        if (low[0] !== 0n || low[1] !== 1n) pts.push(low);
        pts.push(bj.add(subgroupPoint(), TORSION[1 + (i % 7)]!));
      }
      const [onCurve, inSubgroup] = await lib.classify(tuples(pts));
      expect(onCurve).to.deep.equal(pts.map(() => true));
      expect(inSubgroup).to.deep.equal(pts.map(() => false));
      for (const q of pts) expect(bj.inSubgroup(q)).to.equal(false);
    });

    it("agrees with circomlibjs inSubgroup on random whole-group points (7/8 have a torsion component)", async function () {
      const pts = Array.from({ length: 40 }, groupPoint);
      const [, inSubgroup] = await lib.classify(tuples(pts));
      const expected = pts.map((q) => bj.inSubgroup(q));
      expect(inSubgroup).to.deep.equal(expected);
      expect(expected.filter((b) => !b).length).to.be.greaterThan(20);
    });

    it("rejects points off the curve", async function () {
      const q = subgroupPoint();
      const pts: Point[] = [[q[0], (q[1] + 1n) % P], [1n, 1n], [0n, 0n], [rnd.below(P), rnd.below(P)]];
      const [, inSubgroup] = await lib.classify(tuples(pts));
      expect(inSubgroup).to.deep.equal(pts.map(() => false));
    });

    it("costs about the same for every point on the curve, in the subgroup or not (reported)", async function () {
      const [ok, used] = await lib.gasOfIsInSubgroup(BASE8[0], BASE8[1]);
      expect(ok).to.equal(true);
      const [bad, usedTorsion] = await lib.gasOfIsInSubgroup(TORSION[1]![0], TORSION[1]![1]);
      expect(bad).to.equal(false);
      // The multiplication by the fixed SUB_ORDER runs the same steps whatever the point.
      expect(Number(usedTorsion - used)).to.be.within(-50, 50);
      gas["isInSubgroup (point on the curve)"] = used;
      gas["isInSubgroup (off the curve: early exit)"] = (await lib.gasOfIsInSubgroup(1n, 1n))[1];
      gas["mul (251-bit scalar, with the inversion)"] = await lib.gasOfMul(SUB_ORDER - 1n, BASE8[0], BASE8[1]);
      gas["mul (256-bit scalar, with the inversion)"] = await lib.gasOfMul(TWO_256 - 1n, BASE8[0], BASE8[1]);
    });
  });

  describe("isSchnorrValid (s * Base8 == R + c * A)", function () {
    it("accepts s = r + c * k for random keys, nonces and challenges, and rejects s + 1, another c, another R or another A", async function () {
      for (let i = 0; i < 6; i++) {
        const k = 1n + rnd.below(SUB_ORDER - 1n);
        const r = 1n + rnd.below(SUB_ORDER - 1n);
        const c = rnd.below(SUB_ORDER);
        const A = bj.mul(k, BASE8);
        const R = bj.mul(r, BASE8);
        const s = (r + c * k) % SUB_ORDER;
        expect(await lib.isSchnorrValid(s, c, A[0], A[1], R[0], R[1]), `case ${i}`).to.equal(true);
        expect(await lib.isSchnorrValid((s + 1n) % SUB_ORDER, c, A[0], A[1], R[0], R[1])).to.equal(false);
        expect(await lib.isSchnorrValid(s, (c + 1n) % SUB_ORDER, A[0], A[1], R[0], R[1])).to.equal(false);
        const R2 = bj.add(R, BASE8);
        expect(await lib.isSchnorrValid(s, c, A[0], A[1], R2[0], R2[1])).to.equal(false);
        const A2 = bj.add(A, BASE8);
        expect(await lib.isSchnorrValid(s, c, A2[0], A2[1], R[0], R[1])).to.equal(false);
        // R with a low-order component never verifies: the left side is in the subgroup.
        const Rt = bj.add(R, TORSION[1]!);
        expect(await lib.isSchnorrValid(s, c, A[0], A[1], Rt[0], Rt[1])).to.equal(false);
      }
    });

    it("accepts the edge scalars: s = 0 with R = -c * A, and c = 0 with R = s * Base8 (reported gas)", async function () {
      const A = bj.mul(12345n, BASE8);
      const c = SUB_ORDER - 2n;
      const R = bj.mul(SUB_ORDER - c, A);
      expect(await lib.isSchnorrValid(0n, c, A[0], A[1], R[0], R[1])).to.equal(true);
      const Rs = bj.mul(777n, BASE8);
      expect(await lib.isSchnorrValid(777n, 0n, A[0], A[1], Rs[0], Rs[1])).to.equal(true);
      // Gas with full-size scalars: s and c both of SUB_ORDER's 251 bits.
      const k = 1n + rnd.below(SUB_ORDER - 1n);
      let r = 1n + rnd.below(SUB_ORDER - 1n);
      const cc = SUB_ORDER - 7n;
      while ((r + cc * k) % SUB_ORDER < 1n << 250n) r = 1n + rnd.below(SUB_ORDER - 1n);
      const Ak = bj.mul(k, BASE8);
      const Rr = bj.mul(r, BASE8);
      const [ok, used] = await lib.gasOfIsSchnorrValid((r + cc * k) % SUB_ORDER, cc, Ak[0], Ak[1], Rr[0], Rr[1]);
      expect(ok).to.equal(true);
      gas["isSchnorrValid (251-bit s and c)"] = used;
    });
  });
});
