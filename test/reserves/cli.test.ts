/**
 * `plimsoll reserves` (cli/reserves/index.ts) end to end on 40 clients: prove (real proofs, two
 * prover processes), verify, include, and resume after a deleted batch file (only that batch is
 * proved again). Also the exit codes and messages of bad input.
 */
import { expect } from "chai";
import { execFile, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { DEV_ASSETS, DEV_REGISTRY } from "../../prover/src/devnet.js";
import { idHash } from "../../prover/src/reserves/leaf.js";
import { formatClientsCsv } from "../../prover/src/reserves/csv.js";
import { BATCH_SIZE, periodFiles } from "../../prover/src/reserves/index.js";
import { devWeights } from "../../cli/reserves/index.js";
import { syntheticClients } from "../../scripts/lib/reservesDemo.js";
import { paths } from "../../scripts/lib/paths.js";

const run = promisify(execFile);
const CLI = join(paths.root, "cli", "reserves", "index.ts");
/** Two batches: a full one and one of 8 clients. */
const N = BATCH_SIZE + 8;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `plimsoll reserves <args>` (the module run directly, as the `reserves` subcommand). */
async function reserves(...args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", CLI, ...args], { cwd: paths.root, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("plimsoll reserves CLI", function () {
  const dir = mkdtempSync(join(tmpdir(), "plimsoll-reserves-cli-"));
  const out = join(dir, "period");
  const file = (name: string): string => join(dir, name);
  const HEADER = "id,USDC,USDC_debt,WETH,WETH_debt,WBTC,WBTC_debt";
  const { weights } = devWeights();
  const rows = syntheticClients(N, 11, DEV_REGISTRY, [...DEV_ASSETS.map((a) => a.price), ...new Array<bigint>(13).fill(0n)], weights);
  const ids = rows.map((r) => r.id);
  writeFileSync(file("clients.csv"), formatClientsCsv(rows, DEV_REGISTRY));

  describe("--help and bad input", function () {
    it("lists the three commands and documents each one's options", async function () {
      const top = await reserves("--help");
      expect(top.code).to.equal(0);
      for (const c of ["reserves prove", "reserves verify", "reserves include", "off-chain"]) expect(top.stdout).to.include(c);
      const help = await reserves("prove", "--help");
      expect(help.code).to.equal(0);
      for (const o of ["--clients", "--reserves", "--out", "--workers", "--custodian", "--period", "--weights", "--restart"]) expect(help.stdout).to.include(o);
      expect((await reserves("verify", "--help")).stdout).to.include("--registry-state");
      expect((await reserves("include", "--help")).stdout).to.include("--id");
    });

    it("exits 2 on an unknown command, an unknown flag or a missing required flag", async function () {
      expect((await reserves("audit")).code).to.equal(2);
      const flag = await reserves("prove", "--bogus");
      expect(flag.code).to.equal(2);
      const missing = await reserves("prove", "--clients", file("clients.csv"), "--out", out);
      expect(missing.code).to.equal(2);
      expect(missing.stderr).to.include("--reserves is required");
    });

    it("rejects a bad CSV with the line and column of each problem, before proving anything", async function () {
      writeFileSync(file("bad.csv"), `${HEADER}\nalice,1,0,0,0,0,0\nbob,1,0,0,-2,0,0\nalice,1,0,0,0,0,0\ncarol,1.0000001,0,0,0,0,0\n`);
      const r = await reserves("prove", "--clients", file("bad.csv"), "--reserves", "net", "--out", join(dir, "bad"));
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include("3 problems");
      expect(r.stderr).to.include('line 3, column WETH_debt: negative amount "-2"');
      expect(r.stderr).to.include('line 4, column id: duplicate id "alice" (first on line 2)');
      expect(r.stderr).to.include("line 5, column USDC: 7 decimal places but USDC has 6");
      expect(existsSync(join(dir, "bad", "run.db"))).to.equal(false);
    });

    it("rejects a client under maintenance, naming it", async function () {
      writeFileSync(file("under.csv"), `${HEADER}\nok,100,0,0,0,0,0\nunder,100,0,0,1,0,0\n`);
      const r = await reserves("prove", "--clients", file("under.csv"), "--reserves", "net", "--out", join(dir, "under"));
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/id "under".* is under maintenance/);
    });

    it("rejects reserves below the clients' net balance", async function () {
      writeFileSync(file("two.csv"), `${HEADER}\na,100,0,0,0,0,0\nb,50,0,0,0,0,0\n`);
      const r = await reserves("prove", "--clients", file("two.csv"), "--reserves", "USDC=149.99", "--out", join(dir, "low"));
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include("--reserves USDC = 149.99 USDC is below the clients' net balance 150 USDC");
      expect(existsSync(join(dir, "low")), "a failed run leaves no empty output folder").to.equal(false);
    });

    it("refuses an asset given twice in --reserves", async function () {
      const r = await reserves("prove", "--clients", file("two.csv"), "--reserves", "USDC=5,USDC=6", "--out", join(dir, "dup"));
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include("--reserves: USDC is given twice");
      expect(existsSync(join(dir, "dup"))).to.equal(false);
    });
  });

  describe("prove, verify, include, resume", function () {
    let first: Record<string, unknown>;

    it(`proves ${N} clients (2 batches + the final proof) into --out with 2 provers`, async function () {
      const r = await reserves("prove", "--clients", file("clients.csv"), "--reserves", "net", "--out", out, "--workers", "2", "--json");
      expect(r.code, r.stderr).to.equal(0);
      first = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(first).to.include({ clientCount: N, batchCount: 2, provedBatches: 2, skippedBatches: 0, resumed: false, inclusionFiles: N, workers: 2 });
      for (const f of ["run.db", "period.json", "batch-0.json", "batch-1.json", "final.json"]) expect(existsSync(join(out, f)), f).to.equal(true);
      expect(statSync(join(out, "run.db")).mode & 0o077).to.equal(0);
      expect(existsSync(periodFiles.inclusion(out, idHash(ids[5]!)))).to.equal(true);
    });

    it("verifies every proof and prints the per-asset report", async function () {
      const r = await reserves("verify", "--dir", out);
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(r.stdout).to.match(/^VALID proof of reserves/);
      for (const s of ["USDC", "WETH", "WBTC", "coverage", "100.00%", `${N} clients in 2 batches`, "[ok] all 2 batch proofs verify"]) expect(r.stdout).to.include(s);
      const j = JSON.parse((await reserves("verify", "--dir", out, "--json")).stdout) as { valid: boolean; root: string; assets: { symbol: string; surplus: string }[]; totalsProven: boolean };
      expect(j.valid).to.equal(true);
      expect(j.totalsProven).to.equal(true);
      expect(j.root).to.equal(first.root);
      expect(j.assets.map((a) => a.symbol)).to.deep.equal(["USDC", "WETH", "WBTC"]);
      expect(j.assets.every((a) => BigInt(a.surplus) >= 0n)).to.equal(true);
    });

    it("shows a client its inclusion, and refuses an unknown client", async function () {
      const r = await reserves("include", "--dir", out, "--id", ids[5]!);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(new RegExp(`^INCLUDED: client "client-0000005" is leaf \\d+ of ${N}`));
      expect(r.stdout).to.include("root from period.json");
      const j = JSON.parse((await reserves("include", "--dir", out, "--id", ids[5]!, "--root", String(first.root), "--json")).stdout) as { valid: boolean; rootSource: string };
      expect(j).to.include({ valid: true, rootSource: "--root" });
      const unknown = await reserves("include", "--dir", out, "--id", "nobody");
      expect(unknown.code).to.equal(1);
      expect(unknown.stdout).to.include('no client with id "nobody"');
    });

    it("rejects a tampered inclusion file and a wrong root", async function () {
      const original = periodFiles.inclusion(out, idHash(ids[5]!));
      const copy = file("tampered.json");
      const doc = JSON.parse(readFileSync(original, "utf8")) as { assets: string[] };
      doc.assets[0] = String(BigInt(doc.assets[0]!) + 1n);
      writeFileSync(copy, JSON.stringify(doc));
      const r = await reserves("include", "--file", copy, "--id", ids[5]!);
      expect(r.code).to.equal(1);
      expect(r.stdout).to.include("NOT SHOWN");
      expect(r.stdout).to.include("leaf is not the hash of the id, salt and balances");
      const wrongRoot = await reserves("include", "--file", original, "--id", ids[5]!, "--root", "12345");
      expect(wrongRoot.code).to.equal(1);
      expect(wrongRoot.stdout).to.include("the path does not lead to the root");
      const otherId = await reserves("include", "--file", original, "--id", ids[6]!);
      expect(otherId.code).to.equal(1);
    });

    it("says how to resume when interrupted, and leaves no stale lock", async function () {
      const out2 = join(dir, "interrupted");
      const child = spawn(process.execPath, ["--import", "tsx", CLI, "prove", "--clients", file("clients.csv"), "--reserves", "net", "--out", out2, "--workers", "1"], { cwd: paths.root, stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no planning line in 60 s: ${stderr}`)), 60_000);
          child.stderr!.on("data", (b: Buffer) => {
            stderr += b.toString();
            if (stderr.includes("planning")) { clearTimeout(timer); resolve(); }
          });
        });
        await new Promise((r) => setTimeout(r, 2500)); // into the first batch proof
        child.kill("SIGINT");
        expect(await exited).to.equal(130);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      }
      expect(stderr).to.include("interrupted (SIGINT); resume with the same command");
      expect(existsSync(join(out2, ".lock"))).to.equal(false);
    });

    it("resumes after a deleted batch file: only that batch is proved again, with the same salts and root", async function () {
      const batch0 = readFileSync(join(out, "batch-0.json"), "utf8");
      const final = readFileSync(join(out, "final.json"), "utf8");
      rmSync(join(out, "batch-1.json"));
      writeFileSync(join(out, ".lock"), "999999"); // left by a run that died: taken over
      const r = await reserves("prove", "--clients", file("clients.csv"), "--reserves", "net", "--out", out, "--json", "--skip-inclusion");
      expect(r.code, r.stderr).to.equal(0);
      const again = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(again).to.include({ resumed: true, provedBatches: 1, skippedBatches: 1, root: first.root });
      expect(readFileSync(join(out, "batch-0.json"), "utf8")).to.equal(batch0);
      expect(readFileSync(join(out, "final.json"), "utf8")).to.equal(final);
      expect((await reserves("verify", "--dir", out)).code).to.equal(0);
      expect(existsSync(join(out, ".lock"))).to.equal(false);
    });

    it("refuses a second run on a folder another live process holds", async function () {
      writeFileSync(join(out, ".lock"), String(process.pid));
      try {
        const r = await reserves("prove", "--clients", file("clients.csv"), "--reserves", "net", "--out", out);
        expect(r.code).to.equal(1);
        expect(r.stderr).to.include(`is in use by another 'reserves prove' (pid ${process.pid})`);
      } finally {
        rmSync(join(out, ".lock"));
      }
    });

    it("refuses to mix another client set into the same folder", async function () {
      writeFileSync(file("fewer.csv"), formatClientsCsv(rows.slice(0, 19), DEV_REGISTRY));
      const r = await reserves("prove", "--clients", file("fewer.csv"), "--reserves", "net", "--out", out);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include("holds the plan of a different period or client set");
    });

    it("reports a tampered batch proof as INVALID with exit code 1", async function () {
      const copy = join(dir, "tampered");
      mkdirSync(copy, { recursive: true });
      for (const f of ["period.json", "batch-0.json", "batch-1.json", "final.json"]) copyFileSync(join(out, f), join(copy, f));
      const b = JSON.parse(readFileSync(join(copy, "batch-1.json"), "utf8")) as { proof: { pi_a: string[] } };
      b.proof.pi_a[0] = b.proof.pi_a[1]!;
      writeFileSync(join(copy, "batch-1.json"), JSON.stringify(b));
      const r = await reserves("verify", "--dir", copy);
      expect(r.code).to.equal(1);
      expect(r.stdout).to.match(/^INVALID/);
      expect(r.stdout).to.include("[FAIL] batch 1's Groth16 proof verifies");
    });
  });
});
