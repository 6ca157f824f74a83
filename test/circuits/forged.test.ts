/**
 * Forged witnesses (issue 15, section 1): a cheating prover writes the witness itself, so "the
 * witness generator refuses a bad input" is not enough. Each case below starts from an honest
 * witness, overwrites the signals such a prover would choose (a selector's output, a ciphertext
 * element, an intermediate value), recomputes every other signal from the constraints (and the
 * public values the prover submits itself), and must be rejected, by the statement it targets
 * only (named by template and source line, test/helpers/forge.ts; one failing constraint per
 * forged element). Failing only there means the same witness satisfies the circuit without that
 * statement: scripts/mutateCircuits.ts removes or weakens each statement in turn and confirms it
 * (`npm run mutate:circuits`); one such mutant is also compiled here.
 *
 * The cases themselves live in test/circuits/forged/cases.ts, shared with the mutation script.
 * Builds are --O0 (every signal and every source constraint kept), cached under
 * build/test-circuits/<main>_O0/.
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { PROJECT_ROOT } from "../helpers/circuit.js";
import { compileCircuit, forgeFromBuild, type ForgeCircuit, loadForgeCircuit, oneHot } from "../helpers/forge.js";
import { buildOracles, type CircuitOracle, matches } from "./forged/cases.js";

/** The statement-only wrapper of test/circuits/account_update_statement.circom, without its pragma and include (for a main on a mutated copy of circuits/src). */
function statementWrapper(): string {
  const text = readFileSync(join(PROJECT_ROOT, "test/circuits/account_update_statement.circom"), "utf8");
  return text.replace(/^pragma .*$/m, "").replace(/^include .*$/m, "");
}

describe("Forged witnesses: each is rejected by the constraint it targets, and by no other", function () {
  let oracles: CircuitOracle[];
  const circuits = new Map<string, ForgeCircuit>();

  before(async function () {
    oracles = await buildOracles();
  });

  async function circuitFor(main: string): Promise<ForgeCircuit> {
    let fc = circuits.get(main);
    if (fc === undefined) {
      fc = await loadForgeCircuit(main);
      circuits.set(main, fc);
    }
    return fc;
  }

  // The mocha tree must exist before `before` runs: the case list is static, the inputs are built there.
  const layout: [string, string][] = [
    ["account_update", "test/circuits/main/account_update_16.circom"],
    ["account_update", "circuits/main/account_update.circom"],
    ["insolvency", "circuits/main/insolvency.circom"],
    ["reserves_batch", "circuits/main/reserves_batch.circom"],
    ["note_join_split", "circuits/main/note_join_split.circom"],
    ["note_batch_insert", "circuits/main/note_batch_insert.circom"],
    ["account_notes", "circuits/main/account_absorb.circom"],
    ["account_notes", "circuits/main/account_emit.circom"],
    ["portfolio_update", "circuits/main/account_update_portfolio.circom"],
  ];

  for (const [circuit, main] of layout) {
    describe(`${circuit}: ${main}`, function () {
      it("accepts every honest input, and the full re-solve of an honest witness reproduces it", async function () {
        const fc = await circuitFor(main);
        const target = oracles.find((o) => o.circuit === circuit)!.targets.find((t) => t.main === main)!;
        for (const { name, input } of target.honest) {
          const w = await fc.witness(input);
          expect(fc.failures(w), name).to.deep.equal([]);
        }
        // The solver's self-check: re-solving an honest witness from its inputs gives it back
        // (skipped for the reserves batch, the largest circuit, whose forgeries below re-solve it anyway).
        if (circuit === "reserves_batch") return;
        const w = await fc.witness(target.honest[0]!.input);
        const again = fc.forge(w).recompute();
        // Only `<--` hints the constraints leave free may be kept rather than solved (IsZero's inverse of 0).
        expect(again.guessed.filter((n) => !/IsZero_\d+_\d+\.inv$/.test(n)), "signals the solver could not determine").to.deep.equal([]);
        expect(again.witness).to.deep.equal(w);
      });

      it("rejects each forgery, at its target only", async function () {
        const fc = await circuitFor(main);
        const target = oracles.find((o) => o.circuit === circuit)!.targets.find((t) => t.main === main)!;
        expect(target.forged.length).to.be.greaterThan(0);
        for (const c of target.forged) {
          const forged = await c.forge(fc);
          const failures = forged.failures();
          const shown = failures.map((f) => `${f.where}\n        ${f.text}\n        ${f.stack.join("\n        ")}`).join("\n      ");
          // Rejected, and only by instances of the targeted statement (one per forged element).
          expect(failures.length, `${c.name}: no failing constraint`).to.be.greaterThan(0);
          expect(failures.every((f) => matches(f, c.target)), `${c.name}: fails at\n      ${shown}\n    expected ${JSON.stringify(c.target)}`).to.equal(true);
        }
      });
    });
  }

  describe("the issue's example: SlotSelector without out[i] * (index - i) === 0", function () {
    it("accepts the forged debit of slot 3 under index 0, which the real circuit rejects at that line", async function () {
      // A mutated copy of circuits/src (only that line removed) in build/test-circuits/, never in build/circuits/.
      const root = "build/test-circuits/forge-mutant-slot/src";
      mkdirSync(join(PROJECT_ROOT, root), { recursive: true });
      for (const f of ["range", "hashing", "account_update", "encryption"]) {
        let text = readFileSync(join(PROJECT_ROOT, `circuits/src/${f}.circom`), "utf8");
        if (f === "account_update") {
          const before = text;
          text = text.replace("        out[i] * (index - i) === 0;\n", "        // removed: out[i] * (index - i) === 0;\n");
          expect(text, "the line is where the test expects it").to.not.equal(before);
        }
        writeFileSync(join(PROJECT_ROOT, root, `${f}.circom`), text);
      }
      const main = "build/test-circuits/forge-mutant-slot/main.circom";
      writeFileSync(
        join(PROJECT_ROOT, main),
        `pragma circom 2.1.6;\ninclude "src/account_update.circom";\n${statementWrapper()}` +
          "component main {public [oldCommitment, newCommitment, weightsHash, statement]} = AccountUpdateStatement(16);\n",
      );
      const out = "build/test-circuits/forge-mutant-slot/build";
      await compileCircuit(main, out, ["--O0"]);
      const mutant = await forgeFromBuild(join(PROJECT_ROOT, out), "main", main, "forge-mutant-slot");
      const original = await loadForgeCircuit("test/circuits/main/account_update_16.circom");
      const input = oracles[0]!.targets[0]!.honest[0]!.input; // a deposit into slot 3 ...
      const forge = async (fc: ForgeCircuit, prefix: string) =>
        fc.forge(await fc.witness(input)).setArray(`${prefix}.slot.out`, oneHot(16, 5)).recompute({ free: ["main.newCommitment"] }); // ... credited to slot 5
      const rejected = (await forge(original, "main.u")).failures();
      expect(rejected.map((f) => f.where)).to.have.length(1);
      expect(rejected[0]!.code).to.equal("out[i] * (index - i) === 0;");
      const accepted = await forge(mutant, "main.u");
      expect(accepted.failures()).to.deep.equal([]);
      expect(accepted.get("main.u.newAmounts[5]")).to.not.equal(accepted.get("main.amounts[5]"));
    });
  });
});
