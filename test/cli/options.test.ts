/**
 * The CLI on an options engine, against a hardhat node: `plimsoll deploy --options FILE` deploys an
 * options engine beside the perp one and writes its deployment file (marketKind "options"); with that
 * file a trader registers a keeper, deposits and buys a call (real proofs), and `account status` shows
 * the position's delta, gamma and vega as the market's `greeks` give them.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Contract, JsonRpcProvider } from "ethers";
import { options } from "../../prover/src/index.js";
import { paths } from "../../scripts/lib/paths.js";
import { cliRunner } from "../helpers/cli.js";
import { startNode, type LocalNode } from "../helpers/node.js";

describe("plimsoll CLI on an options engine", function () {
  this.timeout(240_000);
  let node: LocalNode;
  const dir = mkdtempSync(join(tmpdir(), "plimsoll-options-cli-"));
  const perp = join(dir, "deployment.json");
  const deployment = join(dir, "options.json");
  const env = { ...process.env, PLIMSOLL_DEPLOYMENT: deployment, PLIMSOLL_STORE: join(dir, "openings"), PLIMSOLL_PRIVATE_KEY: "" };
  const { plimsoll, ok, json } = cliRunner(dir, env);

  before(async function () {
    node = await startNode(paths.root);
  });
  after(async function () {
    await node?.stop();
  });

  it("deploys an options engine beside the perp one and names the market kind in its deployment file", async function () {
    await ok("deploy", "--rpc", node.url, "--out", perp, "--options", deployment);
    const p = JSON.parse(readFileSync(perp, "utf8"));
    const o = JSON.parse(readFileSync(deployment, "utf8"));
    expect(p.marketKind).to.equal(undefined);
    expect(o.marketKind).to.equal("options");
    expect(o.contracts.oracle).to.equal(p.contracts.oracle);
    for (const k of ["engine", "market", "insuranceFund", "keeperRegistry"]) expect(o.contracts[k], k).to.not.equal(p.contracts[k]);
    expect(o.markets.map((m: { symbol: string }) => m.symbol)).to.deep.equal(["ETH-3000-C", "ETH-3000-P", "BTC-60000-C"]);
    const again = await plimsoll("deploy", "--rpc", node.url, "--out", join(dir, "other.json"), "--options", deployment);
    expect(again.code).to.equal(2);
    expect(again.stderr).to.include(`--options ${deployment}: a deployment file already exists`);
  });

  it("trades a call with real proofs and shows the position's delta, gamma and vega", async function () {
    const key = join(dir, "keeper-key.json");
    await ok("keeper", "keygen", "--out", key);
    await ok("dev", "mint", "--asset", "USDC", "--amount", "1000", "--account", "9");
    expect((await json("keeper", "register", "--key", key, "--account", "9")).keeperId).to.equal("1");
    await ok("dev", "mint", "--asset", "USDC", "--amount", "5000", "--account", "1");
    await ok("deposit", "--asset", "USDC", "--amount", "5000", "--keeper-id", "1", "--account", "1");
    await ok("trade", "--market", "ETH-3000-C", "--size", "2", "--account", "1");
    const s = await json("account", "status", "--account", "1");
    expect(s.positions).to.have.length(1);
    const pos = s.positions[0];
    expect(pos).to.include({ market: "ETH-3000-C", size: "2" });
    // The same numbers as size x the market's greeks, read directly.
    const o = JSON.parse(readFileSync(deployment, "utf8"));
    const provider = new JsonRpcProvider(node.url);
    try {
      const market = new Contract(o.contracts.market, ["function greeks(uint256) view returns (uint256, int256, uint256, uint256)"], provider);
      const [, delta, gamma, vega] = (await market.getFunction("greeks")(0)) as [bigint, bigint, bigint, bigint];
      const g = options.positionGreeks(2n * 10n ** 18n, { delta, gamma, vega });
      // The CLI prints decimal strings of 1e18 fixed point; a float's last digit may differ from x / 1e18.
      const same = (shown: string, x: bigint, what: string): void => {
        const v = Number(x) / 1e18;
        expect(Number(shown), what).to.be.within(v - Math.abs(v) * 1e-12, v + Math.abs(v) * 1e-12);
      };
      same(pos.delta, g.delta, "delta");
      same(pos.gamma, g.gamma, "gamma");
      expect(pos.vegaPerVolPoint).to.match(/^[\d.]+ USD$/);
      same(pos.vegaPerVolPoint.split(" ")[0], g.vegaPerPoint, "vega");
      expect(Number(pos.delta)).to.be.within(0.8, 1.3); // two at-the-money calls
    } finally {
      provider.destroy();
    }
    const text = await ok("account", "status", "--account", "1");
    expect(text.stdout).to.match(/ETH-3000-C\s+2 at /);
    expect(text.stdout).to.match(/delta \d\.\d{4}, gamma 0\.\d{6} \/USD, vega \d+\.\d{2} USD\/vol pt/);
    // The perp deployment's status has no Greeks.
    const perpStatus = await json("account", "status", "--account", "1", "--deployment", perp);
    expect(perpStatus.positions).to.deep.equal([]);
  });
});
