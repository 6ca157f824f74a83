import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
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
      for (const [group, commands] of [["basket", ["basket create"]], ["prove", ["prove update"]], ["keeper", ["keeper run", "keeper keygen", "keeper topup", "keeper claim"]], ["reserves", ["reserves prove", "reserves verify", "reserves include"]], ["notes", ["notes init", "notes shield", "notes flush", "notes absorb", "notes emit"]]] as const) {
        const r = await plimsoll(group, "--help");
        expect(r.code, r.stderr).to.equal(0);
        for (const c of commands) expect(r.stdout).to.include(c);
      }
    });

    it("prints the version", async function () {
      const r = await plimsoll("--version");
      expect(r.code).to.equal(0);
      expect(r.stdout.trim()).to.equal(JSON.parse(readFileSync(join(paths.root, "package.json"), "utf8")).version);
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

    it("without --file writes the empty opening a new account starts from (blinding 0)", async function () {
      const r = await plimsoll("basket", "create", "--owner", OWNER, "--json");
      expect(r.code, r.stderr).to.equal(0);
      const o = JSON.parse(r.stdout);
      expect(o.blinding).to.equal("0");
      expect(o.amounts.every((a: string) => a === "0")).to.equal(true);
      expect(o.onChainStart).to.equal(true);
    });

    it("refuses the same slot twice, by symbol and by slot number", async function () {
      const r = await plimsoll("basket", "create", "--file", write("dup.json", { amounts: { USDC: "1", "0": "2" } }), "--owner", OWNER);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/slot 0 \(USDC\) is already given as "(USDC|0)"/);
    });

    it("rejects an asset registry with a null entry without JavaScript internals", async function () {
      const r = await plimsoll("basket", "create", "--file", write("b.json", { amounts: { USDC: "1" } }), "--owner", OWNER, "--assets", write("null.json", [null]));
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include("assets[0] must be an object");
      expect(r.stderr).to.not.include("Cannot read");
    });

    it("never overwrites an opening: refuses an existing --out, and --force keeps a backup", async function () {
      const out = file("keep.json");
      expect((await plimsoll("basket", "create", "--owner", OWNER, "--out", out)).code).to.equal(0);
      const original = readFileSync(out, "utf8");
      const r = await plimsoll("basket", "create", "--file", write("b2.json", { amounts: { USDC: "1" } }), "--owner", OWNER, "--out", out);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include("refusing to overwrite");
      expect(readFileSync(out, "utf8")).to.equal(original);
      const f = await plimsoll("basket", "create", "--file", file("b2.json"), "--owner", OWNER, "--out", out, "--force", "--json");
      expect(f.code, f.stderr).to.equal(0);
      const backup = JSON.parse(f.stdout).backup as string;
      expect(readFileSync(backup, "utf8")).to.equal(original);
      expect(JSON.parse(readFileSync(out, "utf8")).amounts[0]).to.equal("1000000");
    });

    it("leaves the old opening intact when the process is killed between the temporary write and the rename", async function () {
      const out = file("crash.json");
      expect((await plimsoll("basket", "create", "--owner", OWNER, "--out", out)).code).to.equal(0);
      const original = readFileSync(out, "utf8");
      let signal: string | undefined;
      try {
        await run(process.execPath, [BIN, "basket", "create", "--file", file("b2.json"), "--owner", OWNER, "--out", out, "--force"], { cwd: paths.root, env: { ...process.env, PLIMSOLL_FAULT: "before-rename" } });
      } catch (err) {
        signal = (err as { signal?: string }).signal;
      }
      expect(signal).to.equal("SIGKILL");
      expect(readFileSync(out, "utf8")).to.equal(original);
      expect(JSON.parse(readFileSync(`${out}.tmp`, "utf8")).amounts[0]).to.equal("1000000"); // the new one never replaced it
    });

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
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include("missing.zkey does not exist");
    });

    it("verifies the proof off-chain and prints what it claims", async function () {
      const r = await plimsoll("verify", "--proof", file("proof.json"));
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/^VALID account_update proof/);
      expect(r.stdout).to.match(/delta\s+-100 USDC/);
      expect(r.stdout).to.match(/requirement\s+\$[0-9,]+\.\d\d/);
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

    it("refuses --next pointed at the current opening, and with --force keeps a backup", async function () {
      const opening = file("opening2.json");
      const original = readFileSync(opening, "utf8");
      const args = ["prove", "update", ...keeperArgs, "--opening", opening, "--weights", file("weights.json"), "--requirement", "0", "--deposit", "USDC:1", "--out", file("p2.json"), "--next", opening];
      const r = await plimsoll(...args);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include("this is the current opening (--opening)");
      expect(readFileSync(opening, "utf8")).to.equal(original);
      const other = await plimsoll("prove", "update", ...keeperArgs, "--opening", opening, "--weights", file("weights.json"), "--requirement", "0", "--out", file("p3.json"), "--next", file("next.json"));
      expect(other.code).to.equal(2);
      expect(other.stderr).to.include("an opening already exists there");
      const f = await plimsoll(...args, "--force");
      expect(f.code, f.stderr).to.equal(0);
      const backups = readdirSync(dir).filter((n) => n.startsWith("opening2.json.bak-"));
      expect(backups).to.have.length(1);
      expect(readFileSync(join(dir, backups[0]!), "utf8")).to.equal(original);
      expect(JSON.parse(readFileSync(opening, "utf8")).amounts[0]).to.equal("1001000000");
    });

    it("rejects an empty wasm with exit code 2", async function () {
      writeFileSync(file("empty.wasm"), "");
      const r = await plimsoll("prove", "update", ...keeperArgs, "--opening", file("opening2.json"), "--weights", file("weights.json"),
        "--requirement", "0", "--wasm", file("empty.wasm"), "--out", file("nope.json"));
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include("empty.wasm is empty");
    });

    it("rejects another circuit's or a malformed verification key with exit 2 and no stack", async function () {
      const foreign = await plimsoll("verify", "--proof", file("proof.json"), "--vkey", paths.vkey("insolvency"));
      expect(foreign.code).to.equal(2);
      expect(foreign.stderr).to.include("it is another circuit's key");
      const notKey = await plimsoll("verify", "--proof", file("proof.json"), "--vkey", write("notkey.json", { hello: 1 }));
      expect(notKey.code).to.equal(2);
      expect(notKey.stderr).to.include("not a Groth16 verification key");
      const missing = await plimsoll("verify", "--proof", file("proof.json"), "--vkey", file("none.json"));
      expect(missing.code).to.equal(2);
      const vkey = JSON.parse(readFileSync(paths.vkey("account_update"), "utf8"));
      vkey.vk_alpha_1 = ["1", "3", "1"];
      const wrong = await plimsoll("verify", "--proof", file("proof.json"), "--vkey", write("wrong.json", vkey));
      expect(wrong.code).to.be.oneOf([1, 2]);
      expect(wrong.stderr).to.not.match(/\n\s+at /);
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
