import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { accountCommitment, unpackStatement } from "../../prover/src/encoding.js";
import { initPoseidon } from "../../prover/src/poseidon.js";
import { paths } from "../../scripts/lib/paths.js";
import { generateKeeperKey } from "../../prover/src/keeper/index.js";

const run = promisify(execFile);
const BIN = join(paths.root, "bin", "plimsoll.mjs");
const OWNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function plimsoll(...args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: paths.root });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("plimsoll CLI", function () {
  const dir = mkdtempSync(join(tmpdir(), "plimsoll-cli-"));
  const file = (name: string): string => join(dir, name);
  const write = (name: string, value: unknown): string => {
    writeFileSync(file(name), JSON.stringify(value));
    return file(name);
  };
  // 1 USDC base unit = 1e-6 USD = 1e24 value units before haircut; a 2% haircut leaves 0.98e24.
  const weights = ["980000000000000000000000", "2600000000000000", "540000000000000000000000000", ...new Array(13).fill("0")];

  describe("--help", function () {
    it("lists every command and exits 0", async function () {
      const r = await plimsoll("--help");
      expect(r.code).to.equal(0);
      for (const c of ["basket create", "prove update", "verify", "calldata"]) expect(r.stdout).to.include(c);
    });

    it("documents each command's options", async function () {
      const r = await plimsoll("prove", "update", "--help");
      expect(r.code).to.equal(0);
      for (const o of ["--opening", "--weights", "--requirement", "--deposit", "--withdraw", "--out"]) expect(r.stdout).to.include(o);
    });

    it("lists a group's commands for plimsoll <group> --help and exits 0", async function () {
      for (const [group, commands] of [["basket", ["basket create"]], ["prove", ["prove update"]], ["keeper", ["keeper run", "keeper keygen"]], ["reserves", ["reserves prove", "reserves verify", "reserves include"]]] as const) {
        const r = await plimsoll(group, "--help");
        expect(r.code, r.stderr).to.equal(0);
        for (const c of commands) expect(r.stdout).to.include(c);
      }
    });

    it("rejects an unknown command with exit code 2", async function () {
      const r = await plimsoll("liquidate");
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include("unknown command");
    });
  });

  describe("basket create", function () {
    it("turns whole-token amounts into base units and commits to them with a fresh blinding", async function () {
      const basket = write("basket.json", { amounts: { USDC: "1500.25", WETH: "2", WBTC: "0.015" } });
      const r = await plimsoll("basket", "create", "--file", basket, "--owner", OWNER, "--out", file("opening.json"), "--json");
      expect(r.code, r.stderr).to.equal(0);
      const opening = JSON.parse(readFileSync(file("opening.json"), "utf8"));
      expect(opening.amounts.slice(0, 3)).to.deep.equal(["1500250000", "2000000000000000000", "1500000"]);
      expect(opening.amounts.slice(3).every((a: string) => a === "0")).to.equal(true);
      const h = await initPoseidon();
      const expected = accountCommitment(h, opening.amounts.map(BigInt), BigInt(opening.blinding), BigInt(OWNER));
      expect(opening.commitment).to.equal(expected.toString());
      const again = await plimsoll("basket", "create", "--file", basket, "--owner", OWNER, "--json");
      expect(JSON.parse(again.stdout).blinding).to.not.equal(opening.blinding);
    });

    const bad: [string, unknown, RegExp][] = [
      ["a negative amount", { amounts: { USDC: "-1" } }, /basket\.amounts\.USDC is negative/],
      ["more decimals than the token has", { amounts: { USDC: "1.0000001" } }, /basket\.amounts\.USDC has 7 decimal places but the token has 6/],
      ["an amount above 2^96 base units", { amounts: { WETH: "80000000000" } }, /basket\.amounts\.WETH .*2\^96/],
      ["an unknown asset", { amounts: { DOGE: "1" } }, /unknown asset "DOGE"/],
      ["a non-numeric amount", { amounts: { WBTC: "lots" } }, /basket\.amounts\.WBTC is not a decimal number/],
      ["a missing amounts object", { USDC: "1" }, /basket\.amounts must be an object/],
    ];
    for (const [what, basket, message] of bad) {
      it(`rejects ${what} with an error naming the field`, async function () {
        const r = await plimsoll("basket", "create", "--file", write("bad.json", basket), "--owner", OWNER);
        expect(r.code).to.equal(2);
        expect(r.stderr).to.match(message);
      });
    }

    it("rejects a file that does not exist", async function () {
      const r = await plimsoll("basket", "create", "--file", file("nope.json"), "--owner", OWNER);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include("nope.json: file not found");
    });
  });

  describe("prove update, verify and calldata", function () {
    let keeperArgs: string[] = [];
    before(async function () {
      const k = await generateKeeperKey();
      keeperArgs = ["--epoch", "7", "--keeper-id", "1", "--keeper-key", `${k.publicKey[0]},${k.publicKey[1]}`];
      const basket = write("basket2.json", { amounts: { USDC: "1000", WETH: "1" } });
      const r = await plimsoll("basket", "create", "--file", basket, "--owner", OWNER, "--out", file("opening2.json"));
      expect(r.code, r.stderr).to.equal(0);
      write("weights.json", { weights });
    });

    it("proves a withdrawal against a requirement and writes the next opening", async function () {
      // Value after withdrawing 100 USDC: 900e6 * 0.98e24 + 1e18 * 2.6e15 = 8.82e32 + 2.6e33.
      const value = 900_000_000n * 980000000000000000000000n + 10n ** 18n * 2600000000000000n;
      const r = await plimsoll("prove", "update", ...keeperArgs, "--opening", file("opening2.json"), "--weights", file("weights.json"),
        "--requirement", value.toString(), "--withdraw", "USDC:100", "--out", file("proof.json"), "--next", file("next.json"), "--json");
      expect(r.code, r.stderr).to.equal(0);
      const next = JSON.parse(readFileSync(file("next.json"), "utf8"));
      expect(next.amounts[0]).to.equal("900000000");
      const proof = JSON.parse(readFileSync(file("proof.json"), "utf8"));
      const { requirement, delta } = unpackStatement(BigInt(proof.publicSignals[3]));
      expect(requirement).to.equal(value);
      expect(delta).to.deep.equal({ index: 0, amount: -100_000_000n });
      expect(proof.publicSignals[1]).to.equal(next.commitment);
    });

    it("refuses to prove a requirement one unit above the basket's value", async function () {
      const value = 900_000_000n * 980000000000000000000000n + 10n ** 18n * 2600000000000000n;
      const r = await plimsoll("prove", "update", ...keeperArgs, "--opening", file("opening2.json"), "--weights", file("weights.json"),
        "--requirement", (value + 1n).toString(), "--withdraw", "USDC:100", "--out", file("nope.json"));
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/requirement .* above the new basket's margin value/);
    });

    it("refuses a withdrawal larger than the balance", async function () {
      const r = await plimsoll("prove", "update", ...keeperArgs, "--opening", file("opening2.json"), "--weights", file("weights.json"),
        "--requirement", "0", "--withdraw", "WETH:1.000000000000000001", "--out", file("nope.json"));
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/amounts\[1\]/);
    });

    it("names a missing proving key", async function () {
      const r = await plimsoll("prove", "update", ...keeperArgs, "--opening", file("opening2.json"), "--weights", file("weights.json"),
        "--requirement", "0", "--zkey", file("missing.zkey"), "--out", file("nope.json"));
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include("missing.zkey does not exist");
    });

    it("verifies the proof off-chain and prints what it claims", async function () {
      const r = await plimsoll("verify", "--proof", file("proof.json"));
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/^VALID account_update proof/);
    });

    it("reports a proof whose public signals were changed as invalid, with exit code 1", async function () {
      const proof = JSON.parse(readFileSync(file("proof.json"), "utf8"));
      proof.publicSignals[3] = (BigInt(proof.publicSignals[3]) - 1n).toString();
      const r = await plimsoll("verify", "--proof", write("tampered.json", proof), "--json");
      expect(r.code).to.equal(1);
      expect(JSON.parse(r.stdout).valid).to.equal(false);
    });

    it("rejects a malformed proof file with an error naming the field", async function () {
      const proof = JSON.parse(readFileSync(file("proof.json"), "utf8"));
      proof.proof.pi_b = [["1", "2"]];
      const r = await plimsoll("verify", "--proof", write("malformed.json", proof));
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include("proof.pi_b must be two pairs of coordinates");
      const notJson = file("garbage.json");
      writeFileSync(notJson, "{not json");
      const r2 = await plimsoll("verify", "--proof", notJson);
      expect(r2.code).to.equal(2);
      expect(r2.stderr).to.include("is not valid JSON");
    });

    it("prints calldata in the verifier's layout, G2 coordinates swapped", async function () {
      const r = await plimsoll("calldata", "--proof", file("proof.json"), "--json");
      expect(r.code, r.stderr).to.equal(0);
      const c = JSON.parse(r.stdout);
      const proof = JSON.parse(readFileSync(file("proof.json"), "utf8"));
      expect(c.a).to.deep.equal(proof.proof.pi_a.slice(0, 2));
      expect(c.b[0]).to.deep.equal([proof.proof.pi_b[0][1], proof.proof.pi_b[0][0]]);
      expect(c.publicSignals).to.deep.equal(proof.publicSignals);
    });
  });
});
