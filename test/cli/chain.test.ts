/**
 * The CLI against a real chain: a `hardhat node` started on 127.0.0.1 (a free port) and stopped in
 * `after`. Every persona's commands run as separate `plimsoll` processes, as a user runs them:
 * deploy (the deployment file), the oracle (status, poke, after `dev advance` moves the clock), the
 * keeper (keygen, register, status, exit, and the misconfigurations `keeper run` refuses), the
 * trader (deposit, trade, account status, withdraw, renew; the errors in tokens and dollars).
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Contract, JsonRpcProvider } from "ethers";
import { KEEPER_STATE_FILE, readKeeperState } from "../../prover/src/keeper/index.js";
import { paths } from "../../scripts/lib/paths.js";
import { cliRunner, PLIMSOLL_BIN } from "../helpers/cli.js";
import { startNode, type LocalNode } from "../helpers/node.js";

describe("plimsoll CLI against a hardhat node", function () {
  this.timeout(180_000);
  let node: LocalNode;
  const dir = mkdtempSync(join(tmpdir(), "plimsoll-chain-"));
  const deployment = join(dir, "deployment.json");
  const env = { ...process.env, PLIMSOLL_DEPLOYMENT: deployment, PLIMSOLL_STORE: join(dir, "openings"), PLIMSOLL_PRIVATE_KEY: "" };
  const { plimsoll, ok, json } = cliRunner(dir, env);

  before(async function () {
    node = await startNode(paths.root);
  });
  after(async function () {
    await node?.stop();
  });

  describe("deploy", function () {
    it("deploys the development world and writes every address to the deployment file", async function () {
      const r = await ok("deploy", "--rpc", node.url, "--out", deployment);
      expect(r.stdout).to.include(`deployment written to ${deployment}`);
      const d = JSON.parse(readFileSync(deployment, "utf8"));
      expect(d.chainId).to.equal("31337");
      expect(d.deployBlock).to.be.a("number");
      for (const k of ["engine", "oracle", "market", "insuranceFund", "keeperRegistry", "reserveRegistry"]) expect(d.contracts[k], k).to.match(/^0x[0-9a-fA-F]{40}$/);
      expect(d.tokens.map((t: { symbol: string; decimals: number }) => [t.symbol, t.decimals])).to.deep.equal([["USDC", 6], ["WETH", 18], ["WBTC", 8]]);
      const provider = new JsonRpcProvider(node.url);
      try {
        expect(await provider.getCode(d.contracts.engine)).to.not.equal("0x");
      } finally {
        provider.destroy();
      }
    });

    it("refuses to overwrite the deployment file without --force", async function () {
      const before = readFileSync(deployment, "utf8");
      const r = await plimsoll("deploy", "--rpc", node.url, "--out", deployment);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include("already exists (pass --force");
      expect(readFileSync(deployment, "utf8")).to.equal(before);
    });

    it("says plainly when no node answers", async function () {
      const r = await plimsoll("deploy", "--rpc", "http://127.0.0.1:1", "--out", join(dir, "none.json"));
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/no JSON-RPC node answers/);
      expect(existsSync(join(dir, "none.json"))).to.equal(false);
    });

    it("makes basket create's empty opening the engine's empty commitment", async function () {
      const owner = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
      const r = await json("basket", "create", "--owner", owner);
      const d = JSON.parse(readFileSync(deployment, "utf8"));
      const provider = new JsonRpcProvider(node.url);
      try {
        const engine = new Contract(d.contracts.engine, ["function commitmentOf(address) view returns (uint256)"], provider);
        expect(r.blinding).to.equal("0");
        expect(r.commitment).to.equal((await engine.getFunction("commitmentOf")(owner)).toString());
      } finally {
        provider.destroy();
      }
    });
  });

  describe("oracle", function () {
    it("prints the current epoch with prices and haircuts", async function () {
      const s = await json("oracle", "status");
      expect(s.epoch).to.equal("1");
      expect(s.usable).to.equal(true);
      expect(s.assets.map((a: { symbol: string }) => a.symbol)).to.deep.equal(["USDC", "WETH", "WBTC"]);
      expect(s.markets.map((m: { symbol: string }) => m.symbol)).to.deep.equal(["ETH-PERP", "BTC-PERP"]);
      // One sample so far: each mark is its median, and no source is stale or jumped.
      for (const a of s.assets as { price: string; mark: string; state: string }[]) expect(a).to.include({ mark: a.price, state: "live" });
    });

    it("pokes without a new grid step (nothing changes) and after the clock moved (a new epoch)", async function () {
      expect((await json("oracle", "poke")).sampled).to.equal(false);
      await ok("dev", "advance", "--seconds", "3600", "--price", "WETH=2900");
      const p = await json("oracle", "poke", "--account", "3");
      expect(p).to.include({ sampled: true, epoch: "2" });
      const s = await json("oracle", "status");
      expect(s.assets[1].price).to.equal("2900");
      // The development world's mark follows the median at once (markLambda 0) within the 25% bound.
      expect(s.assets[1].mark).to.equal("2900");
    });
  });

  describe("keeper", function () {
    const key = join(dir, "keeper-key.json");
    const other = join(dir, "other-key.json");

    it("registers a key (approving the bond) and reports it", async function () {
      await ok("keeper", "keygen", "--out", key);
      await ok("keeper", "keygen", "--out", other);
      const short = await plimsoll("keeper", "register", "--key", key, "--account", "9");
      expect(short.code).to.equal(2);
      expect(short.stderr).to.match(/the bond is 1000 USDC but 0x[0-9a-fA-F]+ holds 0 USDC/);
      await ok("dev", "mint", "--asset", "USDC", "--amount", "1000", "--account", "9");
      const r = await json("keeper", "register", "--key", key, "--account", "9");
      expect(r.keeperId).to.equal("1");
      const s = await json("keeper", "status", "--keeper-id", "1", "--key", key);
      expect(s).to.include({ status: "active", keyMatches: true, nameable: true, bond: "1000000000", bondAmount: "1000000000", ownerClaimable: "0" });
      // No repayment was credited to the owner: nothing to claim, and a --to that is not an address is named.
      const claim = await plimsoll("keeper", "claim", "--account", "9");
      expect(claim.code).to.equal(2);
      expect(claim.stderr).to.match(/nothing is credited to 0x[0-9a-fA-F]{40}/);
      const badTo = await plimsoll("keeper", "claim", "--to", "0x12", "--account", "9");
      expect(badTo.code).to.equal(2);
      expect(badTo.stderr).to.include('--to must be an address (0x and 40 hex digits), got "0x12"');
      // Nothing was drawn: there is nothing to top up.
      const topup = await plimsoll("keeper", "topup", "--keeper-id", "1", "--account", "9");
      expect(topup.code).to.equal(2);
      expect(topup.stderr).to.include("keeper 1's bond is whole: nothing to top up");
      const notOwner = await plimsoll("keeper", "topup", "--keeper-id", "1", "--account", "8");
      expect(notOwner.code).to.equal(2);
      expect(notOwner.stderr).to.match(/keeper 1 belongs to 0x[0-9a-fA-F]+; only it may top up/);
    });

    it("exits 1 from status for an unknown id or a key that is not the registered one", async function () {
      expect((await plimsoll("keeper", "status", "--keeper-id", "7")).code).to.equal(1);
      const r = await plimsoll("keeper", "status", "--keeper-id", "1", "--key", other);
      expect(r.code).to.equal(1);
      expect(r.stdout).to.include("does NOT match");
    });

    it("refuses to run misconfigured: unregistered id, a key not matching the registry, --from-block beyond the head", async function () {
      const state = join(dir, "keeper-state");
      const a = await plimsoll("keeper", "run", "--key", key, "--keeper-id", "5", "--state", state, "--once");
      expect(a.code).to.equal(2);
      expect(a.stderr).to.include("--keeper-id 5 is not registered");
      const b = await plimsoll("keeper", "run", "--key", other, "--keeper-id", "1", "--state", state, "--once");
      expect(b.code).to.equal(2);
      expect(b.stderr).to.include("the key file is not keeper 1's registered key");
      const c = await plimsoll("keeper", "run", "--key", key, "--keeper-id", "1", "--state", state, "--from-block", "999999", "--once");
      expect(c.code).to.equal(2);
      expect(c.stderr).to.match(/--from-block 999999 is beyond the chain head \(block \d+\)/);
      const d = await plimsoll("keeper", "run", "--engine", JSON.parse(readFileSync(deployment, "utf8")).tokens[0].address, "--key", key, "--keeper-id", "1", "--state", state, "--once");
      expect(d.code).to.equal(2);
      expect(d.stderr).to.include("is not a MarginEngine");
      expect(d.stderr).to.not.match(/at .*\.ts:\d+/);
    });
  });

  describe("trader", function () {
    const alice = ["--account", "1"];

    it("asks a new account to name a keeper, and refuses a zero deposit or more than the wallet holds", async function () {
      await ok("dev", "mint", "--asset", "USDC", "--amount", "5000", ...alice);
      await ok("dev", "mint", "--asset", "WETH", "--amount", "2", ...alice);
      const a = await plimsoll("deposit", "--asset", "USDC", "--amount", "100", ...alice);
      expect(a.code).to.equal(2);
      expect(a.stderr).to.include("names no keeper yet: pass --keeper-id");
      const b = await plimsoll("deposit", "--asset", "USDC", "--amount", "0", "--keeper-id", "1", ...alice);
      expect(b.code).to.equal(2);
      expect(b.stderr).to.include("a deposit of 0 USDC");
      const c = await plimsoll("deposit", "--asset", "WETH", "--amount", "3", "--keeper-id", "1", ...alice);
      expect(c.code).to.equal(2);
      expect(c.stderr).to.include("deposit of 3 WETH: the wallet holds only 2 WETH");
    });

    it("deposits (approve, prove, send), trades, and reports the account with its headroom", async function () {
      const d1 = await json("deposit", "--asset", "USDC", "--amount", "5000", "--keeper-id", "1", ...alice);
      expect(d1).to.include({ action: "deposit", epoch: "2", requirement: "$0.00" });
      await ok("deposit", "--asset", "WETH", "--amount", "2", ...alice);
      const t = await json("trade", "--market", "ETH-PERP", "--size", "1", ...alice);
      expect(t).to.include({ action: "trade", position: "1" });
      const s = await json("account", "status", ...alice);
      expect(s.keeperId).to.equal("1");
      expect(s.basket).to.include({ USDC: "5000", WETH: "2" });
      expect(s.positions).to.have.length(1);
      expect(s.positions[0]).to.include({ market: "ETH-PERP", size: "1", entryPrice: "2900" });
      expect(s.lease.status).to.equal("current");
      expect(s.headroom.initial).to.match(/^\$[0-9,]+\.\d\d$/);
    });

    it("refuses a withdrawal beyond the basket or the margin, naming the asset in tokens and the margin in dollars", async function () {
      const a = await plimsoll("withdraw", "--asset", "WETH", "--amount", "2.5", ...alice);
      expect(a.code).to.equal(2);
      expect(a.stderr).to.include("withdrawal of 2.5 WETH: the basket holds only 2 WETH");
      const b = await plimsoll("trade", "--market", "ETH-PERP", "--size", "1000", ...alice);
      expect(b.code).to.equal(2);
      expect(b.stderr).to.match(/the trade needs \$[0-9,.]+ of initial margin, the basket is worth \$[0-9,.]+ at initial haircuts/);
    });

    it("withdraws, renews the lease and closes the position", async function () {
      const w = await json("withdraw", "--asset", "WETH", "--amount", "1", ...alice);
      expect(w.basket).to.equal("5000 USDC, 1 WETH");
      expect((await json("renew", ...alice)).action).to.equal("renewLease");
      expect((await json("trade", "--market", "ETH-PERP", "--size=-1", ...alice)).position).to.equal("0");
      const s = await json("account", "status", ...alice);
      expect(s.positions).to.have.length(0);
      const r = await plimsoll("settle", ...alice);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include("not frozen");
    });
  });

  describe("custodian and auditor", function () {
    it("proves a period at the registry's weights, publishes it, and audits it against the registry", async function () {
      const { writeFileSync } = await import("node:fs");
      writeFileSync(join(dir, "clients.csv"), "id,USDC,USDC_debt,WETH,WETH_debt,WBTC,WBTC_debt\nalice,100,0,1,0,0,0\nbob,50,0,0,0,0.01,0\n");
      const period = join(dir, "period");
      const p = await json("reserves", "prove", "--clients", join(dir, "clients.csv"), "--reserves", "net", "--out", period, "--weights", "chain", "--workers", "1");
      expect(p).to.include({ clientCount: 2, batchCount: 1 });
      const notCustodian = await plimsoll("reserves", "publish", "--dir", period, "--account", "4");
      expect(notCustodian.code).to.equal(2);
      expect(notCustodian.stderr).to.include("openPeriod must be sent by its wallet");
      const pub = await json("reserves", "publish", "--dir", period);
      expect(pub.verified).to.equal(true);
      const v = await ok("reserves", "verify", "--dir", period, "--registry");
      expect(v.stdout).to.include("the registry marks the period verified");
    });
  });

  describe("keeper run and exit", function () {
    it("runs one tick over JSON-RPC and decrypts the trader's notes", async function () {
      const d = JSON.parse(readFileSync(deployment, "utf8"));
      const r = await ok("keeper", "run", "--key", join(dir, "keeper-key.json"), "--keeper-id", "1", "--state", join(dir, "keeper-state"), "--from-block", String(d.deployBlock), "--once", "--account", "9");
      expect(r.stdout).to.match(/[1-9]\d* note\(s\) decrypted/);
    });

    it("requests the exit, then refuses to complete it before the delay", async function () {
      const r = await json("keeper", "exit", "--keeper-id", "1", "--account", "9");
      expect(r.status).to.equal("exiting");
      const again = await plimsoll("keeper", "exit", "--keeper-id", "1", "--account", "9");
      expect(again.code).to.equal(2);
      expect(again.stderr).to.match(/keeper 1 is exiting; the bond returns from/);
      const notOwner = await plimsoll("keeper", "exit", "--keeper-id", "1", "--account", "2");
      expect(notOwner.code).to.equal(2);
      expect(notOwner.stderr).to.include("only it may exit");
    });
  });
  describe("keeper run when the RPC goes away", function () {
    it("backs off while the node is down and prints a line when it reconnects", async function () {
      const args = [PLIMSOLL_BIN, "keeper", "run", "--key", join(dir, "keeper-key.json"), "--keeper-id", "1", "--state", join(dir, "keeper-state-2"), "--interval", "0.2", "--account", "9"];
      const child = spawn(process.execPath, args, { cwd: dir, env, stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr!.on("data", (b: Buffer) => { stderr += b.toString(); });
      const waitFor = async (re: RegExp, ms: number): Promise<void> => {
        const until = Date.now() + ms;
        while (!re.test(stderr)) {
          if (Date.now() > until || child.exitCode !== null) throw new Error(`no ${re} in the keeper's output:\n${stderr}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      try {
        await waitFor(/watching every/, 60_000);
        // Its first tick saved the state (a last block): a restart then resumes instead of starting over
        // on the new, empty chain (where the deployment's contracts do not exist).
        const db = join(dir, "keeper-state-2", KEEPER_STATE_FILE);
        for (const until = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 100))) {
          try {
            if (readKeeperState(db).lastBlock !== undefined) break;
          } catch {
            // not written yet, or busy with the daemon's write
          }
          if (Date.now() > until) throw new Error(`the keeper's first tick saved no state:\n${stderr}`);
        }
        await node.stop();
        await waitFor(/tick failed \(2 in a row\).*retrying in/, 30_000);
        node = await startNode(paths.root, node.port);
        await waitFor(/reconnected after \d+ failed tick\(s\)/, 60_000);
      } finally {
        child.kill("SIGTERM");
        await new Promise((r) => { if (child.exitCode !== null) r(null); else child.once("exit", r); });
      }
    });
  });
});
