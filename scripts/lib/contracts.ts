/**
 * Step 6: compile the Solidity contracts (generated verifiers included) with `hardhat build`.
 * Hardhat keeps its own cache, so this step always runs and reports "up to date" when Hardhat
 * had nothing to compile.
 */
import { spawn } from "node:child_process";
import { BuildError, detail, formatMs, isVerbose, item, now, since } from "./log.js";
import { packageBin, paths } from "./paths.js";

export async function buildContracts(force: boolean): Promise<void> {
  const start = now();
  const cli = packageBin("hardhat");
  const args = [cli, "build", ...(force ? ["--force"] : [])];
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: paths.root, env: process.env });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (c) => resolve({ code: c ?? 1, output }));
  });
  const text = output.trim();
  if (code !== 0) throw new BuildError(`hardhat build failed (exit ${code}):\n${text}`);
  if (/No contracts to compile/i.test(text) && !force) {
    item("hardhat build", `up to date (${formatMs(since(start))})`);
    return;
  }
  // Each warning with the place solc names on a following "--> file:line:col" line (the one known today:
  // poseidon-solidity's PoseidonT3 is over 24 KB when built here; deployments link its published bytecode).
  const lines = text.split("\n");
  const summary = lines.flatMap((l, i) => {
    if (/^Compiled/i.test(l.trim())) return [l];
    if (!/warning/i.test(l)) return [];
    const at = lines.slice(i + 1, i + 4).find((x) => /-->/.test(x))?.trim();
    return [at === undefined ? l : `${l} (${at.replace(/^-->\s*/, "")})`];
  });
  item("hardhat build", `done in ${formatMs(since(start))}`);
  if (isVerbose()) detail(text);
  else if (summary.length > 0) detail(summary.join("\n"));
}
