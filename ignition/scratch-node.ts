import { network } from "hardhat";
import DevWorldModule from "./modules/DevWorld.js";
const { ignition, ethers } = await network.connect("localhost");
const t = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
const r1 = await ignition.deploy(DevWorldModule, { deploymentId: "scratch-devworld", parameters: { DevWorld: { pricesUpdatedAt: t } } });
console.log("first", await r1.engine.getAddress(), await r1.oracle.poke.staticCall());
const r2 = await ignition.deploy(DevWorldModule, { deploymentId: "scratch-devworld", parameters: { DevWorld: { pricesUpdatedAt: t } } });
console.log("resumed same", await r2.engine.getAddress());
try {
  await ignition.deploy(DevWorldModule, { deploymentId: "scratch-devworld" });
  console.log("default resumed OK");
} catch (e) { console.log("default resume:", String(e).slice(0, 400)); }
