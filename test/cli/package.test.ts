/**
 * The installable package: `npm pack` (whose prepack script compiles dist/), then `npm i -g` of the
 * tarball into a temporary prefix, offline-safe (`--prefer-offline`: the npm cache first, only the
 * npm registry otherwise). The installed `plimsoll` must run without tsx or the source tree: print
 * its version, make an opening, prove a deposit and verify the proof with keys found through
 * `--artifacts` (the project's build/).
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { paths } from "../../scripts/lib/paths.js";

const run = promisify(execFile);

describe("the npm package", function () {
  this.timeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), "plimsoll-pack-"));
  const prefix = join(dir, "prefix");
  const bin = join(prefix, "bin", "plimsoll");
  // The installed CLI must not reach the source tree: run it from elsewhere, with a PATH holding only this node and npm.
  const env = { ...process.env, PATH: `${join(process.execPath, "..")}:/usr/bin:/bin`, PLIMSOLL_ARTIFACTS: "" };

  const plimsoll = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const { stdout, stderr } = await run(bin, args, { cwd: dir, env });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  before(async function () {
    await run("npm", ["pack", "--pack-destination", dir, "--silent"], { cwd: paths.root, env });
    const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"));
    expect(tarball, "npm pack made no tarball").to.be.a("string");
    await run("npm", ["i", "-g", "--prefix", prefix, join(dir, tarball!), "--prefer-offline", "--no-audit", "--no-fund", "--loglevel", "error"], { cwd: dir, env });
  });
  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it("ships compiled JavaScript and the contract artifacts, no TypeScript sources", function () {
    const root = join(prefix, "lib", "node_modules", "plimsoll");
    expect(existsSync(join(root, "dist", "cli", "index.js"))).to.equal(true);
    expect(existsSync(join(root, "dist", "prover", "src", "proveWorker.mjs"))).to.equal(true);
    expect(existsSync(join(root, "dist", "prover", "src", "groth16Warm.mjs"))).to.equal(true); // the warm prover proveWorker.mjs loads
    expect(existsSync(join(root, "cli", "index.ts"))).to.equal(false);
    expect(existsSync(join(root, "artifacts", "contracts", "engine", "MarginEngine.sol", "MarginEngine.json"))).to.equal(true);
    expect(existsSync(join(root, "node_modules", "tsx"))).to.equal(false);
    expect(existsSync(join(root, "node_modules", "hardhat"))).to.equal(false);
  });

  it("prints its version", async function () {
    const r = await plimsoll("--version");
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal("0.1.0");
  });

  it("makes an opening, proves a deposit and verifies it with the keys of --artifacts", async function () {
    const key = join(dir, "keeper.json");
    const k = await plimsoll("keeper", "keygen", "--out", key, "--json");
    expect(k.code, k.stderr).to.equal(0);
    const [x, y] = JSON.parse(k.stdout).publicKey as [string, string];
    const o = await plimsoll("basket", "create", "--owner", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "--out", join(dir, "o.json"));
    expect(o.code, o.stderr).to.equal(0);
    writeFileSync(join(dir, "w.json"), JSON.stringify({ weights: ["980000000000000000000000", ...new Array(15).fill("0")] }));
    const artifacts = ["--artifacts", join(paths.root, "build")];
    const proveArgs = ["--opening", join(dir, "o.json"), "--weights", join(dir, "w.json"), "--requirement", "0",
      "--deposit", "USDC:5", "--epoch", "1", "--keeper-id", "1", "--keeper-key", `${x},${y}`, "--out", join(dir, "p.json"), "--next", join(dir, "o2.json")];
    const none = await plimsoll("prove", "update", ...proveArgs);
    expect(none.code).to.equal(2);
    expect(none.stderr).to.include("pass --artifacts <dir>");
    const missingProof = await plimsoll("verify", "--proof", join(dir, "missing.json"));
    expect(missingProof.code).to.equal(2);
    const p = await plimsoll("prove", "update", ...artifacts, ...proveArgs);
    expect(p.code, p.stderr).to.equal(0);
    const v = await plimsoll("verify", ...artifacts, "--proof", join(dir, "p.json"));
    expect(v.code, v.stderr).to.equal(0);
    expect(v.stdout).to.match(/^VALID account_update proof/);
  });
});
