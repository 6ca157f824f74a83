/**
 * The account-update circuit (circuits/src/account_update.circom) and its primitives.
 *
 * Expected public values are computed here in TypeScript, from the Poseidon
 * permutation and the documented formats, independently of the circuit (and,
 * as a cross-check, of prover/src/encoding.ts). Inputs that must fail are built
 * by hand, bypassing prover/src/witness.ts, so that the circuit is what is
 * tested; each failure is matched to the constraint that must catch it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { AMOUNT_BITS, FIELD_MODULUS as P, N_ASSETS, REQUIREMENT_BITS, WEIGHT_BITS } from "../../prover/src/constants.js";
import {
  accountCommitment,
  basketHash,
  type BasketDelta,
  packStatement,
  unpackStatement,
  weightsHash,
} from "../../prover/src/encoding.js";
import { initPoseidon, type SyncPoseidon } from "../../prover/src/poseidon.js";
import { type AccountUpdateArgs, buildAccountUpdateInput, WitnessInputError } from "../../prover/src/index.js";
import { type CircuitInput, constraintLine, loadCircuit, PROJECT_ROOT, type TestCircuit } from "../helpers/circuit.js";
import { planUpdate, type AccountOpening } from "../../prover/src/account.js";
import { initNoteCrypto, noteChallenge, noteValues, type KeeperTarget, type NoteCrypto } from "../../prover/src/keeperNote/index.js";
import { linearBind } from "../../prover/src/keeperNote/index.js";
import { generateKeeperKey } from "../../prover/src/keeper/index.js";
import { DECIMALS, PRICES_E8, rng, weight } from "../helpers/reference.js";

const TWO_96 = 1n << 96n;
const MAX_AMOUNT = TWO_96 - 1n;
const MAX_WEIGHT = (1n << 128n) - 1n;
const MAX_REQUIREMENT = (1n << 150n) - 1n;
const TWO_251 = 1n << 251n;

// ---------------------------------------------------------------------------
// Independent reference computations (plain arithmetic on the documented formats).

const mod = (x: bigint): bigint => ((x % P) + P) % P;

function refBasketHash(h: SyncPoseidon, amounts: readonly bigint[]): bigint {
  const packed: bigint[] = [];
  for (let i = 0; i < amounts.length; i += 2) packed.push(mod(amounts[i]! + amounts[i + 1]! * TWO_96));
  return h(packed);
}

function refCommitment(h: SyncPoseidon, amounts: readonly bigint[], blinding: bigint, owner: bigint): bigint {
  return h([refBasketHash(h, amounts), mod(blinding), mod(owner)]);
}

function refWeightsHash(h: SyncPoseidon, weights: readonly bigint[]): bigint {
  const groups: bigint[] = [];
  for (let i = 0; i < weights.length; i += 4) groups.push(h(weights.slice(i, i + 4).map(mod)));
  return h(groups);
}

/** statement = requirement + magnitude·2^150 + sign·2^246 + index·2^247 (no validation: may be out of layout). */
function refStatement(requirement: bigint, magnitude: bigint, sign: 0n | 1n, index: bigint): bigint {
  return requirement + magnitude * 2n ** 150n + sign * 2n ** 246n + index * 2n ** 247n;
}



// ---------------------------------------------------------------------------
// A realistic basket: 18-, 8- and 6-decimal tokens and a few others.

const WEIGHTS = DECIMALS.map((d, i) => weight(PRICES_E8[i]!, d, BigInt(500 + 100 * i)));
const AMOUNTS = [
  12n * 10n ** 18n + 345n, // 12 ETH
  3n * 10n ** 7n, // 0.3 BTC
  25_000n * 10n ** 6n, // 25k USDC
  0n,
  1n,
  7n * 10n ** 18n,
  5n * 10n ** 8n,
  10n ** 18n,
  0n,
  999_999n,
  10n ** 21n,
  123_456_789_012n,
  0n,
  3n,
  10n ** 17n,
  42n * 10n ** 9n,
];
const OWNER = 0x5b38da6a701c568545dcfcb03fcb875f56beddc4n;
const OLD_BLINDING = 0x1234_5678_9abc_def0_1234_5678_9abc_def0_1234_5678_9abc_def0_1234_5678n;
const NEW_BLINDING = 0x0fed_cba9_8765_4321_0fed_cba9_8765_4321_0fed_cba9_8765_4321_0fed_cba9n;

const baseArgs = (overrides: Partial<AccountUpdateArgs> = {}): AccountUpdateArgs => ({
  owner: OWNER,
  oldAmounts: AMOUNTS,
  oldBlinding: OLD_BLINDING,
  newBlinding: NEW_BLINDING,
  weights: WEIGHTS,
  requirement: 10n ** 30n, // 1 USD
  delta: { index: 0, amount: 10n ** 18n },
  ...overrides,
});

const valueOf = (amounts: readonly bigint[], weights: readonly bigint[]): bigint =>
  amounts.reduce((acc, a, i) => acc + a * weights[i]!, 0n);

/** What a (possibly dishonest) prover feeds the circuit; every derived public value is computed from it. */
interface RawCase {
  owner: bigint;
  amounts: readonly bigint[];
  oldBlinding: bigint;
  newBlinding: bigint;
  weights: readonly bigint[];
  requirement: bigint;
  index: number;
  sign: 0n | 1n;
  magnitude: bigint;
}

type PublicOverrides = Partial<Record<"oldCommitment" | "newCommitment" | "weightsHash" | "statement", bigint>>;

/**
 * Hand-built circuit input: commitments of the given (unvalidated) opening and
 * of the basket with the delta applied (in the field), the hash of the given
 * weights and the packed statement, unless overridden.
 */
function rawInput(h: SyncPoseidon, r: RawCase, overrides: PublicOverrides = {}): CircuitInput {
  const d = r.sign === 1n ? -r.magnitude : r.magnitude;
  const newAmounts = r.amounts.map((a, i) => mod(a + (i === r.index ? d : 0n)));
  return {
    oldCommitment: overrides.oldCommitment ?? refCommitment(h, r.amounts, r.oldBlinding, r.owner),
    newCommitment: overrides.newCommitment ?? refCommitment(h, newAmounts, r.newBlinding, r.owner),
    weightsHash: overrides.weightsHash ?? refWeightsHash(h, r.weights),
    statement: overrides.statement ?? refStatement(r.requirement, r.magnitude, r.sign, BigInt(r.index)),
    owner: r.owner,
    oldBlinding: r.oldBlinding,
    newBlinding: r.newBlinding,
    amounts: r.amounts.map(mod),
    weights: r.weights.map(mod),
  };
}

const baseRaw = (overrides: Partial<RawCase> = {}): RawCase => ({
  owner: OWNER,
  amounts: AMOUNTS,
  oldBlinding: OLD_BLINDING,
  newBlinding: NEW_BLINDING,
  weights: WEIGHTS,
  requirement: 10n ** 30n,
  index: 0,
  sign: 0n,
  magnitude: 10n ** 18n,
  ...overrides,
});

const withSlot = (amounts: readonly bigint[], index: number, value: bigint): bigint[] =>
  amounts.map((a, i) => (i === index ? value : a));

// ---------------------------------------------------------------------------
// Which constraint must reject an input: the failing line of AccountUpdate in
// the witness calculator's error trace, found by its source text.

const failsAt = constraintLine("circuits/src/account_update.circom", "AccountUpdate");

const OLD_AMOUNT_RANGE = failsAt("RangeCheckArray(N, AMOUNT_BITS())(amounts);");
const OWNER_RANGE = failsAt("RangeCheck(OWNER_BITS())(owner);");
const OLD_COMMITMENT = failsAt("oldC.out === oldCommitment;");
const NEW_AMOUNT_RANGE = failsAt("RangeCheck(AMOUNT_BITS())(newAtIndex);");
const NEW_COMMITMENT = failsAt("newC.out === newCommitment;");
const WEIGHTS_HASH = failsAt("wh.out === weightsHash;");
const MARGIN = /Error in template AssertGreaterEqThan_\d+/;
const STATEMENT_LAYOUT = /Error in template UnpackStatement_\d+/;
const SLOT = /Error in template SlotSelector_\d+/;
/** The keeper note's binding: e = sum v_i r^(i+1) over the ciphertext the circuit computes. */
const NOTE_BINDING = constraintLine("circuits/src/encryption.circom", "LinearBind")("acc[0] === e;");

// ---------------------------------------------------------------------------

describe("AccountUpdate(16) circuit", function () {
  let circuit: TestCircuit;
  let h: SyncPoseidon;

  before(async function () {
    h = await initPoseidon();
    circuit = await loadCircuit("test/circuits/main/account_update_16.circom");
    console.log(
      `      account_update: ${circuit.info.constraints} constraints, ${circuit.info.wires} wires, ` +
        (circuit.compiled ? `compiled in ${(circuit.compileMs / 1000).toFixed(2)} s` : "cached build"),
    );
  });

  /** Builds the input with witness.ts, checks it against the independent computation, runs the circuit. */
  async function provesHonestly(args: AccountUpdateArgs): Promise<bigint[]> {
    const built = buildAccountUpdateInput(h, args);
    const d = args.delta.amount;
    const newAmounts = args.oldAmounts.map((a, i) => a + (i === args.delta.index ? d : 0n));
    const expected = [
      refCommitment(h, args.oldAmounts, args.oldBlinding, args.owner),
      refCommitment(h, newAmounts, args.newBlinding, args.owner),
      refWeightsHash(h, args.weights),
      refStatement(args.requirement, d < 0n ? -d : d, d < 0n ? 1n : 0n, BigInt(args.delta.index)),
    ];
    // encoding.ts and witness.ts agree with the reference...
    expect(built.publicSignalList).to.deep.equal(expected);
    expect(built.newAmounts).to.deep.equal(newAmounts);
    expect(built.value).to.equal(valueOf(newAmounts, args.weights));
    // ...and the circuit accepts exactly these public inputs.
    const witness = await circuit.calculateWitness(built.input);
    expect(circuit.publicSignals(witness)).to.deep.equal(expected);
    circuit.checkConstraints(witness);
    return witness;
  }

  describe("honest updates", function () {
    it("accepts a deposit and its public inputs match the commitments computed in TypeScript", async function () {
      const witness = await provesHonestly(baseArgs({ delta: { index: 3, amount: 5n * 10n ** 18n } }));
      expect(circuit.readSignal(witness, "main.oldCommitment")).to.equal(accountCommitment(h, AMOUNTS, OLD_BLINDING, OWNER));
      expect(circuit.readSignal(witness, "main.weightsHash")).to.equal(weightsHash(h, WEIGHTS));
    });

    it("accepts a withdrawal that empties a slot to exactly zero", async function () {
      await provesHonestly(baseArgs({ delta: { index: 5, amount: -AMOUNTS[5]! } }));
    });

    it("accepts a zero delta (a maintenance renewal)", async function () {
      await provesHonestly(baseArgs({ delta: { index: 0, amount: 0n } }));
    });

    it("accepts a requirement exactly equal to the new basket's value", async function () {
      const delta: BasketDelta = { index: 1, amount: -(10n ** 7n) };
      const value = valueOf(withSlot(AMOUNTS, 1, AMOUNTS[1]! - 10n ** 7n), WEIGHTS);
      await provesHonestly(baseArgs({ delta, requirement: value }));
    });

    it("accepts a zero requirement on an empty basket", async function () {
      await provesHonestly(baseArgs({ oldAmounts: Array(N_ASSETS).fill(0n), requirement: 0n, delta: { index: 0, amount: 0n } }));
    });

    for (const [label, delta] of [
      ["deposits 1.5 of an 18-decimal token", { index: 0, amount: 15n * 10n ** 17n }],
      ["withdraws 0.25 of an 8-decimal token", { index: 1, amount: -25n * 10n ** 6n }],
      ["deposits 1,000,000 of a 6-decimal token", { index: 2, amount: 10n ** 12n }],
      ["withdraws 1 base unit of a 6-decimal token", { index: 4, amount: -1n }],
      ["deposits 79 billion of an 18-decimal token", { index: 12, amount: 79n * 10n ** 27n }],
    ] as const) {
      it(`accepts an update that ${label}`, async function () {
        await provesHonestly(baseArgs({ delta }));
      });
    }

    it("accepts every amount at 2^96 - 1 with the largest weights and requirement", async function () {
      await provesHonestly({
        ...baseArgs(),
        oldAmounts: Array(N_ASSETS).fill(MAX_AMOUNT),
        weights: Array(N_ASSETS).fill(MAX_WEIGHT),
        requirement: MAX_REQUIREMENT,
        delta: { index: 15, amount: 0n },
      });
    });

    it("accepts a deposit landing exactly on 2^96 - 1", async function () {
      await provesHonestly(baseArgs({ oldAmounts: withSlot(AMOUNTS, 7, 5n), delta: { index: 7, amount: MAX_AMOUNT - 5n } }));
    });

    it("accepts a withdrawal of the largest magnitude, 2^96 - 1, down to zero", async function () {
      await provesHonestly(baseArgs({ oldAmounts: withSlot(AMOUNTS, 15, MAX_AMOUNT), delta: { index: 15, amount: -MAX_AMOUNT } }));
    });

    it("accepts random updates (property check against the TypeScript encoding)", async function () {
      const rand = rng(7n);
      for (let round = 0; round < 8; round++) {
        const oldAmounts = Array.from({ length: N_ASSETS }, () => rand(Number(rand(7)) % 97));
        const weights = Array.from({ length: N_ASSETS }, () => rand(Number(rand(8)) % 129));
        const index = Number(rand(4));
        const held = oldAmounts[index]!;
        const amount = rand(1) === 1n ? -(rand(96) % (held + 1n)) : rand(96) % (TWO_96 - held);
        const newAmounts = withSlot(oldAmounts, index, oldAmounts[index]! + amount);
        const requirement = valueOf(newAmounts, weights) >> (BigInt(round) * 10n);
        await provesHonestly({
          owner: rand(160),
          oldAmounts,
          oldBlinding: rand(256) % P,
          newBlinding: rand(256) % P,
          weights,
          requirement: requirement > MAX_REQUIREMENT ? MAX_REQUIREMENT : requirement,
          delta: { index, amount },
        });
      }
    });
  });

  describe("dishonest inputs", function () {
    it("rejects an old amount of 2^96, although its packing collides with an honest basket", async function () {
      // (2^96, x) packs to the same element as (0, x + 1): the commitment opens, the range check must stop it.
      const honest = withSlot(withSlot(AMOUNTS, 0, 0n), 1, AMOUNTS[1]! + 1n);
      const forged = withSlot(withSlot(AMOUNTS, 0, TWO_96), 1, AMOUNTS[1]!);
      expect(refCommitment(h, forged, OLD_BLINDING, OWNER)).to.equal(refCommitment(h, honest, OLD_BLINDING, OWNER));
      await circuit.expectWitnessFailure(rawInput(h, baseRaw({ amounts: forged, magnitude: 0n })), OLD_AMOUNT_RANGE);
    });

    it("rejects an old amount of p - 1, although its packing collides with an honest basket", async function () {
      // (-1, y) packs to the same element as (2^96 - 1, y - 1).
      const honest = withSlot(withSlot(AMOUNTS, 2, MAX_AMOUNT), 3, 4n);
      const forged = withSlot(withSlot(AMOUNTS, 2, P - 1n), 3, 5n);
      expect(refCommitment(h, forged, OLD_BLINDING, OWNER)).to.equal(refCommitment(h, honest, OLD_BLINDING, OWNER));
      await circuit.expectWitnessFailure(rawInput(h, baseRaw({ amounts: forged, magnitude: 0n })), OLD_AMOUNT_RANGE);
    });

    it("rejects a withdrawal of one unit more than the slot holds", async function () {
      const raw = baseRaw({ index: 2, sign: 1n, magnitude: AMOUNTS[2]! + 1n, requirement: 0n });
      await circuit.expectWitnessFailure(rawInput(h, raw), NEW_AMOUNT_RANGE);
    });

    it("rejects a withdrawal from an empty slot while other slots hold plenty", async function () {
      // The changed slot is range-checked on its own: other balances cannot absorb a negative one.
      const raw = baseRaw({ index: 3, sign: 1n, magnitude: 1n, requirement: 0n });
      expect(AMOUNTS[3]).to.equal(0n);
      await circuit.expectWitnessFailure(rawInput(h, raw), NEW_AMOUNT_RANGE);
    });

    it("rejects a deposit that makes an amount reach 2^96", async function () {
      const raw = baseRaw({ amounts: withSlot(AMOUNTS, 9, MAX_AMOUNT - 9n), index: 9, magnitude: 10n });
      await circuit.expectWitnessFailure(rawInput(h, raw), NEW_AMOUNT_RANGE);
    });

    it("rejects weights that differ from the hashed ones by one unit", async function () {
      const input = rawInput(h, baseRaw(), { weightsHash: refWeightsHash(h, WEIGHTS) });
      (input.weights as bigint[])[7] = WEIGHTS[7]! + 1n;
      await circuit.expectWitnessFailure(input, WEIGHTS_HASH);
    });

    it("rejects a requirement one unit above the new basket's value", async function () {
      const newAmounts = withSlot(AMOUNTS, 0, AMOUNTS[0]! + 10n ** 18n);
      const value = valueOf(newAmounts, WEIGHTS);
      // The same statement minus one unit of requirement passes.
      await circuit.calculateWitness(rawInput(h, baseRaw({ requirement: value })));
      await circuit.expectWitnessFailure(rawInput(h, baseRaw({ requirement: value + 1n })), MARGIN);
    });

    it("rejects the largest requirement against a small basket", async function () {
      await circuit.expectWitnessFailure(rawInput(h, baseRaw({ requirement: MAX_REQUIREMENT })), MARGIN);
    });

    it("rejects a wrong old blinding", async function () {
      const input = rawInput(h, baseRaw(), { oldCommitment: refCommitment(h, AMOUNTS, OLD_BLINDING, OWNER) });
      input.oldBlinding = OLD_BLINDING + 1n;
      await circuit.expectWitnessFailure(input, OLD_COMMITMENT);
    });

    it("rejects a wrong owner", async function () {
      // The new commitment is consistent with the claimed owner: only the old opening is wrong.
      const input = rawInput(h, baseRaw({ owner: OWNER + 1n }), { oldCommitment: refCommitment(h, AMOUNTS, OLD_BLINDING, OWNER) });
      await circuit.expectWitnessFailure(input, OLD_COMMITMENT);
    });

    it("rejects an owner of 2^160", async function () {
      await circuit.expectWitnessFailure(rawInput(h, baseRaw({ owner: 1n << 160n })), OWNER_RANGE);
    });

    it("rejects a newCommitment to the basket without the delta", async function () {
      const input = rawInput(h, baseRaw(), { newCommitment: refCommitment(h, AMOUNTS, NEW_BLINDING, OWNER) });
      await circuit.expectWitnessFailure(input, NEW_COMMITMENT);
    });

    it("rejects a newCommitment with the delta applied to another slot", async function () {
      const wrong = withSlot(AMOUNTS, 1, AMOUNTS[1]! + 10n ** 18n);
      await circuit.expectWitnessFailure(rawInput(h, baseRaw(), { newCommitment: refCommitment(h, wrong, NEW_BLINDING, OWNER) }), NEW_COMMITMENT);
    });

    it("rejects a newCommitment that adds a withdrawal instead of subtracting it", async function () {
      const raw = baseRaw({ sign: 1n, magnitude: 10n ** 18n });
      const wrong = withSlot(AMOUNTS, 0, AMOUNTS[0]! + 10n ** 18n);
      await circuit.expectWitnessFailure(rawInput(h, raw, { newCommitment: refCommitment(h, wrong, NEW_BLINDING, OWNER) }), NEW_COMMITMENT);
    });

    it("rejects a newCommitment that hands the basket to another owner", async function () {
      const newAmounts = withSlot(AMOUNTS, 0, AMOUNTS[0]! + 10n ** 18n);
      const input = rawInput(h, baseRaw(), { newCommitment: refCommitment(h, newAmounts, NEW_BLINDING, OWNER + 1n) });
      await circuit.expectWitnessFailure(input, NEW_COMMITMENT);
    });

    it("rejects a statement of 2^251 or more", async function () {
      const statement = refStatement(10n ** 30n, 10n ** 18n, 0n, 0n);
      await circuit.calculateWitness(rawInput(h, baseRaw(), { statement }));
      for (const bad of [statement + TWO_251, TWO_251, P - 1n]) {
        await circuit.expectWitnessFailure(rawInput(h, baseRaw(), { statement: bad }), STATEMENT_LAYOUT);
      }
    });
  });

  describe("R1CS check", function () {
    it("rejects an honest witness with any one sampled wire changed", async function () {
      const { input } = buildAccountUpdateInput(h, baseArgs());
      const witness = await circuit.calculateWitness(input);
      circuit.checkConstraints(witness);
      for (const wire of [1, 5, 20, 1000, witness.length - 1]) {
        const tampered = [...witness];
        tampered[wire] = (tampered[wire]! + 1n) % P;
        expect(() => circuit.checkConstraints(tampered), `wire ${wire}`).to.throw(/not satisfied/);
      }
    });
  });

  describe("size", function () {
    it("has the constraint count of the production main circuit (with keeper encryption) written in its header", async function () {
      const main = await loadCircuit("circuits/main/account_update.circom");
      const header = readFileSync(join(PROJECT_ROOT, "circuits/main/account_update.circom"), "utf8");
      const documented = /([\d,]+) non-linear constraints, ([\d,]+) wires/.exec(header);
      expect(documented, "constraint count in circuits/main/account_update.circom").to.not.equal(null);
      expect(main.info.constraints).to.equal(Number(documented![1]!.replace(/,/g, "")));
      expect(main.info.wires).to.equal(Number(documented![2]!.replace(/,/g, "")));
      expect(main.info.publicInputs).to.equal(6);
      expect(main.info.publicOutputs).to.equal(0);
    });
  });
});

describe("AccountUpdate(8) circuit (an index can name a missing slot)", function () {
  let circuit: TestCircuit;
  let h: SyncPoseidon;
  const amounts = AMOUNTS.slice(0, 8);
  const weights = WEIGHTS.slice(0, 8);

  before(async function () {
    h = await initPoseidon();
    circuit = await loadCircuit("test/circuits/main/account_update_8.circom");
  });

  it("accepts an update of the last slot, 7", async function () {
    const raw = baseRaw({ amounts, weights, index: 7, magnitude: 10n ** 18n, sign: 1n });
    const witness = await circuit.calculateWitness(rawInput(h, raw));
    circuit.checkConstraints(witness);
  });

  it("rejects an index of 8 or more", async function () {
    for (const index of [8, 15]) {
      await circuit.expectWitnessFailure(rawInput(h, baseRaw({ amounts, weights, index, magnitude: 0n })), SLOT);
    }
  });
});

describe("circuit primitives", function () {
  let h: SyncPoseidon;
  before(async function () {
    h = await initPoseidon();
  });

  describe("RangeCheck(96)", function () {
    let circuit: TestCircuit;
    before(async function () {
      circuit = await loadCircuit("test/circuits/main/range_check_96.circom");
    });

    it("accepts 0, 1 and 2^96 - 1", async function () {
      for (const v of [0n, 1n, MAX_AMOUNT]) circuit.checkConstraints(await circuit.calculateWitness({ in: v }));
    });

    it("rejects 2^96, 2^97, p - 2^96 and p - 1", async function () {
      for (const v of [TWO_96, TWO_96 * 2n, P - TWO_96, P - 1n]) await circuit.expectWitnessFailure({ in: v }, /Num2Bits/);
    });
  });

  describe("AssertGreaterEqThan(228)", function () {
    let circuit: TestCircuit;
    const top = (1n << 228n) - 1n;
    before(async function () {
      circuit = await loadCircuit("test/circuits/main/assert_gte_228.circom");
    });

    it("accepts equal values, a larger left side and the extremes of the range", async function () {
      for (const pair of [[0n, 0n], [1n, 0n], [top, top], [top, 0n], [top, MAX_REQUIREMENT], [MAX_REQUIREMENT + 1n, MAX_REQUIREMENT]]) {
        circuit.checkConstraints(await circuit.calculateWitness({ in: pair }));
      }
    });

    it("rejects a left side one below the right, and the widest gap", async function () {
      for (const pair of [[0n, 1n], [MAX_REQUIREMENT - 1n, MAX_REQUIREMENT], [top - 1n, top], [0n, top]]) {
        await circuit.expectWitnessFailure({ in: pair }, /Num2Bits/);
      }
    });
  });

  describe("BasketHash, AccountCommitment and WeightsHash (N = 16)", function () {
    let circuit: TestCircuit;
    before(async function () {
      circuit = await loadCircuit("test/circuits/main/hashing_16.circom");
    });

    it("match basketHash, accountCommitment and weightsHash of encoding.ts", async function () {
      const rand = rng(42n);
      const cases = [
        { amounts: AMOUNTS, weights: WEIGHTS, blinding: OLD_BLINDING, owner: OWNER },
        { amounts: Array(16).fill(0n), weights: Array(16).fill(0n), blinding: 0n, owner: 0n },
        { amounts: Array(16).fill(MAX_AMOUNT), weights: Array(16).fill(MAX_WEIGHT), blinding: P - 1n, owner: (1n << 160n) - 1n },
        ...Array.from({ length: 3 }, () => ({
          amounts: Array.from({ length: 16 }, () => rand(96)),
          weights: Array.from({ length: 16 }, () => rand(128)),
          blinding: rand(256) % P,
          owner: rand(160),
        })),
      ];
      for (const c of cases) {
        const witness = await circuit.calculateWitness(c);
        const [basket, commitment, wHash] = circuit.publicSignals(witness);
        expect(basket).to.equal(basketHash(h, c.amounts)).and.to.equal(refBasketHash(h, c.amounts));
        expect(commitment).to.equal(accountCommitment(h, c.amounts, c.blinding, c.owner)).and.to.equal(refCommitment(h, c.amounts, c.blinding, c.owner));
        expect(wHash).to.equal(weightsHash(h, c.weights)).and.to.equal(refWeightsHash(h, c.weights));
      }
    });
  });

  describe("UnpackStatement", function () {
    let circuit: TestCircuit;
    before(async function () {
      circuit = await loadCircuit("test/circuits/main/unpack_statement.circom");
    });

    it("splits statements exactly as packStatement / unpackStatement lay them out", async function () {
      const rand = rng(99n);
      const statements = [0n, TWO_251 - 1n, packStatement(MAX_REQUIREMENT, { index: 15, amount: -MAX_AMOUNT })];
      for (let i = 0; i < 8; i++) statements.push(rand(251));
      for (const statement of statements) {
        const witness = await circuit.calculateWitness({ statement });
        const [requirement, magnitude, sign, index] = circuit.publicSignals(witness);
        const expected = unpackStatement(statement);
        expect(requirement).to.equal(expected.requirement);
        expect(sign === 1n ? -magnitude! : magnitude).to.equal(expected.delta.amount);
        expect(magnitude).to.equal((statement >> 150n) & MAX_AMOUNT);
        expect(sign).to.equal((statement >> 246n) & 1n);
        expect(Number(index)).to.equal(expected.delta.index);
      }
    });

    it("rejects 2^251 and p - 1", async function () {
      for (const statement of [TWO_251, P - 1n]) await circuit.expectWitnessFailure({ statement }, /Num2Bits/);
    });
  });

  describe("SlotSelector(5)", function () {
    let circuit: TestCircuit;
    before(async function () {
      circuit = await loadCircuit("test/circuits/main/slot_selector_5.circom");
    });

    it("outputs the one-hot vector of every valid index", async function () {
      for (let index = 0; index < 5; index++) {
        const witness = await circuit.calculateWitness({ index });
        expect(circuit.publicSignals(witness)).to.deep.equal([0, 1, 2, 3, 4].map((i) => (i === index ? 1n : 0n)));
        circuit.checkConstraints(witness);
      }
    });

    it("rejects 5, 15 and p - 1", async function () {
      for (const index of [5n, 15n, P - 1n]) await circuit.expectWitnessFailure({ index }, /SlotSelector/);
    });
  });
});

describe("buildAccountUpdateInput", function () {
  let h: SyncPoseidon;
  before(async function () {
    h = await initPoseidon();
  });

  const rejects = (args: AccountUpdateArgs, field: string, message: string | RegExp): void => {
    let error: unknown;
    try {
      buildAccountUpdateInput(h, args);
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(WitnessInputError);
    const e = error as WitnessInputError;
    expect(e.field).to.equal(field);
    if (typeof message === "string") expect(e.message).to.include(message);
    else expect(e.message).to.match(message);
  };

  it("returns every input as a decimal string and the public signals in the verifier's order", function () {
    const built = buildAccountUpdateInput(h, baseArgs());
    for (const value of Object.values(built.input).flat()) expect(value).to.match(/^[0-9]+$/);
    expect(built.input.amounts).to.have.length(N_ASSETS);
    expect(built.publicSignalList.map(String)).to.deep.equal([
      built.input.oldCommitment,
      built.input.newCommitment,
      built.input.weightsHash,
      built.input.statement,
    ]);
  });

  it("names a negative old amount", function () {
    rejects(baseArgs({ oldAmounts: withSlot(AMOUNTS, 3, -1n) }), "oldAmounts[3]", "oldAmounts[3] is negative");
  });

  it("names an old amount of 2^96", function () {
    rejects(baseArgs({ oldAmounts: withSlot(AMOUNTS, 0, TWO_96) }), "oldAmounts[0]", `not below 2^${AMOUNT_BITS}`);
  });

  it("names a non-integer", function () {
    rejects(baseArgs({ oldAmounts: withSlot(AMOUNTS, 4, 1.5 as unknown as bigint) }), "oldAmounts[4]", "is not an integer");
    rejects(baseArgs({ oldBlinding: "12" as unknown as bigint }), "oldBlinding", "is not an integer");
  });

  it("names a weight vector of the wrong length", function () {
    rejects(baseArgs({ weights: WEIGHTS.slice(0, 15) }), "weights", "weights has 15 entries, expected 16");
  });

  it("names a weight of 2^128", function () {
    rejects(baseArgs({ weights: withSlot(WEIGHTS, 9, 1n << 128n) }), "weights[9]", `not below 2^${WEIGHT_BITS}`);
  });

  it("names an owner that is not an address", function () {
    rejects(baseArgs({ owner: 1n << 160n }), "owner", "not below 2^160");
  });

  it("names a blinding that is not a field element", function () {
    rejects(baseArgs({ newBlinding: P }), "newBlinding", "not below the field modulus");
  });

  it("names a requirement of 2^150", function () {
    rejects(baseArgs({ requirement: 1n << 150n }), "requirement", `not below 2^${REQUIREMENT_BITS}`);
  });

  it("names a delta index that is not a slot", function () {
    rejects(baseArgs({ delta: { index: 16, amount: 0n } }), "delta.index", "not an asset slot");
    rejects(baseArgs({ delta: { index: 1.5, amount: 0n } }), "delta.index", "is not an integer");
  });

  it("names a delta that makes an amount negative", function () {
    rejects(baseArgs({ delta: { index: 2, amount: -AMOUNTS[2]! - 1n } }), "delta", "delta makes amounts[2] negative");
  });

  it("names a delta that makes an amount reach 2^96", function () {
    rejects(baseArgs({ oldAmounts: withSlot(AMOUNTS, 6, MAX_AMOUNT), delta: { index: 6, amount: 1n } }), "delta", "delta makes amounts[6] reach 2^96");
  });

  it("names a delta magnitude of 2^96", function () {
    rejects(baseArgs({ delta: { index: 0, amount: -TWO_96 } }), "delta.amount", "not below 2^96 in magnitude");
  });

  it("names a requirement above the new basket's value", function () {
    const value = valueOf(withSlot(AMOUNTS, 0, AMOUNTS[0]! + 10n ** 18n), WEIGHTS);
    rejects(baseArgs({ requirement: value + 1n }), "requirement", "above the new basket's margin value");
  });
});

describe("AccountUpdateWithKeeper(16): the production circuit, with the new opening encrypted to the keeper", function () {
  let circuit: TestCircuit;
  let h: SyncPoseidon;
  let crypto: NoteCrypto;
  let keeper: KeeperTarget;

  before(async function () {
    h = await initPoseidon();
    crypto = await initNoteCrypto();
    const k = await generateKeeperKey();
    keeper = { keeperId: 3n, key: k.publicKey };
    circuit = await loadCircuit("circuits/main/account_update.circom");
  });

  function honest(): ReturnType<typeof planUpdate> {
    const opening: AccountOpening = { owner: 0xabcn, amounts: withSlot(new Array<bigint>(16).fill(0n), 1, 5n * 10n ** 18n), blinding: 77n };
    const weights = withSlot(new Array<bigint>(16).fill(0n), 1, 2_700n * 10n ** 12n);
    return planUpdate(h, opening, { index: 1, amount: -(10n ** 18n) }, 10n ** 30n, weights, { crypto, keeper, nonce: 42n });
  }

  it("accepts an honest update whose ciphertext decrypts, for the keeper, to the new opening", async function () {
    const plan = honest();
    await circuit.calculateWitness(plan.input as never);
    expect(plan.note.ciphertext).to.have.length(9);
    expect(plan.publicSignals.challenge < 1n << 128n).to.equal(true);
  });

  it("rejects a binding that does not match the ciphertext the circuit computes (a garbage ciphertext in calldata)", async function () {
    const plan = honest();
    const garbage = { ...plan.note, ciphertext: plan.note.ciphertext.map((c, i) => (i === 4 ? c + 1n : c)) };
    const challenge = noteChallenge(plan.publicSignals.newCommitment, garbage, keeper.key, 42n);
    const binding = linearBind(noteValues(garbage, keeper.key, 42n), challenge);
    await circuit.expectWitnessFailure({ ...plan.input, challenge: challenge.toString(), binding: binding.toString() } as never, NOTE_BINDING);
  });

  it("rejects a ciphertext bound for another keeper key than the one the proof encrypts to", async function () {
    const plan = honest();
    const other = (await generateKeeperKey()).publicKey;
    const challenge = noteChallenge(plan.publicSignals.newCommitment, plan.note, other, 42n);
    const binding = linearBind(noteValues(plan.note, other, 42n), challenge);
    await circuit.expectWitnessFailure({ ...plan.input, challenge: challenge.toString(), binding: binding.toString() } as never, NOTE_BINDING);
  });

  it("rejects a nonce other than the one bound (the engine uses the epoch)", async function () {
    const plan = honest();
    // The ciphertext the circuit computes under nonce 43 is not the one the binding was made over.
    await circuit.expectWitnessFailure({ ...plan.input, nonce: "43" } as never, NOTE_BINDING);
  });
});
