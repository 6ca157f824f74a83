/**
 * The haircut horizon cannot disagree with the engine (issue 16, section 2): the engine's constructor refuses
 * an oracle whose `horizonSamples * gridSeconds` is shorter than its own time from insolvency to liquidation,
 * one grid step + the lease grace + the keeper's time (`maxEpochAge`, two grid steps).
 */
import { expect } from "chai";
import { network } from "hardhat";
import { DEV_LEASE } from "../../prover/src/devnet.js";
import { engineHorizonSamples } from "../../prover/src/oracle/index.js";
import { deployKeeperRegistry, deployMarginEngine } from "../../scripts/lib/deploy.js";
import { createWorld, type World } from "../../scripts/lib/world.js";
import { USDC } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();

async function world(): Promise<World> {
  return createWorld(ethers);
}

describe("MarginEngine constructor: the oracle's haircut horizon", function () {
  const worlds = new Set<World>();
  after(async function () {
    for (const w of worlds) await w.prover.close();
  });

  /** Deploys an engine on `w`'s oracle with lease grace `grace` and a registry whose exit delay covers it. */
  async function deployWithGrace(w: World, grace: bigint): Promise<unknown> {
    const lease = { maxAge: DEV_LEASE.maxAge, grace };
    const registry = await deployKeeperRegistry(ethers, await w.d.tokens[USDC]!.getAddress(), 6, lease);
    return deployMarginEngine(ethers, {
      oracle: w.d.oracle,
      updateVerifier: w.d.verifier,
      insolvencyVerifier: w.d.insolvencyVerifier,
      poseidon3: w.d.poseidon3,
      keeperRegistry: registry,
      settlementAsset: USDC,
      lease,
      libraries: w.d.libraries,
    });
  }

  it("deploys the demo: a one-day horizon covers one grid step, the one-hour grace and two steps for a keeper", async function () {
    const w = await networkHelpers.loadFixture(world);
    worlds.add(w);
    const grid = BigInt(await w.d.oracle.gridSeconds());
    const horizon = BigInt(await w.d.oracle.horizonSamples());
    expect(horizon).to.be.at.least(engineHorizonSamples(grid, DEV_LEASE.grace));
    expect(BigInt(await w.d.engine.leaseGrace())).to.equal(DEV_LEASE.grace);
  });

  it("accepts a grace that uses the horizon exactly, and refuses one second more with HorizonTooShort", async function () {
    const w = await networkHelpers.loadFixture(world);
    worlds.add(w);
    const grid = BigInt(await w.d.oracle.gridSeconds());
    const horizonSeconds = BigInt(await w.d.oracle.horizonSamples()) * grid;
    const longest = horizonSeconds - 3n * grid;
    expect(engineHorizonSamples(grid, longest)).to.equal(horizonSeconds / grid);
    await deployWithGrace(w, longest);
    await expect(deployWithGrace(w, longest + 1n))
      .to.be.revertedWithCustomError(w.d.engine, "HorizonTooShort")
      .withArgs(horizonSeconds, horizonSeconds + 1n);
    expect(engineHorizonSamples(grid, longest + 1n)).to.equal(horizonSeconds / grid + 1n);
  });
});
