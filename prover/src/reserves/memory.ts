/** Memory figures of a proving run: this process's and each prover child's peak RSS (Linux /proc). */
import { readdirSync, readFileSync } from "node:fs";

/** Memory figures in bytes: this process's peak RSS and each prover child's peak RSS (Linux /proc). */
export interface MemoryFigures {
  mainPeakRss: number;
  mainHeapUsed: number;
  /** Peak RSS (VmHWM) of each live prover child process of this one; empty where /proc is unavailable. */
  children: { pid: number; peakRss: number; rss: number }[];
}

/** Reads this process's peak RSS and its children's from /proc (children: Linux only). */
export function memoryFigures(): MemoryFigures {
  const usage = process.memoryUsage();
  const children: MemoryFigures["children"] = [];
  try {
    for (const entry of readdirSync("/proc")) {
      if (!/^[0-9]+$/.test(entry)) continue;
      let status: string;
      try {
        status = readFileSync(`/proc/${entry}/status`, "utf8");
      } catch {
        continue;
      }
      const ppid = /^PPid:\s+(\d+)/m.exec(status)?.[1];
      if (ppid !== String(process.pid)) continue;
      let cmdline = "";
      try {
        cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      } catch {
        continue;
      }
      if (!cmdline.includes("proveWorker")) continue;
      const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
      children.push({ pid: Number(entry), peakRss: kb("VmHWM"), rss: kb("VmRSS") });
    }
  } catch {
    // no /proc: children unknown
  }
  return { mainPeakRss: process.resourceUsage().maxRSS * 1024, mainHeapUsed: usage.heapUsed, children };
}

/** The larger of two samples, per process. */
export function mergeMemory(a: MemoryFigures, b: MemoryFigures): MemoryFigures {
  const children = new Map(a.children.map((c) => [c.pid, c]));
  for (const c of b.children) {
    const old = children.get(c.pid);
    children.set(c.pid, { pid: c.pid, peakRss: Math.max(c.peakRss, old?.peakRss ?? 0), rss: c.rss });
  }
  return { mainPeakRss: Math.max(a.mainPeakRss, b.mainPeakRss), mainHeapUsed: Math.max(a.mainHeapUsed, b.mainHeapUsed), children: [...children.values()] };
}
