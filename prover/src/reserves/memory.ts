/**
 * Memory and CPU figures of a proving run: this process's and each prover child's peak RSS and the
 * CPU time each child has used (Linux /proc). CPU time is the load-independent cost of a proof: on a
 * shared machine the wall time stretches with the other jobs, the CPU-seconds much less.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Memory figures in bytes: this process's peak RSS and each prover child's peak RSS (Linux /proc). */
export interface MemoryFigures {
  mainPeakRss: number;
  mainHeapUsed: number;
  /** Peak RSS (VmHWM) of each live prover child process of this one; empty where /proc is unavailable. */
  children: { pid: number; peakRss: number; rss: number; cpuMs: number }[];
}

/** USER_HZ: the unit of utime and stime in /proc/<pid>/stat (100 on every Linux ABI in use). */
const CLOCK_TICKS_PER_SECOND = 100;

/** User + system CPU time of process `pid` in ms, from /proc/<pid>/stat (0 when unreadable). */
function cpuMsOf(pid: string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces, hence the last ')'): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
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
      children.push({ pid: Number(entry), peakRss: kb("VmHWM"), rss: kb("VmRSS"), cpuMs: cpuMsOf(entry) });
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
    children.set(c.pid, { pid: c.pid, peakRss: Math.max(c.peakRss, old?.peakRss ?? 0), rss: c.rss, cpuMs: Math.max(c.cpuMs, old?.cpuMs ?? 0) });
  }
  return { mainPeakRss: Math.max(a.mainPeakRss, b.mainPeakRss), mainHeapUsed: Math.max(a.mainHeapUsed, b.mainHeapUsed), children: [...children.values()] };
}
