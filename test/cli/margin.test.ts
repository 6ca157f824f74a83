/**
 * The CLI's margin mode against a hardhat node: `--margin portfolio` switches a new account
 * (chooseMarginMode) and its deposit and trade are portfolio proofs; `account status` names the mode
 * and shows the engine's eight floors (`portfolioFloorsOf`, read here directly) and the worst one;
 * switching with a position open is refused with the engine's MarginModeLocked decoded; a withdrawal that
 * fails a scenario floor is refused before any proof, naming the scenario; bad values and commands that
 * do not choose the mode are usage errors.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Contract, JsonRpcProvider } from "ethers";
import { usd } from "../../prover/src/index.js";
import { FLOOR_BITS, FLOOR_UNIT, SCENARIOS } from "../../prover/src/portfolio.js";
import { paths } from "../../scripts/lib/paths.js";
import { cliRunner } from "../helpers/cli.js";
import { startNode, type LocalNode } from "../helpers/node.js";

describe("plimsoll CLI: --margin simple|portfolio", function () {
  this.timeout(300_000);
  let node: LocalNode;
  const dir = mkdtempSync(join(tmpdir(), "plimsoll-margin-cli-"));
  const deployment = join(dir, "deployment.json");
  const env = { ...process.env, PLIMSOLL_DEPLOYMENT: deployment, PLIMSOLL_STORE: join(dir, "openings"), PLIMSOLL_PRIVATE_KEY: "" };
  const { plimsoll, ok, json } = cliRunner(dir, env);

  /** The engine's floors of `account` (initial or maintenance), as `account status` formats them. */
  async function engineFloors(account: string, initial: boolean): Promise<string[]> {
    const d = JSON.parse(readFileSync(deployment, "utf8"));
    const provider = new JsonRpcProvider(node.url);
    try {
      const engine = new Contract(d.contracts.engine, ["function portfolioFloorsOf(address,bool) view returns (uint256,uint256)"], provider);
      const [lo, hi] = (await engine.getFunction("portfolioFloorsOf")(account, initial)) as [bigint, bigint];
      const mask = (1n << FLOOR_BITS) - 1n;
      return Array.from({ length: SCENARIOS }, (_, s) => usd((((s < 4 ? lo : hi) >> (FLOOR_BITS * BigInt(s % 4))) & mask) * FLOOR_UNIT));
    } finally {
      provider.destroy();
    }
  }

  before(async function () {
    node = await startNode(paths.root);
    await ok("deploy", "--rpc", node.url, "--out", deployment);
    const key = join(dir, "keeper-key.json");
    await ok("keeper", "keygen", "--out", key);
    await ok("dev", "mint", "--asset", "USDC", "--amount", "1000", "--account", "9");
    await ok("keeper", "register", "--key", key, "--account", "9");
    await ok("dev", "mint", "--asset", "WETH", "--amount", "10", "--account", "1");
    await ok("dev", "mint", "--asset", "USDC", "--amount", "30000", "--account", "2");
  });
  after(async function () {
    await node?.stop();
  });

  it("says what --margin does in the help of the commands that take it", async function () {
    for (const cmd of ["deposit", "withdraw", "trade", "renew"]) {
      const r = await ok(cmd, "--help");
      expect(r.stdout, cmd).to.include("[--margin simple|portfolio]");
      expect(r.stdout, cmd).to.match(/--margin\s+simple \| portfolio: the account's margin mode, switched on-chain \(chooseMarginMode/);
    }
    expect((await ok("account", "status", "--help")).stdout).to.include("eight scenario floors");
  });

  it("a hedged account: --margin portfolio on its first deposit, a short with a portfolio proof, the floors in account status", async function () {
    const dep = await json("deposit", "--asset", "WETH", "--amount", "10", "--keeper-id", "1", "--account", "1", "--margin", "portfolio");
    expect(dep.requirement).to.equal("$0.00");
    const trade = await json("trade", "--market", "ETH-PERP", "--size=-10", "--account", "1");
    expect(trade.position).to.equal("-10");
    const s = await json("account", "status", "--account", "1");
    expect(s.margin).to.equal("portfolio");
    const initial = await engineFloors(s.account, true);
    expect(s.portfolio.initial.floors).to.deep.equal(initial);
    expect(s.portfolio.maintenance.floors).to.deep.equal(await engineFloors(s.account, false));
    // The proof's requirement is the largest floor; a short loses when ETH moves up, so some floors are 0.
    const dollars = (x: string): number => Number(x.replace(/[$,]/g, ""));
    expect(dollars(trade.requirement)).to.equal(Math.max(...initial.map(dollars)));
    expect(initial.filter((f) => f === "$0.00").length).to.be.within(1, 7);
    // The worst scenario is the one with the smallest headroom: its floor, the basket there and the headroom.
    const w = s.portfolio.initial.worst;
    expect(w.floor).to.equal(initial[w.scenario]);
    expect(dollars(w.headroom)).to.be.within(dollars(w.basket) - dollars(w.floor) - 0.01, dollars(w.basket) - dollars(w.floor) + 0.01);
    expect(dollars(w.headroom)).to.be.greaterThan(0);
    const text = await ok("account", "status", "--account", "1");
    expect(text.stdout).to.match(/margin\s+portfolio/);
    expect(text.stdout).to.include(`floors (initial    ) ${initial.join(" | ")}`);
    expect(text.stdout).to.match(/worst: scenario \d \(USDC (up|down), WETH (up|down), WBTC (up|down)\), floor \$[\d,.]+, basket \$[\d,.]+, headroom \$[\d,.]+/);
  });

  it("an unhedged account stays on simple margin: no floors in its status", async function () {
    await ok("deposit", "--asset", "USDC", "--amount", "30000", "--keeper-id", "1", "--account", "2");
    await ok("trade", "--market", "ETH-PERP", "--size=-10", "--account", "2", "--margin", "simple");
    const s = await json("account", "status", "--account", "2");
    expect(s.margin).to.equal("simple");
    expect(s.portfolio).to.equal(undefined);
    expect((await ok("account", "status", "--account", "2")).stdout).to.match(/margin\s+simple/);
  });

  it("refuses to switch with a position open: the engine's MarginModeLocked, decoded, and the mode unchanged", async function () {
    const s = await json("account", "status", "--account", "1");
    const r = await plimsoll("trade", "--market", "ETH-PERP", "--size", "1", "--account", "1", "--margin", "simple");
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include(`--margin simple: the engine refused to switch the account: MarginModeLocked(${s.account}, 1, false): the mode changes only with no open position`);
    expect((await json("account", "status", "--account", "1")).margin).to.equal("portfolio");
    const u = await plimsoll("renew", "--account", "2", "--margin", "portfolio");
    expect(u.code).to.equal(1);
    expect(u.stderr).to.match(/MarginModeLocked\(0x[0-9a-fA-F]{40}, 1, false\)/);
  });

  it("refuses before proving a withdrawal that fails a scenario floor, naming the scenario", async function () {
    const before = await json("account", "status", "--account", "1");
    const r = await plimsoll("withdraw", "--asset", "WETH", "--amount", "9.9", "--account", "1");
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/withdrawal of 9\.9 WETH fails portfolio margin at initial margin: scenario \d \(USDC (up|down), WETH up, WBTC (up|down)\) needs \$[\d,.]+, the basket is worth \$[\d,.]+ there/);
    expect(r.stderr).to.not.include("proving...");
    expect((await json("account", "status", "--account", "1")).commitment).to.equal(before.commitment);
  });

  it("closes the short and switches back to simple margin", async function () {
    await ok("trade", "--market", "ETH-PERP", "--size", "10", "--account", "1");
    await ok("withdraw", "--asset", "WETH", "--amount", "1", "--account", "1", "--margin", "simple");
    const s = await json("account", "status", "--account", "1");
    expect(s.margin).to.equal("simple");
    expect(s.basket.WETH).to.equal("9");
  });

  it("bad values and commands that do not choose the mode are usage errors", async function () {
    const bad = await plimsoll("deposit", "--asset", "USDC", "--amount", "1", "--account", "2", "--margin", "cross");
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.include('--margin must be simple or portfolio, got "cross"');
    for (const args of [["account", "status"], ["settle"], ["verify"]]) {
      const r = await plimsoll(...args, "--account", "2", "--margin", "portfolio");
      expect(r.code, args.join(" ")).to.equal(2);
      expect(r.stderr, args.join(" ")).to.include(`--margin applies to deposit, withdraw, trade and renew, not to '${args.join(" ")}'`);
    }
  });
});
