/**
 * `plimsoll keeper`: run a keeper daemon over JSON-RPC, or make a keeper key.
 *
 *   plimsoll keeper keygen --out keeper-key.json
 *   plimsoll keeper run --engine 0x... --key keeper-key.json --keeper-id 1 --state .keeper/ [--rpc URL]
 *
 * `runKeeperCli(argv)` takes the arguments after `keeper` (`["run", "--engine", ...]`), prints its
 * own output and errors (`plimsoll keeper: ...`) and returns the exit code: 0 success, 1 a failure
 * (no node at the RPC URL, a failed liquidation or force-close with --once, a runtime error), 2 bad
 * input (a missing or malformed flag, an unreadable key file). Run directly
 * (`node --import tsx cli/keeper.ts run ...`) it behaves as the subcommand.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { ParseArgsConfig } from "node:util";
import { Contract, getAddress, isAddress, JsonRpcProvider, Network, Wallet, type Signer } from "ethers";
import {
  artifactPaths,
  generateKeeperKey,
  KEEPER_ID_LIMIT,
  KeeperDaemon,
  keeperFileLogger,
  keeperJson,
  loadKeeperKey,
  Prover,
  proveKeyPossession,
  formatUnits,
  saveKeeperKey,
  type CircuitArtifacts,
  type KeeperKey,
  type TickReport,
} from "../prover/src/index.js";
import { openChain, openChainWithSigner, probeRpc, type ChainFlags } from "./chain/connect.js";
import { DEFAULT_KEEPER_RPC, KEEPER_COMMAND_HELP, KEEPER_HELP } from "./keeperHelp.js";

export { KEEPER_SUMMARY } from "./keeperHelp.js";
import { explainChainError } from "./chain/contracts.js";
import { deploymentPath, readDeployment } from "./chain/deployment.js";
import { isDirectRun, printJson, runGroup, type CommandGroup, type OptionValues } from "./command.js";
import { required, UsageError } from "./usage.js";

const KEEPER_OPTIONS = {
  help: { type: "boolean", short: "h" },
  json: { type: "boolean" },
  engine: { type: "string" },
  key: { type: "string" },
  "keeper-id": { type: "string" },
  state: { type: "string" },
  rpc: { type: "string" },
  "private-key-env": { type: "string" },
  "from-block": { type: "string" },
  interval: { type: "string" },
  confirmations: { type: "string" },
  "min-bonus-bps": { type: "string" },
  once: { type: "boolean" },
  "no-claim": { type: "boolean" },
  wasm: { type: "string" },
  zkey: { type: "string" },
  out: { type: "string" },
  force: { type: "boolean" },
  deployment: { type: "string" },
  account: { type: "string" },
  to: { type: "string" },
} satisfies ParseArgsConfig["options"];

type Options = OptionValues<typeof KEEPER_OPTIONS>;

function uintFlag(value: string | undefined, flag: string, max?: bigint): bigint | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]+$/.test(value)) throw new UsageError(`--${flag} must be a non-negative integer, got ${JSON.stringify(value)}`);
  const x = BigInt(value);
  if (max !== undefined && x > max) throw new UsageError(`--${flag} must be at most ${max}, got ${value}`);
  return x;
}

/** The liquidator wallet: from --private-key-env, else the node's first unlocked account. */
async function liquidatorSigner(opts: Options, provider: JsonRpcProvider): Promise<Signer> {
  const variable = opts["private-key-env"];
  if (variable !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) throw new UsageError(`--private-key-env must name an environment variable, got ${JSON.stringify(variable)}`);
    const value = process.env[variable];
    if (value === undefined || value === "") throw new UsageError(`--private-key-env ${variable}: the environment variable is not set`);
    const hex = value.trim().startsWith("0x") ? value.trim() : `0x${value.trim()}`;
    if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) throw new UsageError(`--private-key-env ${variable}: the value is not a private key (32 bytes of hex)`);
    return new Wallet(hex, provider);
  }
  const envKey = process.env.PLIMSOLL_PRIVATE_KEY;
  if (envKey !== undefined && envKey !== "" && opts.account === undefined) return liquidatorSigner({ ...opts, "private-key-env": "PLIMSOLL_PRIVATE_KEY" }, provider);
  if (opts.account !== undefined && !/^[0-9]+$/.test(opts.account)) throw new UsageError(`--account must be an account index (0, 1, ...), got ${JSON.stringify(opts.account)}`);
  const index = Number(opts.account ?? "0");
  const accounts = (await provider.send("eth_accounts", [])) as string[];
  if (accounts.length === 0) throw new UsageError("--private-key-env is required: the node has no unlocked account to pay liquidations from");
  if (index >= accounts.length) throw new UsageError(`--account ${index}: the node has ${accounts.length} unlocked account(s)`);
  return provider.getSigner(accounts[index]);
}

function summary(report: TickReport): string {
  const scanned = report.scanned === undefined ? "no new block" : `blocks ${report.scanned.fromBlock}..${report.scanned.toBlock}`;
  const n = report.notes;
  return `${scanned}: ${n.decrypted} note(s) decrypted, ${n.invalid} skipped, ${n.foreign} for other keepers; `
    + `${report.decisions.length} account(s) evaluated${report.epoch === undefined ? "" : ` at epoch ${report.epoch}`}, `
    + `${report.liquidations.length} liquidation(s), ${report.forceClosed.length} force-close(s), ${report.seized.length} seizure(s), ${report.flagged.length} flag(s), ${report.claimed.length} claim(s), ${report.failures.length} failure(s)`;
}

async function run(opts: Options): Promise<number> {
  // --engine, else the deployment file's (--deployment, $PLIMSOLL_DEPLOYMENT, .plimsoll/deployment.json).
  let deployedRpc: string | undefined;
  if (opts.deployment !== undefined || existsSync(deploymentPath(undefined))) {
    const d = readDeployment(deploymentPath(opts.deployment));
    opts = { ...opts, engine: opts.engine ?? d.contracts.engine };
    deployedRpc = process.env.PLIMSOLL_RPC || d.rpc;
  }
  const engine = required(opts.engine, "engine");
  if (!isAddress(engine)) throw new UsageError(`--engine must be an address, got ${JSON.stringify(engine)}`);
  const keyPath = required(opts.key, "key");
  const keeperId = uintFlag(required(opts["keeper-id"], "keeper-id"), "keeper-id", KEEPER_ID_LIMIT - 1n)!;
  if (keeperId === 0n) throw new UsageError("--keeper-id must be at least 1");
  const stateDir = resolve(required(opts.state, "state"));
  const fromBlock = uintFlag(opts["from-block"], "from-block", BigInt(Number.MAX_SAFE_INTEGER));
  const confirmations = uintFlag(opts.confirmations, "confirmations", 1000n);
  const minBonusBps = uintFlag(opts["min-bonus-bps"], "min-bonus-bps", 10_000n);
  let pollIntervalMs = 2000;
  if (opts.interval !== undefined) {
    if (!/^[0-9]+(\.[0-9]+)?$/.test(opts.interval) || Number(opts.interval) <= 0) throw new UsageError(`--interval must be a positive number of seconds, got ${JSON.stringify(opts.interval)}`);
    pollIntervalMs = Math.max(1, Math.round(Number(opts.interval) * 1000));
  }
  const url = opts.rpc ?? deployedRpc ?? DEFAULT_KEEPER_RPC;
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new UsageError(`--rpc must be a URL, got ${JSON.stringify(url)}`);
  }
  if (protocol !== "http:" && protocol !== "https:") throw new UsageError(`--rpc must be an http(s) URL, got ${JSON.stringify(url)}`);
  let key: KeeperKey;
  try {
    key = await loadKeeperKey(keyPath);
  } catch (err) {
    throw new UsageError(`--key ${(err as Error).message}`);
  }
  const artifacts: CircuitArtifacts = { wasmPath: opts.wasm ?? artifactPaths().wasm("insolvency"), zkeyPath: opts.zkey ?? artifactPaths().zkey("insolvency") };
  for (const [flag, path] of [["wasm", artifacts.wasmPath], ["zkey", artifacts.zkeyPath]] as const) {
    if (!existsSync(path)) throw new UsageError(`--${flag} ${path} does not exist: run 'npm run build' first`);
  }

  const chainId = await probeRpc(url);
  const network = Network.from(chainId);
  const provider = new JsonRpcProvider(url, network, { staticNetwork: network, pollingInterval: Math.min(pollIntervalMs, 4000) });
  const prover = new Prover();
  try {
    await checkKeeperConfig(provider, engine, keeperId, key, fromBlock);
    const signer = await liquidatorSigner(opts, provider);
    const daemon = await KeeperDaemon.open({
      engine,
      keeperPrivateKey: key.privateKey,
      keeperId,
      signer,
      provider,
      prover,
      artifacts,
      stateDir,
      ...(fromBlock === undefined ? {} : { fromBlock: Number(fromBlock) }),
      ...(confirmations === undefined ? {} : { confirmations: Number(confirmations) }),
      ...(minBonusBps === undefined ? {} : { minBonusBps: Number(minBonusBps) }),
      pollIntervalMs,
      claim: opts["no-claim"] !== true,
      logger: keeperFileLogger(stateDir, { json: opts.json === true }),
    });
    try {
      if (opts.once) {
        const report = await daemon.tick();
        if (opts.json) process.stdout.write(`${keeperJson({ event: "tick.report", ...report })}\n`);
        else console.log(summary(report));
        return report.failures.length === 0 ? 0 : 1;
      }
      const controller = new AbortController();
      const onSignal = (): void => controller.abort();
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        await daemon.run({ signal: controller.signal });
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
      return 0;
    } finally {
      await daemon.close();
    }
  } finally {
    await prover.close();
    provider.destroy();
  }
}

const KEEPER_STATUS = ["none", "active", "exiting", "exited"];

/**
 * What a keeper must get right before it starts: an engine at --engine, a registered --keeper-id
 * whose key is the key file's, and a --from-block the chain has reached. Each is bad input (exit 2).
 */
async function checkKeeperConfig(provider: JsonRpcProvider, engine: string, keeperId: bigint, key: KeeperKey, fromBlock: bigint | undefined): Promise<void> {
  if ((await provider.getCode(engine)) === "0x") throw new UsageError(`--engine ${engine} has no code on this chain (wrong address, or the node was restarted)`);
  let registryAddress: string;
  try {
    registryAddress = (await new Contract(engine, ["function keeperRegistry() view returns (address)"], provider).getFunction("keeperRegistry")()) as string;
  } catch {
    throw new UsageError(`--engine ${engine} is not a MarginEngine (it has no keeperRegistry())`);
  }
  const registry = new Contract(registryAddress, ["function keeperOf(uint256) view returns ((address owner, uint8 status, uint64 exitableAt, bool bondShort, uint256 x, uint256 y))"], provider);
  const k = (await registry.getFunction("keeperOf")(keeperId)) as { owner: string; status: bigint; x: bigint; y: bigint };
  if (BigInt(k.status) === 0n) throw new UsageError(`--keeper-id ${keeperId} is not registered on the engine's KeeperRegistry ${registryAddress} (register with 'plimsoll keeper register --key <file>')`);
  if (BigInt(k.x) !== key.publicKey[0] || BigInt(k.y) !== key.publicKey[1]) throw new UsageError(`--key: the key file is not keeper ${keeperId}'s registered key (its notes would not decrypt); 'plimsoll keeper status --keeper-id ${keeperId} --key <file>' compares them`);
  if (fromBlock !== undefined) {
    const head = BigInt(await provider.getBlockNumber());
    if (fromBlock > head) throw new UsageError(`--from-block ${fromBlock} is beyond the chain head (block ${head})`);
  }
}

/** Chain flags of the keeper commands: --key is the keeper key file here, so the wallet is $PLIMSOLL_PRIVATE_KEY, --private-key-env or --account. */
function walletFlags(opts: Options): ChainFlags {
  const variable = opts["private-key-env"];
  if (variable !== undefined && (process.env[variable] ?? "") === "") throw new UsageError(`--private-key-env ${variable}: the environment variable is not set`);
  return { deployment: opts.deployment, rpc: opts.rpc, account: opts.account, key: variable === undefined ? undefined : process.env[variable] };
}

async function readKey(opts: Options): Promise<KeeperKey> {
  const keyPath = required(opts.key, "key");
  try {
    return await loadKeeperKey(keyPath);
  } catch (err) {
    throw new UsageError(`--key ${(err as Error).message}`);
  }
}

function keeperIdFlag(opts: Options): bigint {
  const keeperId = uintFlag(required(opts["keeper-id"], "keeper-id"), "keeper-id", KEEPER_ID_LIMIT - 1n)!;
  if (keeperId === 0n) throw new UsageError("--keeper-id must be at least 1");
  return keeperId;
}

async function register(opts: Options): Promise<number> {
  const key = await readKey(opts);
  const c = await openChainWithSigner(walletFlags(opts));
  try {
    const registry = c.keeperRegistry.connect(c.signer) as typeof c.keeperRegistry;
    const existing = BigInt(await registry.getFunction("keeperIdOf")(key.publicKey[0], key.publicKey[1]));
    if (existing !== 0n) throw new UsageError(`--key ${opts.key}: this key is already registered as keeper ${existing}`);
    const bond = BigInt(await registry.bondAmount());
    const tokenAddress = await registry.bondToken();
    const t = c.d.tokens.find((x) => x.address.toLowerCase() === tokenAddress.toLowerCase());
    const token = c.token(t?.slot ?? 0).connect(c.signer) as ReturnType<typeof c.token>;
    const me = await c.signer.getAddress();
    const label = (x: bigint): string => (t === undefined ? `${x} base units` : `${formatUnits(x, t.decimals)} ${t.symbol}`);
    const balance = BigInt(await token.balanceOf(me));
    if (balance < bond) throw new UsageError(`the bond is ${label(bond)} but ${me} holds ${label(balance)}${c.d.development ? " (development: 'plimsoll dev mint --asset USDC --amount 1000')" : ""}`);
    try {
      await (await token.approve(await registry.getAddress(), bond)).wait();
      const ctx = { chainId: (await c.signer.provider!.getNetwork()).chainId, registry: await registry.getAddress(), owner: me };
      const proof = await proveKeyPossession(key, ctx);
      const receipt = await (await registry.register(key.publicKey[0], key.publicKey[1], proof)).wait();
      const log = receipt!.logs.map((l: { topics: readonly string[]; data: string }) => { try { return registry.interface.parseLog(l); } catch { return null; } }).find((l: { name?: string } | null) => l?.name === "KeeperRegistered");
      const keeperId = BigInt(log!.args.keeperId);
      if (opts.json) printJson({ keeperId, owner: me, bond: label(bond), txHash: receipt!.hash }, 2);
      else console.log(`registered keeper ${keeperId} (owner ${me}, bond ${label(bond)}); traders name it with --keeper-id ${keeperId}`);
    } catch (err) {
      throw new Error(`register failed: ${explainChainError(err)}`);
    }
    return 0;
  } finally {
    c.close();
  }
}

async function status(opts: Options): Promise<number> {
  const keeperId = keeperIdFlag(opts);
  const key = opts.key === undefined ? undefined : await readKey(opts);
  const c = await openChain(walletFlags(opts));
  try {
    const k = await c.keeperRegistry.keeperOf(keeperId);
    const st = Number(k.status);
    const matches = key === undefined || st === 0 ? undefined : BigInt(k.x) === key.publicKey[0] && BigInt(k.y) === key.publicKey[1];
    const [bond, bondAmount, nameable] = [BigInt(await c.keeperRegistry.bondOf(keeperId)), BigInt(await c.keeperRegistry.bondAmount()), await c.keeperRegistry.isNameable(keeperId)];
    const claimable = st === 0 ? 0n : BigInt(await c.keeperRegistry.claimable(k.owner));
    const doc = { keeperId, status: KEEPER_STATUS[st] ?? String(st), owner: st === 0 ? null : k.owner, publicKey: st === 0 ? null : [BigInt(k.x), BigInt(k.y)], bond, bondAmount, nameable, exitableAt: BigInt(k.exitableAt), ownerClaimable: claimable, ...(matches === undefined ? {} : { keyMatches: matches }) };
    if (opts.json) printJson(doc, 2);
    else if (st === 0) console.log(`keeper ${keeperId} is not registered`);
    else console.log(`keeper ${keeperId}: ${doc.status}, owner ${k.owner}${doc.exitableAt === 0n ? "" : `, exit possible from ${new Date(Number(doc.exitableAt) * 1000).toISOString()}`}\n  public key ${k.x},${k.y}\n  bond ${bond} of ${bondAmount} base units${k.bondShort ? " (drawn: not nameable until topped up)" : ""}${claimable === 0n ? "" : `; ${claimable} base units credited to the owner ('plimsoll keeper claim')`}; ${nameable ? "accounts may name it" : "accounts may not name it now"}${matches === undefined ? "" : matches ? "\n  the key file matches" : "\n  the key file does NOT match this keeper's registered key"}`);
    return st === 0 || matches === false ? 1 : 0;
  } finally {
    c.close();
  }
}

/** The registry (signing), keeper `keeperId`'s record and status, and the wallet, which must own it. */
async function ownKeeper(c: Awaited<ReturnType<typeof openChainWithSigner>>, keeperId: bigint, action: string) {
  const registry = c.keeperRegistry.connect(c.signer) as typeof c.keeperRegistry;
  const k = await registry.keeperOf(keeperId);
  const st = Number(k.status);
  const me = await c.signer.getAddress();
  if (st === 0) throw new UsageError(`--keeper-id ${keeperId}: no keeper has this id`);
  if (k.owner.toLowerCase() !== me.toLowerCase()) throw new UsageError(`keeper ${keeperId} belongs to ${k.owner}; only it may ${action} (this wallet is ${me})`);
  return { registry, k, st, me };
}

async function topup(opts: Options): Promise<number> {
  const keeperId = keeperIdFlag(opts);
  const c = await openChainWithSigner(walletFlags(opts));
  try {
    const { registry, k, st, me } = await ownKeeper(c, keeperId, "top up");
    if (st !== 1) throw new UsageError(`keeper ${keeperId} is ${KEEPER_STATUS[st]}: only an active keeper is topped up`);
    const missing = BigInt(await registry.bondAmount()) - BigInt(await registry.bondOf(keeperId));
    if (missing <= 0n) throw new UsageError(`keeper ${keeperId}'s bond is whole: nothing to top up`);
    const tokenAddress = await registry.bondToken();
    const t = c.d.tokens.find((x) => x.address.toLowerCase() === tokenAddress.toLowerCase());
    const token = c.token(t?.slot ?? 0).connect(c.signer) as ReturnType<typeof c.token>;
    const label = (x: bigint): string => (t === undefined ? `${x} base units` : `${formatUnits(x, t.decimals)} ${t.symbol}`);
    const balance = BigInt(await token.balanceOf(me));
    if (balance < missing) throw new UsageError(`the bond lacks ${label(missing)} but ${me} holds ${label(balance)}`);
    try {
      await (await token.approve(await registry.getAddress(), missing)).wait();
      const receipt = await (await registry.topUp(keeperId)).wait();
      if (opts.json) printJson({ keeperId, paid: label(missing), txHash: receipt!.hash }, 2);
      else console.log(`keeper ${keeperId}'s bond is whole again (paid ${label(missing)}); accounts may name it`);
    } catch (err) {
      throw new Error(`topup failed: ${explainChainError(err)}`);
    }
    return 0;
  } finally {
    c.close();
  }
}

async function claim(opts: Options): Promise<number> {
  const c = await openChainWithSigner(walletFlags(opts));
  try {
    const registry = c.keeperRegistry.connect(c.signer) as typeof c.keeperRegistry;
    const engine = c.engine.connect(c.signer) as typeof c.engine;
    const me = await c.signer.getAddress();
    let to = me;
    if (opts.to !== undefined) {
      if (!isAddress(opts.to)) throw new UsageError(`--to must be an address (0x and 40 hex digits), got ${JSON.stringify(opts.to)}`);
      to = getAddress(opts.to);
    }
    const label = (tokenAddress: string, x: bigint): string => {
      const t = c.d.tokens.find((k) => k.address.toLowerCase() === tokenAddress.toLowerCase());
      return t === undefined ? `${x} base units` : `${formatUnits(x, t.decimals)} ${t.symbol}`;
    };
    // Everything credited to this wallet: the registry's repayments to a keeper's owner, and the engine's
    // liquidation credits (pull payments), one per asset slot.
    const [owed, proceeds] = await Promise.all([
      registry.claimable(me).then(BigInt),
      Promise.all(c.d.tokens.map(async (_, slot) => BigInt(await engine.getFunction("claimableOf")(me, slot)))),
    ]);
    const credits: { source: string; amount: string; send: () => Promise<{ hash: string }> }[] = [];
    if (owed !== 0n) credits.push({ source: "keeper registry (bond repayments)", amount: label(await registry.bondToken(), owed), send: async () => (await (await registry.claim(to)).wait())! });
    for (const [slot, amount] of proceeds.entries()) {
      if (amount !== 0n) credits.push({ source: `engine slot ${slot} (liquidation proceeds)`, amount: label(c.d.tokens[slot]!.address, amount), send: async () => (await (await engine.getFunction("claim")(slot, to)).wait())! });
    }
    if (credits.length === 0) throw new UsageError(`nothing is credited to ${me}: neither bond repayments (beyond a whole bond, or after an exit) nor liquidation proceeds`);
    const done: { source: string; amount: string; txHash: string }[] = [];
    const failed: { source: string; amount: string; reason: string }[] = [];
    for (const { source, amount, send } of credits) {
      try {
        done.push({ source, amount, txHash: (await send()).hash });
        if (!opts.json) console.log(`claimed ${amount} from the ${source}, credited to ${me}, sent to ${to}`);
      } catch (err) {
        // The credit stays on-chain: a token that refused this time can be claimed again later.
        const reason = explainChainError(err);
        failed.push({ source, amount, reason });
        if (!opts.json) console.error(`claim from the ${source} failed (the credit stays): ${reason}`);
      }
    }
    if (opts.json) printJson({ owner: me, to, claimed: done, failed }, 2);
    return failed.length === 0 ? 0 : 1;
  } finally {
    c.close();
  }
}

async function exit(opts: Options): Promise<number> {
  const keeperId = keeperIdFlag(opts);
  const c = await openChainWithSigner(walletFlags(opts));
  try {
    const { registry, k, st, me } = await ownKeeper(c, keeperId, "exit");
    if (st === 3) throw new UsageError(`keeper ${keeperId} has already exited`);
    const now = BigInt((await c.provider.getBlock("latest"))!.timestamp);
    if (st === 2 && now < BigInt(k.exitableAt)) throw new UsageError(`keeper ${keeperId} is exiting; the bond returns from ${new Date(Number(k.exitableAt) * 1000).toISOString()} (${BigInt(k.exitableAt) - now} s from now)`);
    try {
      const receipt = await (await (st === 1 ? registry.requestExit(keeperId) : registry.completeExit(keeperId))).wait();
      const after = await registry.keeperOf(keeperId);
      const doc = { keeperId, status: KEEPER_STATUS[Number(after.status)], exitableAt: BigInt(after.exitableAt), txHash: receipt!.hash };
      if (opts.json) printJson(doc, 2);
      else console.log(st === 1 ? `keeper ${keeperId} is exiting; run 'plimsoll keeper exit --keeper-id ${keeperId}' again from ${new Date(Number(doc.exitableAt) * 1000).toISOString()} to get the bond back` : `keeper ${keeperId} exited; what was left of the bond was returned to ${me}`);
    } catch (err) {
      throw new Error(`exit failed: ${explainChainError(err)}`);
    }
    return 0;
  } finally {
    c.close();
  }
}

async function keygen(opts: Options): Promise<number> {
  const out = required(opts.out, "out");
  if (existsSync(out) && !opts.force) throw new UsageError(`--out ${out}: a key file already exists (pass --force to replace it)`);
  const key = await generateKeeperKey();
  await saveKeeperKey(out, key, { overwrite: opts.force === true });
  const [x, y] = key.publicKey;
  if (opts.json) console.log(keeperJson({ out, publicKey: [x, y] }));
  else console.log(`keeper key written to ${out} (mode 0600)\npublic key x,y: ${x},${y}\nregister it with 'plimsoll keeper register --key ${out}' and the bond; keep the file secret`);
  return 0;
}

/** The keeper group. */
export const keeperGroup: CommandGroup<typeof KEEPER_OPTIONS> = {
  prefix: "plimsoll keeper",
  commandPrefix: "keeper ",
  help: KEEPER_HELP,
  options: KEEPER_OPTIONS,
  commands: {
    register: { help: KEEPER_COMMAND_HELP.register!, run: register },
    status: { help: KEEPER_COMMAND_HELP.status!, run: status },
    topup: { help: KEEPER_COMMAND_HELP.topup!, run: topup },
    claim: { help: KEEPER_COMMAND_HELP.claim!, run: claim },
    exit: { help: KEEPER_COMMAND_HELP.exit!, run: exit },
    run: { help: KEEPER_COMMAND_HELP.run!, run },
    keygen: { help: KEEPER_COMMAND_HELP.keygen!, run: keygen },
  },
  helpCommand: "plimsoll keeper --help",
};

/**
 * Runs `plimsoll keeper <argv...>`: argv is what follows `keeper` (`["run", "--engine", ...]`).
 * Prints its output and errors; returns the exit code (0 ok, 1 failure, 2 bad input).
 */
export function runKeeperCli(argv: string[]): Promise<number> {
  return runGroup(keeperGroup, argv);
}

// Run directly: `node --import tsx cli/keeper.ts <command> ...`.
if (isDirectRun(import.meta.url)) process.exit(await runKeeperCli(process.argv.slice(2)));
