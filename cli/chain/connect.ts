/**
 * What every chain command shares: the chain options (`--deployment`, `--rpc`, `--key`,
 * `--account`), the JSON-RPC provider (one clear error when no node answers), the signer, and the
 * contracts of the deployment file, checked against the chain (an address without code, or a chain
 * other than the file's, is a clear error).
 *
 * Keys: `--key <0x...>` or `$PLIMSOLL_PRIVATE_KEY` (prefer the variable: a flag shows in `ps`);
 * `--account <n>` signs with the node's n-th unlocked account, which only development nodes such
 * as `npx hardhat node` have. With neither, a development chain (id 31337) uses account 0.
 */
import { Contract, JsonRpcProvider, Network, Wallet, type Signer } from "ethers";
import type { EngineContract, KeeperRegistryContract, MarketContract, MarketQuoter, OracleContract, TokenContract } from "../../prover/src/index.js";
import { UsageError } from "../usage.js";
import { abiOf } from "./contracts.js";
import { deploymentPath, isOptions, readDeployment, type DeploymentFile } from "./deployment.js";

/** The options of every chain command (add them to a group's options). */
export const CHAIN_OPTIONS = {
  deployment: { type: "string" },
  rpc: { type: "string" },
  key: { type: "string" },
  account: { type: "string" },
} as const;

/** Help lines for the chain options. */
export const CHAIN_HELP = `  --deployment   deployment file (default $PLIMSOLL_DEPLOYMENT or .plimsoll/deployment.json, from 'plimsoll deploy')
  --rpc          JSON-RPC URL (default $PLIMSOLL_RPC, else the URL the deployment was made through)
  --key          the wallet's private key, 0x + 64 hex (prefer $PLIMSOLL_PRIVATE_KEY: a flag shows in 'ps')
  --account      sign with the node's n-th unlocked account (development nodes only; default 0 on chain 31337)`;

export interface ChainFlags {
  deployment?: string;
  rpc?: string;
  key?: string;
  account?: string;
}

/** Checks an RPC URL; only http(s). */
export function rpcUrl(value: string): string {
  let protocol: string;
  try {
    protocol = new URL(value).protocol;
  } catch {
    throw new UsageError(`--rpc must be a URL, got ${JSON.stringify(value)}`);
  }
  if (protocol !== "http:" && protocol !== "https:") throw new UsageError(`--rpc must be an http(s) URL, got ${JSON.stringify(value)}`);
  return value;
}

/** Asks the node for its chain id (5 s timeout), so that a missing node is one clear error. */
export async function probeRpc(url: string): Promise<bigint> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(5000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`--rpc ${url}: no JSON-RPC node answers (${cause?.code ?? cause?.message ?? (err as Error).message}). Start one (e.g. 'npx hardhat node') or pass --rpc <url>`);
  }
  let body: { result?: unknown; error?: { message?: string } };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new Error(`--rpc ${url}: answered HTTP ${response.status} without a JSON-RPC response`);
  }
  if (typeof body.result !== "string") throw new Error(`--rpc ${url}: eth_chainId failed (${body.error?.message ?? "no result"})`);
  return BigInt(body.result);
}

/** A provider on `url` whose network is fixed to the chain the node reports. */
export async function connectRpc(url: string): Promise<{ provider: JsonRpcProvider; chainId: bigint }> {
  const chainId = await probeRpc(rpcUrl(url));
  const network = Network.from(chainId);
  return { provider: new JsonRpcProvider(url, network, { staticNetwork: network, pollingInterval: 250 }), chainId };
}

/** The signer: --key, $PLIMSOLL_PRIVATE_KEY, --account n, or account 0 on a development chain. */
export async function signerOf(flags: ChainFlags, provider: JsonRpcProvider, chainId: bigint): Promise<Signer> {
  const raw = flags.key ?? process.env.PLIMSOLL_PRIVATE_KEY;
  if (raw !== undefined && raw !== "") {
    if (flags.account !== undefined) throw new UsageError("give either --key (or $PLIMSOLL_PRIVATE_KEY) or --account, not both");
    const hex = raw.trim().startsWith("0x") ? raw.trim() : `0x${raw.trim()}`;
    if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) throw new UsageError(`${flags.key !== undefined ? "--key" : "$PLIMSOLL_PRIVATE_KEY"} is not a private key (0x and 64 hex digits)`);
    return new Wallet(hex, provider);
  }
  if (flags.account === undefined && chainId !== 31337n) throw new UsageError("no wallet: pass --key or set $PLIMSOLL_PRIVATE_KEY (--account n only works on development nodes)");
  const index = flags.account === undefined ? 0 : Number(flags.account);
  if (flags.account !== undefined && !/^[0-9]+$/.test(flags.account)) throw new UsageError(`--account must be an account index (0, 1, ...), got ${JSON.stringify(flags.account)}`);
  const accounts = (await provider.send("eth_accounts", [])) as string[];
  if (index >= accounts.length) throw new UsageError(`--account ${index}: the node has ${accounts.length} unlocked account(s)${accounts.length === 0 ? "; pass --key or set $PLIMSOLL_PRIVATE_KEY" : ""}`);
  return provider.getSigner(accounts[index]);
}

/** The part of an OptionsMarket the CLI reads. */
export type OptionsMarketContract = MarketContract & {
  marketCount(): Promise<bigint>;
  marketQuote(j: number | bigint): Promise<[bigint, bigint, bigint, boolean]>;
  greeks(j: number | bigint): Promise<[bigint, bigint, bigint, bigint]>;
};

/** The deployment's contracts, connected to a runner. */
export interface Chain {
  d: DeploymentFile;
  provider: JsonRpcProvider;
  chainId: bigint;
  engine: EngineContract;
  oracle: OracleContract;
  market: MarketContract;
  /** An options engine's market (its own quoter, with `greeks`); undefined for the perp engine. */
  options: OptionsMarketContract | undefined;
  /** The quoter the Trader reads for an options engine; undefined for the perp engine (the oracle). */
  quoter: MarketQuoter | undefined;
  keeperRegistry: KeeperRegistryContract;
  token(slot: number): TokenContract;
  /** Closes the provider. */
  close(): void;
}

/** Opens the deployment file and its chain; checks the chain id and that the engine has code. */
export async function openChain(flags: ChainFlags, runner?: (p: JsonRpcProvider, id: bigint) => Promise<Signer>): Promise<Chain & { signer?: Signer }> {
  const path = deploymentPath(flags.deployment);
  const d = readDeployment(path);
  const url = flags.rpc ?? (process.env.PLIMSOLL_RPC || d.rpc);
  const { provider, chainId } = await connectRpc(url);
  try {
    if (chainId.toString() !== d.chainId) throw new UsageError(`--deployment ${path} is for chain ${d.chainId}, but the node at ${url} is chain ${chainId}`);
    for (const [name, address] of [["engine", d.contracts.engine], ["oracle", d.contracts.oracle], ["keeperRegistry", d.contracts.keeperRegistry]] as const) {
      if ((await provider.getCode(address)) === "0x") throw new UsageError(`--deployment ${path}: ${name} ${address} has no code on chain ${chainId} (was the node restarted? deploy again with 'plimsoll deploy --force')`);
    }
    const signer = runner === undefined ? undefined : await runner(provider, chainId);
    const r = signer ?? provider;
    const options = isOptions(d) ? (new Contract(d.contracts.market, abiOf("OptionsMarket"), r) as unknown as OptionsMarketContract) : undefined;
    return {
      d,
      provider,
      chainId,
      signer,
      engine: new Contract(d.contracts.engine, abiOf("MarginEngine"), r) as unknown as EngineContract,
      oracle: new Contract(d.contracts.oracle, abiOf("PlimsollOracle"), r) as unknown as OracleContract,
      market: new Contract(d.contracts.market, abiOf(options === undefined ? "PerpMarket" : "OptionsMarket"), r) as unknown as MarketContract,
      options,
      quoter: options === undefined ? undefined : { marketCount: () => options.marketCount(), marketQuote: (j) => options.marketQuote(j) },
      keeperRegistry: new Contract(d.contracts.keeperRegistry, abiOf("KeeperRegistry"), r) as unknown as KeeperRegistryContract,
      token: (slot) => {
        const t = d.tokens.find((x) => x.slot === slot);
        if (t === undefined) throw new UsageError(`no token in slot ${slot} in the deployment`);
        return new Contract(t.address, abiOf("MockERC20"), r) as unknown as TokenContract;
      },
      close: () => provider.destroy(),
    };
  } catch (err) {
    provider.destroy();
    throw err;
  }
}

/** Opens the chain with the signer of the chain flags. */
export async function openChainWithSigner(flags: ChainFlags): Promise<Chain & { signer: Signer }> {
  const c = await openChain(flags, (p, id) => signerOf(flags, p, id));
  return c as Chain & { signer: Signer };
}
