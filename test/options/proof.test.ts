/**
 * Real proofs on the options engine: a trader deposits, buys a call at initial margin and sells it back
 * at maintenance margin, each update a Groth16 proof the engine's verifier accepts, the requirement
 * computed by the library from the options market's quoter exactly as the engine computes it.
 */
import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { network } from "hardhat";
import type { EngineContract, TokenContract } from "../../prover/src/contracts.js";
import { Prover } from "../../prover/src/prover.js";
import { OpeningStore } from "../../prover/src/store.js";
import { Trader } from "../../prover/src/trader.js";
import { ACCOUNT_UPDATE_ARTIFACTS } from "../../scripts/lib/world.js";
import { e18, e6, USDC } from "../contracts/helpers.js";
import { ETH_CALL, optionsWorld } from "./fixture.js";

const { ethers } = await network.create();

describe("Options engine with real proofs", function () {
  const prover = new Prover();
  after(async function () {
    await prover.close();
  });

  it("opens a long call at initial margin and closes it at maintenance margin, each with a real proof", async function () {
    const o = await optionsWorld(ethers, { prover });
    const [, , alice] = await ethers.getSigners();
    const engineAddress = await o.engine.getAddress();
    const usdc = o.w.d.tokens[USDC]!.connect(alice!) as TokenContract;
    await (await usdc.mint(await alice!.getAddress(), 20_000n * e6)).wait();
    await (await usdc.approve(engineAddress, 20_000n * e6)).wait();
    const t = await Trader.load({
      engine: o.engine.connect(alice!) as unknown as EngineContract,
      oracle: o.w.d.oracle,
      signer: alice!,
      prover,
      artifacts: ACCOUNT_UPDATE_ARTIFACTS,
      store: new OpeningStore(mkdtempSync(join(tmpdir(), "plimsoll-options-"))),
      keeper: { keeperId: o.w.keeper.keeperId, key: o.w.keeper.key.publicKey },
      quoter: { marketCount: () => o.market.marketCount(), marketQuote: (j) => o.market.marketQuote(j) },
    });
    await t.deposit(USDC, 20_000n * e6);
    const open = await t.trade(ETH_CALL, 2n * e18);
    const [mark, imRatio] = await o.market.marketQuote(ETH_CALL);
    // The proved requirement is the engine's: ceil(2 * mark * imRatio) in 1e-30 USD, no loss at entry.
    expect(open.requirement).to.equal((2n * e18 * mark * 10n ** 4n * imRatio + e18 - 1n) / e18);
    // An options engine has no funding (its market has no funding rule): the position's index stays 0.
    expect(await o.engine.positionOf(await alice!.getAddress(), ETH_CALL)).to.deep.equal([2n * e18, mark, 0n]);
    const close = await t.trade(ETH_CALL, -2n * e18);
    expect(close.requirement).to.equal(0n);
    expect((await o.engine.accountOf(await alice!.getAddress())).openMarkets).to.equal(0n);
    expect(await o.engine.commitmentOf(await alice!.getAddress())).to.equal(close.newCommitment);
    console.log(`      options trade: open ${open.gasUsed} gas, close ${close.gasUsed} gas (proofs ${open.proveMs} ms, ${close.proveMs} ms)`);
  });
});
