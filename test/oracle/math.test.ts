/**
 * OracleMath's sqrt and median over the whole of their domain, through OracleMathHarness, against the
 * model's twins (prover/src/oracle/math.ts) and the definitions themselves. The oracle's own suites
 * reach these functions only with the inputs its state can produce: sqrt below 2^153 (a uint32 horizon
 * times WAD^2), median over at most five answers. The library promises more (floor(sqrt(x)) for every
 * uint256, an ascending sort in place), and a change that breaks the promise outside today's inputs
 * must fail here: two contract mutants survived every oracle suite that way (test/contracts/README.md).
 */
import { expect } from "chai";
import { network } from "hardhat";
import { isqrt, median } from "../../prover/src/oracle/math.js";
import { seededRandom } from "../../prover/src/prng.js";
import type { OracleMathHarness } from "../../types/ethers-contracts/index.js";

const { ethers } = await network.create();

const MAX_UINT = (1n << 256n) - 1n;

/** A random integer of exactly `bits` bits (0 for 0 bits). */
function randomOfBits(next: () => number, bits: number): bigint {
  if (bits === 0) return 0n;
  let x = 1n;
  for (let i = 1; i < bits; i++) x = (x << 1n) | (next() < 0.5 ? 0n : 1n);
  return x;
}

describe("OracleMath (harness)", function () {
  let harness: OracleMathHarness;
  before(async function () {
    harness = (await ethers.deployContract("OracleMathHarness")) as unknown as OracleMathHarness;
  });

  describe("sqrt", function () {
    it("is floor(sqrt(x)) at every power of two, its neighbours, the squares around it and the largest uint256", async function () {
      const xs: bigint[] = [0n, 1n, 2n, 3n, MAX_UINT, MAX_UINT - 1n];
      for (let k = 1n; k < 256n; k++) xs.push((1n << k) - 1n, 1n << k, (1n << k) + 1n);
      for (let k = 1n; k < 128n; k++) {
        const s = (1n << k) + 3n;
        xs.push(s * s - 1n, s * s, s * s + 1n);
      }
      const roots = await harness.sqrts(xs);
      for (let i = 0; i < xs.length; i++) {
        const x = xs[i]!;
        const r = roots[i]!;
        expect(r, `sqrt(${x})`).to.equal(isqrt(x));
        expect(r * r <= x && x < (r + 1n) * (r + 1n), `sqrt(${x}) = ${r} is not the floor`).to.equal(true);
      }
    });

    it("is floor(sqrt(x)) for random x of every bit length, the model's isqrt bit for bit", async function () {
      const next = seededRandom(0x5eed);
      const xs: bigint[] = [];
      for (let bits = 1; bits <= 256; bits++) for (let j = 0; j < 4; j++) xs.push(randomOfBits(next, bits));
      const roots = await harness.sqrts(xs);
      for (let i = 0; i < xs.length; i++) expect(roots[i], `sqrt(${xs[i]})`).to.equal(isqrt(xs[i]!));
    });
  });

  describe("median", function () {
    it("is the model's median of the first n values, and leaves them sorted ascending in place, ties included", async function () {
      const next = seededRandom(0x3d1a);
      for (let trial = 0; trial < 60; trial++) {
        const n = 1 + (trial % 5);
        // Values from a small range, so that ties are common; one spare slot past n must stay as it was.
        const xs = Array.from({ length: n + 1 }, () => BigInt(Math.floor(next() * 6)) * 10n ** 18n);
        const [m, sorted] = await harness.median(xs, n);
        const first = xs.slice(0, n);
        expect(m, `median of ${first}`).to.equal(median(first));
        expect([...sorted.slice(0, n)]).to.deep.equal([...first].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
        expect(sorted[n]).to.equal(xs[n]);
      }
    });
  });
});
