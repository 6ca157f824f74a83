/**
 * scripts/lib/gasBreakdown.ts, the per-action gas split `npm run bench` prints: the parts sum to the
 * receipt's gasUsed, each opcode kind is counted once under its line, a labelled callee's whole call
 * is one line (and the same opcodes fall back to the caller's lines when it is not labelled), and a
 * storage refund appears as a negative line.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { BASE, breakdown, CALLDATA, calldataGas, EVENTS, REFUND, STORAGE_WRITES } from "../../scripts/lib/gasBreakdown.js";

const { ethers } = await network.create();

interface StructLog {
  op: string;
  gasCost: number;
  depth: number;
}

async function structLogs(hash: string): Promise<StructLog[]> {
  const t = (await ethers.provider.send("debug_traceTransaction", [hash, { disableMemory: true, disableStorage: true }])) as { structLogs: StructLog[] };
  return t.structLogs;
}

const costOf = (logs: StructLog[], pred: (l: StructLog) => boolean): number => logs.filter(pred).reduce((a, l) => a + l.gasCost, 0);
const sum = (b: Map<string, number>): number => [...b.values()].reduce((a, v) => a + v, 0);

describe("gas breakdown from opcode traces", function () {
  it("splits a mint into base, calldata, storage writes and events that sum to gasUsed", async function () {
    const [a] = await ethers.getSigners();
    const token = await ethers.deployContract("MockERC20", ["T", "T", 6]);
    const tx = await token.mint(await a!.getAddress(), 1_000n);
    const receipt = (await tx.wait())!;
    const b = await breakdown(ethers.provider, tx.hash, new Map());
    const logs = await structLogs(tx.hash);

    expect(sum(b)).to.equal(Number(receipt.gasUsed));
    expect(b.get(BASE)).to.equal(21_000);
    expect(b.get(CALLDATA)).to.equal(calldataGas(tx.data));
    expect(b.get(STORAGE_WRITES)).to.equal(costOf(logs, (l) => l.op === "SSTORE")).and.to.be.greaterThan(20_000);
    expect(b.get(EVENTS)).to.equal(costOf(logs, (l) => l.op.startsWith("LOG"))).and.to.be.greaterThan(0);
    expect(b.has(REFUND)).to.equal(false);
  });

  it("counts a labelled callee's whole call under its label, and its opcodes as the caller's when unlabelled", async function () {
    const [, b] = await ethers.getSigners();
    const token = await ethers.deployContract("MockERC20", ["T", "T", 6]);
    const harness = await ethers.deployContract("SafeTransferHarness");
    await (await token.mint(await harness.getAddress(), 10_000n)).wait();
    const tx = await harness.safeTransfer(await token.getAddress(), await b!.getAddress(), 1_000n);
    const receipt = (await tx.wait())!;
    const logs = await structLogs(tx.hash);

    const labelled = await breakdown(ethers.provider, tx.hash, new Map([[await token.getAddress(), "token transfers"]]));
    expect(sum(labelled)).to.equal(Number(receipt.gasUsed));
    // The token's SSTOREs are inside its call: none left for the harness's own line.
    expect(labelled.get(STORAGE_WRITES) ?? 0).to.equal(costOf(logs, (l) => l.op === "SSTORE" && l.depth === 1));
    expect(labelled.get("token transfers")).to.be.greaterThan(costOf(logs, (l) => l.depth === 2 && l.op === "SSTORE"));

    const unlabelled = await breakdown(ethers.provider, tx.hash, new Map());
    expect(sum(unlabelled)).to.equal(Number(receipt.gasUsed));
    expect(unlabelled.has("token transfers")).to.equal(false);
    expect(unlabelled.get(STORAGE_WRITES)).to.equal(costOf(logs, (l) => l.op === "SSTORE"));
    expect(unlabelled.get(EVENTS)).to.equal(costOf(logs, (l) => l.op.startsWith("LOG")));
  });

  it("shows a storage refund as a negative line", async function () {
    const [a, b] = await ethers.getSigners();
    const token = await ethers.deployContract("MockERC20", ["T", "T", 6]);
    await (await token.mint(await a!.getAddress(), 1_000n)).wait();
    const tx = await token.transfer(await b!.getAddress(), 1_000n); // a's balance goes to zero
    const receipt = (await tx.wait())!;
    const parts = await breakdown(ethers.provider, tx.hash, new Map());
    expect(parts.get(REFUND)).to.be.lessThan(0);
    expect(sum(parts)).to.equal(Number(receipt.gasUsed));
  });
});
