/**
 * The proving run's figures (prover/src/reserves/memory.ts): peak RSS and CPU time of this
 * process's prover children, read from /proc. The benchmark's load-independent figure (CPU-seconds
 * per batch) is the difference of two such readings.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { expect } from "chai";
import { memoryFigures, mergeMemory } from "../../prover/src/reserves/memory.js";

/** A child whose command line names proveWorker (as the Prover's does) that burns `ms` of CPU time (not wall time: the machine is shared), then idles. */
function spinningChild(ms: number): Promise<ChildProcess> {
  const burn = `const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; }; while (cpu() < ${ms}) {} process.stdout.write("spun"); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["-e", burn, "proveWorker"], { stdio: ["ignore", "pipe", "ignore"] });
  return new Promise((resolve) => child.stdout!.once("data", () => resolve(child)));
}

describe("reserves: memoryFigures", function () {
  before(function () {
    if (!existsSync("/proc/self/stat")) throw new Error("these figures read Linux /proc, which this machine does not have");
  });

  it("reports a prover child's CPU time (at least the time it spun) and its peak RSS", async function () {
    const child = await spinningChild(400);
    try {
      const mine = memoryFigures().children.find((c) => c.pid === child.pid);
      expect(mine, "the child is listed").to.not.equal(undefined);
      // USER_HZ ticks of 10 ms: the 400 CPU-ms it burnt read as at least 350 ms.
      expect(mine!.cpuMs).to.be.at.least(350);
      expect(mine!.peakRss).to.be.above(10 * 2 ** 20);
      expect(mine!.peakRss).to.be.at.least(mine!.rss);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("ignores children that are not prover processes", async function () {
    const other = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    try {
      await new Promise((r) => setTimeout(r, 200));
      expect(memoryFigures().children.map((c) => c.pid)).to.not.include(other.pid);
    } finally {
      other.kill("SIGKILL");
    }
  });

  it("merges two readings per process, keeping the larger peak and CPU time", function () {
    const a = { mainPeakRss: 5, mainHeapUsed: 9, children: [{ pid: 1, peakRss: 100, rss: 50, cpuMs: 700 }] };
    const b = { mainPeakRss: 7, mainHeapUsed: 3, children: [{ pid: 1, peakRss: 80, rss: 60, cpuMs: 900 }, { pid: 2, peakRss: 10, rss: 10, cpuMs: 1 }] };
    expect(mergeMemory(a, b)).to.deep.equal({
      mainPeakRss: 7,
      mainHeapUsed: 9,
      children: [{ pid: 1, peakRss: 100, rss: 60, cpuMs: 900 }, { pid: 2, peakRss: 10, rss: 10, cpuMs: 1 }],
    });
  });
});
