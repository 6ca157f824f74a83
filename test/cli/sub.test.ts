/**
 * `plimsoll sub` against a real chain: a `hardhat node` started on 127.0.0.1 (a free port) and stopped
 * in `after`, every command a separate `plimsoll` process. Account 1 creates two sub-accounts, lists
 * them, deposits into sub-account 1 (`deposit --sub 1`), moves part of it to sub-account 2 through a
 * shielded note (`sub move`: emit, batch insertion, absorb; the engine logs delta 0), and reads the
 * status of each; bad input gets a clear error and exit code 2.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Contract, Interface, JsonRpcProvider } from "ethers";
import { paths } from "../../scripts/lib/paths.js";
import { subAccountAddress } from "../../prover/src/subAccounts.js";
import { cliRunner } from "../helpers/cli.js";
import { startNode, type LocalNode } from "../helpers/node.js";

const ENGINE_EVENTS = new Interface([
  "event AccountUpdated(address indexed account, uint8 indexed action, uint64 indexed epoch, uint256 oldCommitment, uint256 newCommitment, uint8 asset, int256 delta, uint256 requirement, bool leaseRenewed)",
]);

describe("plimsoll sub against a hardhat node", function () {
  this.timeout(400_000);
  let node: LocalNode;
  let provider: JsonRpcProvider;
  const dir = mkdtempSync(join(tmpdir(), "plimsoll-sub-cli-"));
  const deployment = join(dir, "deployment.json");
  const env = { ...process.env, PLIMSOLL_DEPLOYMENT: deployment, PLIMSOLL_STORE: join(dir, "openings"), PLIMSOLL_NOTES: join(dir, "notes"), PLIMSOLL_PRIVATE_KEY: "", PLIMSOLL_NOTES_SEED: "" };
  const me = ["--account", "1"];
  let d: { contracts: Record<string, string>; tokens: { symbol: string; address: string }[]; chainId: string };
  let owner: string;
  const { plimsoll, ok, json } = cliRunner(dir, env);

  before(async function () {
    node = await startNode(paths.root);
    provider = new JsonRpcProvider(node.url);
    owner = await (await provider.getSigner(1)).getAddress();
  });
  after(async function () {
    provider?.destroy();
    await node?.stop();
  });

  it("documents the group, each command's flags and --sub on the trader commands", async function () {
    const top = await ok("--help");
    for (const c of ["sub create", "sub list", "sub move", "--sub"]) expect(top.stdout).to.include(c);
    const flags: Record<string, string[]> = { create: ["--index"], list: ["--store"], move: ["--from", "--to", "--asset", "--amount", "--keeper-id", "--seed", "--wallet"] };
    for (const [command, options] of Object.entries(flags)) {
      const r = await ok("sub", command, "--help");
      expect(r.stdout).to.include(`Usage: plimsoll sub ${command}`);
      for (const o of [...options, "--json", "--rpc"]) expect(r.stdout, `${command} ${o}`).to.include(o);
    }
    for (const c of [["deposit"], ["withdraw"], ["trade"], ["renew"], ["settle"], ["account", "status"], ["notes", "absorb"], ["notes", "emit"]]) {
      expect((await ok(...c, "--help")).stdout, c.join(" ")).to.include("--sub");
    }
  });

  it("deploys the factory with the world", async function () {
    await ok("deploy", "--rpc", node.url, "--out", deployment);
    d = JSON.parse(readFileSync(deployment, "utf8"));
    const factory = new Contract(d.contracts.subAccountFactory!, ["function engine() view returns (address)"], provider);
    expect(await factory.getFunction("engine")()).to.equal(d.contracts.engine);
    await ok("keeper", "keygen", "--out", join(dir, "keeper-key.json"));
    await ok("dev", "mint", "--asset", "USDC", "--amount", "1000", "--account", "9");
    await ok("keeper", "register", "--key", join(dir, "keeper-key.json"), "--account", "9");
  });

  it("creates sub-accounts at the predicted addresses, refuses one twice, and lists them", async function () {
    const impl = await new Contract(d.contracts.subAccountFactory!, ["function implementation() view returns (address)"], provider).getFunction("implementation")();
    const first = await json("sub", "create", ...me);
    expect(first.index).to.equal("0");
    const one = await json("sub", "create", "--index", "1", ...me);
    const two = await json("sub", "create", ...me);
    expect([first.address, one.address, two.address]).to.deep.equal([0n, 1n, 2n].map((i) => subAccountAddress(d.contracts.subAccountFactory!, impl, owner, i)));
    const again = await plimsoll("sub", "create", "--index", "1", ...me);
    expect(again.code).to.equal(2);
    expect(again.stderr).to.include(`sub-account 1 already exists at ${one.address}`);
    const listed = await json("sub", "list", ...me);
    expect(listed.subAccounts.map((s: { index: string; address: string; keeperId: string }) => [s.index, s.address, s.keeperId])).to.deep.equal([["0", first.address, "0"], ["1", one.address, "0"], ["2", two.address, "0"]]);
    expect((await ok("sub", "list", ...me)).stdout).to.include(`1    ${one.address}  keeper none, no position`);
  });

  it("answers bad input with a clear error and exit code 2", async function () {
    const cases: [string[], string][] = [
      [["deposit", "--sub", "7", "--asset", "USDC", "--amount", "1", ...me], "the wallet " + owner + " has no sub-account 7"],
      [["deposit", "--sub", "x", "--asset", "USDC", "--amount", "1", ...me], "--sub must be a sub-account index"],
      [["sub", "create", "--index", "1.5", ...me], "--index must be a sub-account index"],
      [["sub", "move", "--from", "1", "--to", "1", "--asset", "USDC", "--amount", "1", ...me], "--from and --to are both sub-account 1"],
      [["sub", "move", "--to", "2", "--asset", "USDC", "--amount", "1", ...me], "--from is required"],
      [["account", "status", "--sub", "1", "--address", owner, ...me], "--address and --sub name two accounts"],
      [["sub", "frobnicate", ...me], "plimsoll sub --help"],
      [["basket", "create", "--owner", owner, "--out", join(dir, "x.json"), "--sub", "1"], "--sub applies to the account commands"],
    ];
    for (const [args, message] of cases) {
      const r = await plimsoll(...args);
      expect(r.code, args.join(" ")).to.equal(2);
      expect(r.stderr, args.join(" ")).to.include(message);
    }
  });

  it("deposits into sub-account 1, moves part of it to sub-account 2 privately, and shows each one's status", async function () {
    await ok("dev", "mint", "--asset", "USDC", "--amount", "3000", ...me);
    const dep = await json("deposit", "--sub", "1", "--asset", "USDC", "--amount", "3000", "--keeper-id", "1", ...me);
    expect(dep.basket).to.equal("3000 USDC");
    const usdc = new Contract(d.tokens[0]!.address, ["function balanceOf(address) view returns (uint256)"], provider);
    expect(await usdc.getFunction("balanceOf")(owner)).to.equal(0n);
    const one = await json("account", "status", "--sub", "1", ...me);
    expect(one.basket.USDC).to.equal("3000");
    expect(one.keeperId).to.equal("1");
    expect(one.subAccount).to.deep.equal({ index: "1", owner });
    // The owner's own account and sub-account 2 are untouched.
    expect((await json("account", "status", ...me)).basket.USDC).to.equal("0");

    await ok("notes", "init", ...me);
    const moved = await json("sub", "move", "--from", "1", "--to", "2", "--asset", "USDC", "--amount", "1234.567891", "--keeper-id", "1", ...me);
    expect([moved.from.basket, moved.to.basket]).to.deep.equal(["1765.432109 USDC", "1234.567891 USDC"]);
    for (const [tx, account] of [[moved.from.emitTx, moved.from.account], [moved.to.absorbTx, moved.to.account]]) {
      const rc = (await provider.getTransactionReceipt(tx))!;
      const upd = rc.logs.map((l) => { try { return ENGINE_EVENTS.parseLog(l); } catch { return null; } }).find((e) => e?.name === "AccountUpdated")!;
      expect([upd.args.account, upd.args.asset, upd.args.delta]).to.deep.equal([account, 0n, 0n]);
      // The amount is in no calldata or log of the move.
      const tx_ = (await provider.getTransaction(tx))!;
      const hex = (1_234_567_891n).toString(16).padStart(24, "0");
      expect([tx_.data, ...rc.logs.map((l) => l.data)].some((b) => b.toLowerCase().includes(hex))).to.equal(false);
    }
    const s1 = await json("account", "status", "--sub", "1", ...me);
    const s2 = await json("account", "status", "--sub", "2", ...me);
    expect([s1.basket.USDC, s2.basket.USDC]).to.deep.equal(["1765.432109", "1234.567891"]);
    expect(s2.account).to.equal(moved.to.account);
    expect((await ok("account", "status", "--sub", "2", ...me)).stdout).to.include(`(sub-account 2 of ${owner})`);
    // Withdraw from sub-account 2: the tokens reach the wallet.
    await ok("withdraw", "--sub", "2", "--asset", "USDC", "--amount", "234.567891", ...me);
    expect(await usdc.getFunction("balanceOf")(owner)).to.equal(234_567_891n);
    const listed = await json("sub", "list", ...me);
    expect(listed.subAccounts.map((s: { keeperId: string; openingStored: boolean }) => [s.keeperId, s.openingStored])).to.deep.equal([["0", false], ["1", true], ["1", true]]);
    // Each sub-account's opening is its own file.
    const base = join(dir, "openings", d.chainId, d.contracts.engine!.toLowerCase());
    for (const a of [moved.from.account, moved.to.account]) expect(JSON.parse(readFileSync(join(base, `${a.toLowerCase()}.json`), "utf8")).owner).to.equal(a);
  });
});
