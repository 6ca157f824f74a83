#!/usr/bin/env node
/**
 * Runs a command with TMPDIR pointing at a fresh folder of its own, and removes that folder when the
 * command ends: `npm test` runs the suite through it, so the openings, wallets, keeper keys and state
 * folders the tests write under os.tmpdir() (theirs and their child processes': nodes, CLI runs, the
 * browser) do not pile up in the machine's /tmp, even when a test that made one fails before its own
 * cleanup. PLIMSOLL_KEEP_TMP=1 keeps the folder (its path is printed) for a post-mortem.
 *
 *   node scripts/tempRoot.mjs <command> [args...]
 *
 * Exit status: the command's (128 + signal number when a signal ended it); 2 on a usage error.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";

const [command, ...args] = process.argv.slice(2);
if (command === undefined || command === "--help") {
  console.error("Usage: node scripts/tempRoot.mjs <command> [args...]\nRuns <command> with TMPDIR set to a fresh folder, removed when it ends (PLIMSOLL_KEEP_TMP=1 keeps it).");
  process.exit(command === undefined ? 2 : 0);
}

const root = mkdtempSync(join(tmpdir(), "plimsoll-test-run-"));
const child = spawn(command, args, { stdio: "inherit", env: { ...process.env, TMPDIR: root } });

// The terminal's Ctrl-C reaches the child too (same process group); a signal sent to this process
// alone (a CI runner's SIGTERM) is passed on, and the folder goes once the child has exited.
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => child.kill(sig));

child.on("error", (err) => {
  console.error(`tempRoot: cannot run ${command}: ${err.message}`);
  cleanup();
  process.exit(127);
});
child.on("exit", (code, signal) => {
  cleanup();
  process.exit(code ?? 128 + (constants.signals[signal] ?? 0));
});

function cleanup() {
  if (process.env.PLIMSOLL_KEEP_TMP === "1") {
    console.error(`tempRoot: kept ${root} (PLIMSOLL_KEEP_TMP=1)`);
    return;
  }
  rmSync(root, { recursive: true, force: true, maxRetries: 3 });
}
