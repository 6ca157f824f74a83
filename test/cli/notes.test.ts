/**
 * `plimsoll notes` against a real chain: a `hardhat node` started on 127.0.0.1 (a free port) and
 * stopped in `after`, every command a separate `plimsoll` process. Two wallets (alice: keys from
 * account 1's signature; bob: keys from a seed file, sending from account 2) shield, a third account
 * with no wallet flushes, alice pays bob privately, bob unshields to a fresh address through a
 * relayer for a fee, and alice's account absorbs a note and emits one (the engine logs delta 0).
 * Six proofs in all: two batch insertions, two join-splits, one absorb, one emit.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Contract, Interface, JsonRpcProvider, Wallet } from "ethers";
import { paths } from "../../scripts/lib/paths.js";
import { cliRunner } from "../helpers/cli.js";
import { startNode, type LocalNode } from "../helpers/node.js";

/** Hardhat's development account 1 (its well-known private key): the same account as `--account 1`. */
const ACCOUNT_1_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const ENGINE_EVENTS = new Interface([
  "event AccountUpdated(address indexed account, uint8 indexed action, uint64 indexed epoch, uint256 oldCommitment, uint256 newCommitment, uint8 asset, int256 delta, uint256 requirement, bool leaseRenewed)",
]);
/** IMarginEngine.Action. */
const ABSORB_NOTE = 5n;
const EMIT_NOTE = 6n;

describe("plimsoll notes against a hardhat node", function () {
  this.timeout(300_000);
  let node: LocalNode;
  let provider: JsonRpcProvider;
  const dir = mkdtempSync(join(tmpdir(), "plimsoll-notes-cli-"));
  const deployment = join(dir, "deployment.json");
  const bobSeed = join(dir, "bob-seed.json");
  const env = { ...process.env, PLIMSOLL_DEPLOYMENT: deployment, PLIMSOLL_STORE: join(dir, "openings"), PLIMSOLL_NOTES: join(dir, "notes"), PLIMSOLL_PRIVATE_KEY: "", PLIMSOLL_NOTES_SEED: "" };
  const alice = ["--account", "1"];
  const bob = ["--seed", bobSeed, "--account", "2"];
  let d: { contracts: Record<string, string>; tokens: { symbol: string; address: string }[] };
  let bobAddress: string;

  const { plimsoll, ok, json } = cliRunner(dir, env);
  const usdc = (): Contract => new Contract(d.tokens[0]!.address, ["function balanceOf(address) view returns (uint256)"], provider);
  /** The wallet's notes and balances (`notes list`, which scans first). */
  const list = (who: string[], ...more: string[]) => json("notes", "list", ...who, ...more);

  before(async function () {
    node = await startNode(paths.root);
    provider = new JsonRpcProvider(node.url);
  });
  after(async function () {
    provider?.destroy();
    await node?.stop();
  });

  it("documents the group and every command's flags (--help, exit 0)", async function () {
    const flags: Record<string, string[]> = {
      init: ["--seed", "--wallet"], address: ["--show-secrets"], scan: ["--wallet"], list: ["--all"], shield: ["--asset", "--amount", "--to"],
      transfer: ["--to", "--asset", "--amount"], unshield: ["--to", "--relayer", "--fee"], flush: ["--wallet"], absorb: ["--leaf", "--keeper-id", "--store"], emit: ["--asset", "--amount", "--to"],
    };
    const group = await ok("notes", "--help");
    expect((await ok("--help")).stdout).to.include("notes shield");
    for (const [command, options] of Object.entries(flags)) {
      expect(group.stdout).to.include(`notes ${command} `);
      const r = await ok("notes", command, "--help");
      expect(r.stdout).to.include(`Usage: plimsoll notes ${command}`);
      for (const o of [...options, "--json", "--rpc"]) expect(r.stdout, `${command} ${o}`).to.include(o);
    }
  });

  it("deploys the shielded pool with the world and records it in the deployment file", async function () {
    await ok("deploy", "--rpc", node.url, "--out", deployment);
    d = JSON.parse(readFileSync(deployment, "utf8"));
    for (const k of ["shieldedPool", "noteJoinSplitVerifier", "noteBatchInsertVerifier", "accountAbsorbVerifier", "accountEmitVerifier", "poseidonT3"]) {
      expect(d.contracts[k], k).to.match(/^0x[0-9a-fA-F]{40}$/);
      expect(await provider.getCode(d.contracts[k]!), k).to.not.equal("0x");
    }
    const pool = new Contract(d.contracts.shieldedPool!, ["function engine() view returns (address)"], provider);
    expect(await pool.getFunction("engine")()).to.equal(d.contracts.engine);
  });

  it("creates wallets from an account and from a new seed file, and never overwrites one", async function () {
    const a = await json("notes", "init", ...alice);
    expect(a.keysFrom).to.match(/^account 0x70997970/i);
    expect(a.address).to.match(/^pz1[0-9a-f]{192}$/);
    const b = await json("notes", "init", ...bob);
    expect(b).to.include({ seedCreated: true, keysFrom: `seed file ${bobSeed}` });
    expect(statSync(bobSeed).mode & 0o777).to.equal(0o600);
    expect(statSync(b.wallet).mode & 0o777).to.equal(0o600);
    bobAddress = b.address;

    const before = readFileSync(a.wallet, "utf8");
    const again = await plimsoll("notes", "init", ...alice);
    expect(again.code).to.equal(2);
    expect(again.stderr).to.include("already exists; refusing to overwrite it");
    const explicit = await plimsoll("notes", "init", "--wallet", b.wallet, ...alice);
    expect(explicit.code).to.equal(2);
    expect(explicit.stderr).to.include(`--wallet ${b.wallet}: a note wallet already exists there`);
    expect(readFileSync(a.wallet, "utf8")).to.equal(before);

    // The same account gives the same keys, whether it signs through the node or from its key.
    expect((await ok("notes", "address", ...alice)).stdout.trim()).to.equal(a.address);
    expect((await ok("notes", "address", "--key", ACCOUNT_1_KEY)).stdout.trim()).to.equal(a.address);
    const shown = await json("notes", "address", "--seed", bobSeed);
    expect(shown.address).to.equal(bobAddress);
    expect(shown).to.not.have.property("spendingSecret");
    const secrets = await json("notes", "address", "--seed", bobSeed, "--show-secrets");
    expect(secrets.spendingSecret).to.match(/^[0-9]+$/);
  });

  it("shields from both wallets into the engine's custody; the notes wait for their batch", async function () {
    await ok("dev", "mint", "--asset", "USDC", "--amount", "2000", ...alice);
    await ok("dev", "mint", "--asset", "USDC", "--amount", "1000", "--account", "2");
    const held = BigInt(await usdc().getFunction("balanceOf")(d.contracts.engine));
    const s = await json("notes", "shield", "--asset", "USDC", "--amount", "1000", ...alice);
    expect(s).to.include({ action: "shield", amount: "1000", leaf: 0, self: true });
    expect((await json("notes", "shield", "--asset", "0", "--amount", "300", ...bob)).leaf).to.equal(1);
    expect(BigInt(await usdc().getFunction("balanceOf")(d.contracts.engine)) - held).to.equal(1300n * 10n ** 6n);
    const l = await list(alice);
    expect(l.notes).to.deep.equal([{ leaf: 0, slot: 0, asset: "USDC", amount: "1000", spent: false, inTree: false, status: "waiting for its batch" }]);
    expect(l.balances.USDC).to.deep.equal({ total: "1000", spendable: "0" });
  });

  it("is flushed by an account without a wallet, and the notes become spendable", async function () {
    const f = await json("notes", "flush", "--account", "3");
    expect(f.inserted.map((b: { batchIndex: number; count: number }) => [b.batchIndex, b.count])).to.deep.equal([[0, 2]]);
    expect((await list(alice)).balances.USDC).to.deep.equal({ total: "1000", spendable: "1000" });
    expect((await list(["--seed", bobSeed])).balances.USDC).to.deep.equal({ total: "300", spendable: "300" });
    expect((await json("notes", "flush", "--account", "3")).inserted).to.deep.equal([]);
  });

  it("transfers privately from alice to bob, who finds the note by scanning", async function () {
    const t = await json("notes", "transfer", "--to", bobAddress, "--asset", "USDC", "--amount", "600", ...alice);
    expect(t).to.include({ action: "transfer", amount: "600", change: "400" });
    expect(t.spent).to.deep.equal([0]);
    const scan = await json("notes", "scan", "--seed", bobSeed);
    expect(scan.received.map((n: { amount: string; status: string }) => [n.amount, n.status])).to.deep.equal([["600", "waiting for its batch"]]);
    expect((await json("notes", "flush", ...bob)).inserted).to.have.length(1);
    expect((await list(["--seed", bobSeed])).balances.USDC).to.deep.equal({ total: "900", spendable: "900" });
    const a = await list(alice);
    expect(a.notes.map((n: { amount: string; inTree: boolean }) => [n.amount, n.inTree])).to.deep.equal([["400", true]]);
  });

  it("unshields two notes to a fresh address through a relayer for a fee", async function () {
    const recipient = Wallet.createRandom().address;
    const relayer = Wallet.createRandom().address;
    const u = await json("notes", "unshield", "--asset", "USDC", "--amount", "850", "--to", recipient, "--relayer", relayer, "--fee", "5", ...bob);
    expect(u).to.include({ action: "unshield", received: "845", fee: "5", change: "50" });
    expect(u.spent).to.have.length(2);
    expect(BigInt(await usdc().getFunction("balanceOf")(recipient))).to.equal(845n * 10n ** 6n);
    expect(BigInt(await usdc().getFunction("balanceOf")(relayer))).to.equal(5n * 10n ** 6n);
    const b = await list(["--seed", bobSeed], "--all");
    expect(b.balances.USDC).to.deep.equal({ total: "50", spendable: "0" });
    expect(b.notes.map((n: { amount: string; spent: boolean }) => [n.amount, n.spent])).to.deep.equal([["300", true], ["600", true], ["50", false]]);
  });

  it("refuses bad input with exit 2 and a message naming the flag", async function () {
    const fresh = Wallet.createRandom().address;
    const cases: [string[], RegExp][] = [
      [["shield", "--asset", "USDC", "--amount", "abc", ...alice], /--amount USDC is not a decimal number/],
      [["shield", "--asset", "DOGE", "--amount", "1", ...alice], /--asset: unknown asset "DOGE"/],
      [["shield", "--asset", "USDC", "--amount", "5000", ...alice], /shield of 5000 USDC: 0x[0-9a-fA-F]{40} holds only 1000 USDC/],
      [["transfer", "--to", "pz1abc", "--asset", "USDC", "--amount", "1", ...alice], /--to: address is not pz1 followed by 192 hex digits/],
      [["transfer", "--to", bobAddress, "--asset", "USDC", "--amount", "401", ...alice], /transfer of 401 USDC: the wallet holds only 400 USDC spendable/],
      [["unshield", "--asset", "USDC", "--amount", "1", "--to", "0x1234", ...bob], /--to must be an address/],
      [["unshield", "--asset", "USDC", "--amount", "1", "--to", fresh, "--fee", "1", ...alice], /--fee needs --relayer/],
      [["unshield", "--asset", "USDC", "--amount", "1", "--to", fresh, "--relayer", fresh, "--fee", "2", ...alice], /--fee 2 USDC is more than --amount 1 USDC/],
      [["absorb", "--leaf", "999", ...alice], /--leaf 999: the wallet has no note there/],
      [["absorb", "--leaf", "0", ...alice], /--leaf 0: the note of 1000 USDC at leaf 0 is spent/],
      [["absorb", "--leaf", "-1", ...alice], /--leaf/],
      [["list", "--seed", join(dir, "missing.json")], /--seed .*missing\.json: no seed file/],
      [["list", "--account", "5"], /no note wallet at .* run 'plimsoll notes init' first/],
      [["flush", "--bogus"], /Unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const r = await plimsoll("notes", ...args);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).to.equal(2);
      expect(r.stderr, args.join(" ")).to.match(message);
      expect(r.stderr).to.match(/^plimsoll notes: /);
      expect(r.stderr).to.not.match(/at .*\.ts:\d+/);
    }
  });

  it("absorbs a note into an account and emits one out of it, slot and amount private (delta 0)", async function () {
    await ok("keeper", "keygen", "--out", join(dir, "keeper-key.json"));
    await ok("dev", "mint", "--asset", "USDC", "--amount", "1000", "--account", "9");
    await ok("keeper", "register", "--key", join(dir, "keeper-key.json"), "--account", "9");
    const leaf = (await list(alice)).notes[0].leaf as number;
    const a = await json("notes", "absorb", "--leaf", String(leaf), "--keeper-id", "1", ...alice);
    expect(a).to.include({ action: "absorbNote", asset: "USDC", amount: "400", leaf, requirement: "$0.00" });
    expect((await json("account", "status", ...alice)).basket).to.include({ USDC: "400" });
    expect((await list(alice)).balances.USDC).to.deep.equal({ total: "0", spendable: "0" });

    const e = await json("notes", "emit", "--asset", "USDC", "--amount", "150", ...alice);
    expect(e).to.include({ action: "emitNote", amount: "150", self: true });
    expect((await json("account", "status", ...alice)).basket).to.include({ USDC: "250" });
    const l = await list(alice);
    expect(l.notes.map((n: { leaf: number; amount: string; inTree: boolean }) => [n.leaf, n.amount, n.inTree])).to.deep.equal([[e.leaf, "150", false]]);
    const over = await plimsoll("notes", "emit", "--asset", "USDC", "--amount", "251", ...alice);
    expect(over.code).to.equal(2);
    expect(over.stderr).to.include("emit of 251 USDC: the basket holds only 250 USDC");

    // The engine's log shows that the account changed, not what moved: delta 0 for both.
    const account = (await provider.getSigner(1)).address;
    const logs = await provider.getLogs({ address: d.contracts.engine, topics: [ENGINE_EVENTS.getEvent("AccountUpdated")!.topicHash, `0x${account.slice(2).toLowerCase().padStart(64, "0")}`], fromBlock: 0 });
    const updates = logs.map((log) => ENGINE_EVENTS.parseLog(log)!.args);
    expect(updates.map((u) => [u.action, u.delta])).to.deep.equal([[ABSORB_NOTE, 0n], [EMIT_NOTE, 0n]]);
  });
});
