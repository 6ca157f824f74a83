/**
 * Portfolio margin's arithmetic, TypeScript against Solidity bit for bit: the fixed family of joint moves
 * (circuit, contract and prover/src/portfolio.ts), and the floors and their packing over seeded random
 * positions, marks, entries, haircuts, cushions and funding owed (PortfolioMarginHarness runs the engine's code).
 * The scenario grid itself (the oracle's up weights and their hashes) is compared with the oracle model
 * over random price paths in test/oracle/property.test.ts.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { WAD } from "../../prover/src/constants.js";
import { FLOOR_BITS, movesUp, packFloors, portfolioFloors, SCENARIOS, SCENARIO_UP_MASKS, type ScenarioPosition } from "../../prover/src/portfolio.js";
import { seededRandom } from "../../prover/src/prng.js";

const { ethers } = await network.create();

describe("Portfolio margin floors: TypeScript and Solidity", function () {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let harness: any;
  before(async function () {
    harness = await ethers.deployContract("PortfolioMarginHarness");
  });

  it("share the family of joint moves: all down, all up, and each of index bits 0-2 and its mirror", async function () {
    expect(SCENARIO_UP_MASKS.length).to.equal(SCENARIOS);
    for (let s = 0; s < SCENARIOS; s++) {
      for (let i = 0; i < 16; i++) {
        expect(await harness.movesUp(s, i), `scenario ${s}, slot ${i}`).to.equal(movesUp(s, i));
      }
    }
    // Every pair of slots moves apart in some scenario and together in another (the family decorrelates).
    for (let i = 0; i < 8; i++) {
      for (let j = i + 1; j < 8; j++) {
        const apart = SCENARIO_UP_MASKS.some((_, s) => movesUp(s, i) !== movesUp(s, j));
        const together = SCENARIO_UP_MASKS.some((_, s) => movesUp(s, i) === movesUp(s, j));
        expect([apart, together], `slots ${i} and ${j}`).to.deep.equal([true, true]);
      }
    }
  });

  it("agree bit for bit on the packed floors of random positions", async function () {
    const rand = seededRandom(0x9f0);
    const big = (bits: number): bigint => {
      let x = 0n;
      for (let b = 0; b < bits; b += 16) x = (x << 16n) | BigInt(Math.floor(rand() * 65_536));
      return x & ((1n << BigInt(bits)) - 1n);
    };
    let nonzero = 0;
    for (let round = 0; round < 60; round++) {
      const count = Math.floor(rand() * 9); // 0 to 8 positions
      const positions: ScenarioPosition[] = [];
      for (let j = 0; j < count; j++) {
        const sizeBits = 40 + Math.floor(rand() * 36); // up to 75 bits: floors stay within 62 bits of 1e-6 USD
        const size = (rand() < 0.5 ? -1n : 1n) * (big(sizeBits) + 1n);
        const mark = 1n + big(20 + Math.floor(rand() * 27)); // up to ~1e14 (8 decimals)
        const entry = rand() < 0.2 ? mark : (mark * BigInt(50 + Math.floor(rand() * 100))) / 100n + 1n;
        const haircut = (WAD * BigInt(Math.floor(rand() * 900))) / 1000n;
        // Funding owed, received or none: the position's index against its market's (int96 in the engine).
        const fundingIndex = rand() < 0.3 ? 0n : big(40) - (1n << 39n);
        const marketFundingIndex = rand() < 0.3 ? fundingIndex : fundingIndex + big(30) - (1n << 29n);
        positions.push({ size, entryPrice: entry, mark, haircut, underlying: Math.floor(rand() * 16), fundingIndex, marketFundingIndex });
      }
      const cushion = (WAD * BigInt(Math.floor(rand() * 300))) / 1000n;
      const floors = portfolioFloors(positions, cushion);
      if (floors.some((f) => f !== 0n)) nonzero++;
      const solidity = await harness.floors(
        positions.map((p) => ({ size: p.size, entry: p.entryPrice, mark: p.mark, haircut: p.haircut, underlying: p.underlying, fundingIndex: p.fundingIndex ?? 0n, marketFundingIndex: p.marketFundingIndex ?? 0n })),
        cushion,
      );
      expect([...solidity], `round ${round}`).to.deep.equal(packFloors(floors));
    }
    expect(nonzero, "rounds with a nonzero floor").to.be.greaterThan(40);
  });

  it("agree bit for bit on the floors of random option positions re-priced per direction, beside linear ones", async function () {
    const rand = seededRandom(0x0b7);
    const big = (bits: number): bigint => {
      let x = 0n;
      for (let b = 0; b < bits; b += 16) x = (x << 16n) | BigInt(Math.floor(rand() * 65_536));
      return x & ((1n << BigInt(bits)) - 1n);
    };
    for (let round = 0; round < 40; round++) {
      const linear: ScenarioPosition[] = [];
      const options: ScenarioPosition[] = [];
      for (let j = 0; j < 1 + Math.floor(rand() * 8); j++) {
        const size = (rand() < 0.5 ? -1n : 1n) * (big(40 + Math.floor(rand() * 36)) + 1n);
        const mark = 1n + big(20 + Math.floor(rand() * 27));
        const entry = (mark * BigInt(50 + Math.floor(rand() * 100))) / 100n + 1n;
        const underlying = Math.floor(rand() * 16);
        if (rand() < 0.3) {
          linear.push({ size, entryPrice: entry, mark, haircut: (WAD * BigInt(Math.floor(rand() * 900))) / 1000n, underlying });
        } else {
          // Values per unit in WAD USD around the mark (x 1e10), the worthless and deep cases included.
          const around = (): bigint => (rand() < 0.1 ? 0n : (mark * 10n ** 10n * BigInt(Math.floor(rand() * 300))) / 100n + big(30));
          options.push({ size, entryPrice: entry, mark, haircut: 0n, underlying, option: { up: around(), down: around() } });
        }
      }
      const cushion = (WAD * BigInt(Math.floor(rand() * 300))) / 1000n;
      const solidity = await harness.floorsWithOptions(
        linear.map((p) => ({ size: p.size, entry: p.entryPrice, mark: p.mark, haircut: p.haircut, underlying: p.underlying, fundingIndex: 0n, marketFundingIndex: 0n })),
        options.map((p) => ({ size: p.size, entry: p.entryPrice, mark: p.mark, upValue: p.option!.up, downValue: p.option!.down, underlying: p.underlying })),
        cushion,
      );
      expect([...solidity], `round ${round}`).to.deep.equal(packFloors(portfolioFloors([...linear, ...options], cushion)));
    }
  });

  it("rounds each floor up to 1e-6 USD, clamps a net gain at 0, and refuses a floor beyond 62 bits", async function () {
    // One short of 1 unit (1e18) at mark = entry = 1 USD (1e8), h = 10%, no cushion: it loses 0.1 USD when
    // its underlying moves up, gains 0.1 USD when it moves down.
    const p: ScenarioPosition = { size: -(10n ** 18n), entryPrice: 10n ** 8n, mark: 10n ** 8n, haircut: WAD / 10n, underlying: 1 };
    const floors = portfolioFloors([p], 0n);
    expect(floors).to.deep.equal(SCENARIO_UP_MASKS.map((_, s) => (movesUp(s, 1) ? 100_000n : 0n)));
    // One wei of size more rounds the up floors up by one unit.
    const plus = portfolioFloors([{ ...p, size: p.size - 1n }], 0n);
    expect(plus).to.deep.equal(SCENARIO_UP_MASKS.map((_, s) => (movesUp(s, 1) ? 100_001n : 0n)));
    expect([...(await harness.floors([{ size: p.size - 1n, entry: p.entryPrice, mark: p.mark, haircut: p.haircut, underlying: 1, fundingIndex: 0n, marketFundingIndex: 0n }], 0n))]).to.deep.equal(packFloors(plus));
    // A floor of 2^62 units or more: the TypeScript throws, the contract reverts RequirementTooLarge.
    const huge: ScenarioPosition = { size: (1n << 95n), entryPrice: 10n ** 16n, mark: 10n ** 16n, haircut: WAD / 2n, underlying: 0 };
    expect(() => portfolioFloors([huge], WAD)).to.throw(RangeError, `does not fit ${FLOOR_BITS} bits`);
    // Scenario 0 (all down) is the first: X_0 = size mark 1e4 (WAD + h) for a long at its entry.
    const x0 = huge.size * huge.mark * 10n ** 4n * (WAD + huge.haircut);
    const f0 = (x0 + 10n ** 42n - 1n) / 10n ** 42n;
    await expect(harness.floors([{ size: huge.size, entry: huge.entryPrice, mark: huge.mark, haircut: huge.haircut, underlying: 0, fundingIndex: 0n, marketFundingIndex: 0n }], WAD))
      .to.be.revertedWithCustomError(harness, "RequirementTooLarge")
      .withArgs(f0);
  });
});
