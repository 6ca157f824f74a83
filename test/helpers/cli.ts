/**
 * Runs the `plimsoll` command line as a user does, one process per command (bin/plimsoll.mjs), for
 * the CLI tests against a node: `plimsoll` returns the exit code and both outputs, `ok` expects exit 0,
 * `json` adds --json and parses stdout.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { paths } from "../../scripts/lib/paths.js";

const run = promisify(execFile);

/** The executable every test runs. */
export const PLIMSOLL_BIN = join(paths.root, "bin", "plimsoll.mjs");

/** What one command printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The three runners, in `cwd` with environment `env`. */
export function cliRunner(cwd: string, env: NodeJS.ProcessEnv) {
  async function plimsoll(...args: string[]): Promise<CliResult> {
    try {
      const { stdout, stderr } = await run(process.execPath, [PLIMSOLL_BIN, ...args], { cwd, env });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }
  const ok = async (...args: string[]): Promise<CliResult> => {
    const r = await plimsoll(...args);
    expect(r.code, `${args.join(" ")}\n${r.stderr}`).to.equal(0);
    return r;
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const json = async (...args: string[]): Promise<Record<string, any>> => JSON.parse((await ok(...args, "--json")).stdout);
  return { plimsoll, ok, json };
}
