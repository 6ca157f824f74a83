/**
 * The keeper daemon and the traders against a real `hardhat node` (127.0.0.1, a free port, stopped in
 * `after`), every step a separate `plimsoll` process: ETH crashes, `keeper run --once --no-claim`
 * liquidates the insolvent account with an insolvency proof, `keeper claim` takes the proceeds the
 * engine credited to the liquidator, and the account owner's next command recomputes the remainder
 * from the stored opening and the public seizure and withdraws it; after the grace period the daemon
 * force-closes the account whose lease lapsed, and its owner settles with `plimsoll settle`.
 */
import { expect } from "chai";
import { Contract, JsonRpcProvider } from "ethers";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { paths } from "../../scripts/lib/paths.js";
import { cliRunner } from "../helpers/cli.js";
import { startNode, type LocalNode } from "../helpers/node.js";

describe("keeper daemon and traders against a hardhat node: liquidation, remainder, force-close, settle", function () {
  this.timeout(300_000);
  let node: LocalNode;
  const dir = mkdtempSync(join(tmpdir(), "plimsoll-keeper-chain-"));
  const deployment = join(dir, "deployment.json");
  const env = { ...process.env, PLIMSOLL_DEPLOYMENT: deployment, PLIMSOLL_STORE: join(dir, "openings"), PLIMSOLL_PRIVATE_KEY: "" };
  const { plimsoll, ok, json } = cliRunner(dir, env);
  const key = join(dir, "keeper-key.json");
  const keeper = ["--key", key, "--keeper-id", "1", "--state", join(dir, "keeper-state"), "--once", "--account", "9"];
  /** The first run scans from the deployment block; later runs resume from the daemon's state. */
  const fromDeployment = (): string[] => ["--from-block", String((JSON.parse(readFileSync(deployment, "utf8")) as { deployBlock: number }).deployBlock)];
  const bob = ["--account", "3"];
  const carol = ["--account", "4"];

  before(async function () {
    node = await startNode(paths.root);
    await ok("deploy", "--rpc", node.url, "--out", deployment);
    await ok("keeper", "keygen", "--out", key);
    await ok("dev", "mint", "--asset", "USDC", "--amount", "100000", "--account", "9"); // the bond and liquidation payments
    await ok("keeper", "register", "--key", key, "--account", "9");
    await ok("dev", "mint", "--asset", "USDC", "--amount", "5000", ...bob);
    await ok("dev", "mint", "--asset", "WETH", "--amount", "1", ...bob);
    await ok("deposit", "--asset", "USDC", "--amount", "5000", "--keeper-id", "1", ...bob);
    await ok("deposit", "--asset", "WETH", "--amount", "1", ...bob);
    await ok("trade", "--market", "ETH-PERP", "--size", "10", ...bob);
    await ok("dev", "mint", "--asset", "USDC", "--amount", "3000", ...carol);
    await ok("deposit", "--asset", "USDC", "--amount", "3000", "--keeper-id", "1", ...carol);
    await ok("trade", "--market", "ETH-PERP", "--size", "1", ...carol);
    // the daemon reads the openings sent to it; nothing to do yet
    const first = await ok("keeper", "run", ...keeper, ...fromDeployment());
    expect(first.stdout).to.match(/2 account\(s\) evaluated .* 0 liquidation\(s\), 0 force-close\(s\), 0 seizure\(s\), 0 flag\(s\), 0 claim\(s\), 0 failure\(s\)/);
  });
  after(async function () {
    await node?.stop();
  });

  it("liquidates the insolvent account after a crash; its owner recomputes the remainder and withdraws it", async function () {
    await ok("dev", "advance", "--seconds", "3600", "--price", "WETH=2400");
    await ok("oracle", "poke");
    const before = await json("account", "status", ...bob);
    expect(before.basket).to.include({ USDC: "5000", WETH: "1" });
    // --no-claim: the proceeds stay credited in the engine, and 'keeper claim' takes them
    const r = await ok("keeper", "run", ...keeper, "--no-claim");
    expect(r.stdout).to.match(/1 liquidation\(s\), 0 force-close\(s\), 0 seizure\(s\), 0 flag\(s\), 0 claim\(s\), 0 failure\(s\)/);
    const d = JSON.parse(readFileSync(deployment, "utf8")) as { contracts: { engine: string }; tokens: { address: string; symbol: string }[] };
    const provider = new JsonRpcProvider(node.url);
    try {
      const liquidator = await (await provider.getSigner(9)).getAddress();
      const engine = new Contract(d.contracts.engine, ["function claimableOf(address, uint256) view returns (uint256)"], provider);
      const balanceOf = (slot: number): Promise<bigint> => new Contract(d.tokens[slot]!.address, ["function balanceOf(address) view returns (uint256)"], provider).getFunction("balanceOf")(liquidator) as Promise<bigint>;
      const slots = d.tokens.map((_, i) => i);
      const credited = await Promise.all(slots.map(async (i) => (await engine.getFunction("claimableOf")(liquidator, i)) as bigint));
      expect(credited.some((x) => x > 0n), "the liquidation credits its liquidator").to.equal(true);
      const before = await Promise.all(slots.map(balanceOf));
      const claimed = await json("keeper", "claim", "--account", "9");
      expect(claimed.failed).to.deep.equal([]);
      expect(claimed.claimed.map((c: { source: string }) => c.source)).to.deep.equal(slots.filter((i) => credited[i]! > 0n).map((i) => `engine slot ${i} (liquidation proceeds)`));
      const after = await Promise.all(slots.map(balanceOf));
      for (const i of slots) expect(after[i]! - before[i]!, d.tokens[i]!.symbol).to.equal(credited[i]);
      const again = await plimsoll("keeper", "claim", "--account", "9");
      expect(again.code).to.equal(2);
      expect(again.stderr).to.match(/nothing is credited to 0x[0-9a-fA-F]{40}: neither bond repayments .* nor liquidation proceeds/);
    } finally {
      provider.destroy();
    }
    // bob's next command finds the remainder by itself: stored opening less the logged seizure
    const after = await json("account", "status", ...bob);
    expect(after.positions).to.have.length(0);
    expect(after.commitment).to.not.equal(before.commitment);
    const left = after.basket as Record<string, string>;
    expect(Number(left.USDC ?? "0") + Number(left.WETH ?? "0")).to.be.greaterThan(0);
    expect(Number(left.USDC ?? "0")).to.be.below(5000);
    if (after.frozen === true) {
      const s = await json("settle", ...bob);
      expect(s.action).to.equal("settle");
    }
    const weth = (await json("account", "status", ...bob)).basket.WETH as string | undefined;
    if (weth !== undefined && Number(weth) > 0) {
      const w = await json("withdraw", "--asset", "WETH", "--amount", weth, ...bob);
      expect(w.action).to.equal("withdraw");
    }
  });

  it("force-closes the lapsed lease after its grace; its owner settles", async function () {
    // the crash started a new price regime: carol's lease lapsed; after the grace period anyone may force-close
    await ok("dev", "advance", "--seconds", "3700");
    await ok("oracle", "poke");
    const r = await ok("keeper", "run", ...keeper);
    expect(r.stdout).to.match(/0 liquidation\(s\), 1 force-close\(s\), 0 seizure\(s\), 0 flag\(s\), 0 claim\(s\), 0 failure\(s\)/);
    const frozen = await json("account", "status", ...carol);
    expect(frozen.frozen).to.equal(true);
    expect(frozen.positions).to.have.length(0);
    expect(frozen.pendingSettlement).to.match(/^-\d+(\.\d+)? USDC$/); // long 1 ETH from 2900 to 2400
    const s = await json("settle", ...carol);
    expect(s.action).to.equal("settle");
    const settled = await json("account", "status", ...carol);
    expect(settled.frozen).to.equal(false);
    expect(Number(settled.basket.USDC)).to.be.below(3000);
  });
});
