/**
 * The portfolio-margin account update (circuits/main/account_update_portfolio.circom): honest updates
 * clear every scenario; a basket below one scenario's floor, up weights other than the hashed ones, or a
 * floor input beyond its 248 bits have no witness; and forged witnesses (test/helpers/forge.ts) are
 * rejected by the constraint each targets and by no other: a scenario value that wraps the field
 * (a floor above the value makes the difference p - k), a product that is not new[i] * weight[i], an
 * up weight that is not the hashed one, a floor bit that does not recompose the public input.
 */
import { expect } from "chai";
import { type CircuitInput, loadCircuit, type TestCircuit } from "../helpers/circuit.js";
import { type ForgeCircuit, type Forgery, loadForgeCircuit, P } from "../helpers/forge.js";
import { matches } from "../circuits/forged/cases.js";
import { initPoseidon, type SyncPoseidon } from "../../prover/src/poseidon.js";
import { initNoteCrypto } from "../../prover/src/keeperNote/index.js";
import { generateKeeperKey } from "../../prover/src/keeper/index.js";
import type { AccountOpening, UpdateKeeper } from "../../prover/src/account.js";
import { upWeightOf, weightOf } from "../../prover/src/oracle/index.js";
import { WAD } from "../../prover/src/constants.js";
import { FLOOR_UNIT, packFloors, planPortfolioUpdate, scenarioValues, SCENARIOS, type ScenarioGrid } from "../../prover/src/portfolio.js";
import { WitnessInputError } from "../../prover/src/validate.js";

const MAIN = "circuits/main/account_update_portfolio.circom";
const T = "PortfolioUpdateWithKeeper";

/** USDC (6 decimals, h 1%), WETH (18, h 8%), WBTC (8, h 10%) at 1, 2,700 and 60,000 USD. */
function grid(): ScenarioGrid {
  const assets: [bigint, bigint, number][] = [[10n ** 8n, WAD / 100n, 6], [2_700n * 10n ** 8n, (WAD * 8n) / 100n, 18], [60_000n * 10n ** 8n, WAD / 10n, 8]];
  const down = new Array<bigint>(16).fill(0n);
  const up = new Array<bigint>(16).fill(0n);
  assets.forEach(([price, h, d], i) => {
    down[i] = weightOf(price, h, d);
    up[i] = upWeightOf(price, h, d);
  });
  return { down, up };
}

describe("Portfolio-margin account update circuit", function () {
  this.timeout(600_000);
  let h: SyncPoseidon;
  let k: UpdateKeeper;
  let circuit: TestCircuit;
  let fc: ForgeCircuit;
  const g = grid();
  // 2 WETH and 1,000 USDC, a withdrawal of 100 USDC.
  const opening: AccountOpening = { owner: 0xabcn, amounts: [1_000n * 10n ** 6n, 2n * 10n ** 18n, ...new Array<bigint>(14).fill(0n)], blinding: 77n };
  const delta = { index: 0, amount: -100n * 10n ** 6n };
  const after = [900n * 10n ** 6n, 2n * 10n ** 18n, ...new Array<bigint>(14).fill(0n)];
  /** Floors just at each scenario's value (rounded down to the floor unit): the tightest honest floors. */
  const tight = (): bigint[] => scenarioValues(after, g).map((v) => v / FLOOR_UNIT);
  let honest: CircuitInput;
  /** The same update with zero floors: a forged product or floor bit keeps every scenario above its floor. */
  let loose: CircuitInput;
  const free = ["main.newCommitment", "main.binding"];

  before(async function () {
    h = await initPoseidon();
    k = { crypto: await initNoteCrypto(), keeper: { keeperId: 1n, key: (await generateKeeperKey()).publicKey }, nonce: 9n };
    honest = planPortfolioUpdate(h, opening, delta, g, tight(), k, 0xbeefn).input as unknown as CircuitInput;
    loose = planPortfolioUpdate(h, opening, delta, g, new Array<bigint>(SCENARIOS).fill(0n), k, 0xbeefn).input as unknown as CircuitInput;
    circuit = await loadCircuit(MAIN);
    fc = await loadForgeCircuit(MAIN);
  });

  const base = async (input: CircuitInput = honest): Promise<Forgery> => fc.forge(await fc.witness(input));

  it("has 13,008 constraints and 9 public inputs at --O2", function () {
    const info = circuit.info;
    expect([info.constraints, info.publicInputs]).to.deep.equal([13_008, 9]);
  });

  it("accepts the tightest floors, zero floors, and a deposit; the full re-solve reproduces the honest witness", async function () {
    for (const input of [
      honest,
      planPortfolioUpdate(h, opening, delta, g, new Array<bigint>(SCENARIOS).fill(0n), k).input,
      planPortfolioUpdate(h, opening, { index: 2, amount: 10n ** 8n }, g, tight(), k).input,
    ]) {
      const w = await fc.witness(input as unknown as CircuitInput);
      expect(fc.failures(w)).to.deep.equal([]);
    }
    const w = await fc.witness(honest);
    const again = fc.forge(w).recompute();
    expect(again.guessed.filter((n) => !/IsZero_\d+_\d+\.inv$/.test(n))).to.deep.equal([]);
    expect(again.witness).to.deep.equal(w);
  });

  it("has no witness for a floor one unit above a scenario's value, for each scenario", async function () {
    for (let s = 0; s < SCENARIOS; s++) {
      const floors = tight();
      floors[s]! += 1n;
      // The planner refuses it by name ...
      expect(() => planPortfolioUpdate(h, opening, delta, g, floors, k)).to.throw(WitnessInputError, `floors[${s}]`);
      // ... and the circuit has no witness for it.
      const [floorsLo, floorsHi] = packFloors(floors);
      await circuit.expectWitnessFailure({ ...honest, floorsLo: floorsLo.toString(), floorsHi: floorsHi.toString() }, /Num2Bits|Assert Failed/);
    }
  });

  it("has no witness for up weights other than the hashed ones, nor for a floor input of 2^248", async function () {
    const up = [...(honest.upWeights as string[])];
    up[1] = (BigInt(up[1]!) + 1n).toString();
    await circuit.expectWitnessFailure({ ...honest, upWeights: up }, /Assert Failed/);
    await circuit.expectWitnessFailure({ ...honest, floorsHi: (1n << 248n).toString() }, /Num2Bits|Assert Failed/);
  });

  describe("forged witnesses, each rejected at its target only", function () {
    type Target = { template: string; code: string; site?: string };
    /** `also`: statements a forged value reaches downstream (they fail too, and nothing else does). */
    const cases: { name: string; target: Target; also?: Target[]; forge: () => Promise<Forgery> }[] = [
      {
        name: "a scenario value that wraps the field: floor 0 above the value (the difference is p - k)",
        target: { template: "Num2Bits", code: "lc1 === in;", site: "RangeCheck" },
        forge: async () => {
          const f = await base();
          // The public floor_0 is one unit above the value: V_0 - floor_0 * unit is p - k, k < 2^228.
          const floors = tight();
          floors[0]! += 1n;
          return f.set("main.floorsLo", packFloors(floors)[0]).recompute({ free: [...free, "main.floorsLo"] });
        },
      },
      {
        name: "an up-move product that is not new[i] * upWeight[i]",
        target: { template: T, code: "up[i] <== core.newAmounts[i] * upWeights[i];" },
        forge: async () => {
          const f = await base(loose);
          return f.set("main.up[1]", f.get("main.up[1]") + 10n ** 30n).recompute({ free });
        },
      },
      {
        name: "a wrapped up-move product (p - 1 for a product that is not): caught at the product, and the scenarios it sinks",
        target: { template: T, code: "up[i] <== core.newAmounts[i] * upWeights[i];" },
        also: [{ template: "Num2Bits", code: "lc1 === in;", site: "RangeCheck" }],
        forge: async () => {
          const f = await base(loose);
          return f.set("main.up[1]", P - 1n).recompute({ free });
        },
      },
      {
        name: "a down-move product that is not new[i] * weight[i]",
        target: { template: T, code: "down[i] <== core.newAmounts[i] * weights[i];" },
        forge: async () => {
          const f = await base(loose);
          return f.set("main.down[1]", f.get("main.down[1]") + 10n ** 30n).recompute({ free });
        },
      },
      {
        name: "up weights other than the hashed ones (the hash recomputed)",
        target: { template: T, code: "uh.out === upHash;" },
        forge: async () => {
          const f = await base();
          return f.set("main.upWeights[1]", f.get("main.upWeights[1]") * 2n).recompute({ free });
        },
      },
      {
        name: "a floor whose bits do not recompose the public input",
        target: { template: "Num2Bits", code: "lc1 === in;", site: "component bits = Num2Bits(FLOORS_PER_INPUT() * FLOOR_BITS());" },
        forge: async () => {
          const f = await base(loose);
          const bit = "main.lo.bits.out[1]";
          return f.keepAll(fc.signals("main.lo.bits.out[")).set(bit, 1n - f.get(bit)).recompute({ free });
        },
      },
      {
        name: "a private change of the basket (extra != 0) beside the public delta",
        target: { template: T, code: "core.extra[i] <== 0;" },
        forge: async () => {
          const f = await base();
          return f.set("main.core.extra[1]", 10n ** 18n).recompute({ free });
        },
      },
    ];
    for (const c of cases) {
      it(c.name, async function () {
        const forged = await c.forge();
        const failures = forged.failures();
        const shown = failures.map((x) => `${x.where}\n        ${x.text}\n        ${x.stack.join("\n        ")}`).join("\n      ");
        expect(failures.length, `${c.name}: no failing constraint`).to.be.greaterThan(0);
        expect(failures.some((x) => matches(x, c.target)), `does not fail at its target:\n      ${shown}`).to.equal(true);
        expect(failures.every((x) => [c.target, ...(c.also ?? [])].some((t) => matches(x, t))), `fails at\n      ${shown}`).to.equal(true);
      });
    }
  });
});
