/** The engine pieces and the crypto a keeper daemon works with, read once when it opens. */
import { Contract, getAddress, type Provider, type Signer } from "ethers";
import type { TokenContract } from "../contracts.js";
import { initNoteCrypto, type NoteCrypto } from "../keeperNote/index.js";
import { engineAt, ERC20_KEEPER_ABI, oracleAt, type KeeperEngineContract, type KeeperOracleContract } from "./chainView.js";

/** The engine pieces and the crypto a daemon works with, read once at `open`. */
export interface DaemonContext {
  provider: Provider;
  chainId: bigint;
  engineAddress: string;
  engine: KeeperEngineContract;
  oracle: KeeperOracleContract;
  settlementToken: TokenContract;
  settlementSlot: number;
  quoteDecimals: number;
  marketCount: number;
  /** The oracle's asset slots (the liquidator's credits are per slot). */
  assetCount: number;
  liquidator: string;
  crypto: NoteCrypto;
  noteTopic: string;
  liquidatedTopic: string;
  /** Topics of `PartiallyLiquidated` and `FrozenSeized`: both turn an opening into its remainder. */
  partialTopic: string;
  seizedTopic: string;
  /** The engine's keeper registry. */
  registryAddress: string;
}

/**
 * Reads the engine at `engine` through `provider`: its oracle, settlement token and slot, quote
 * decimals, market count and keeper registry; and builds the note crypto.
 * @throws Error when there is no contract at `engine`.
 */
export async function openContext(provider: Provider, engineAddressText: string, signer: Signer): Promise<DaemonContext> {
  const chainId = (await provider.getNetwork()).chainId;
  const engineAddress = getAddress(engineAddressText);
  if ((await provider.getCode(engineAddress)) === "0x") throw new Error(`engine ${engineAddress}: no contract at this address on chain ${chainId}`);
  const engine = engineAt(engineAddress, provider);
  const [oracleAddress, settlementSlot, quoteDecimals, tokenAddress, marketCount, registryAddress] = await Promise.all([
    engine.oracle(),
    engine.settlementAsset(),
    engine.quoteDecimals(),
    engine.settlementToken(),
    engine.marketCount(),
    engine.keeperRegistry(),
  ]);
  const crypto = await initNoteCrypto();
  const oracle = oracleAt(oracleAddress, provider);
  return {
    provider,
    chainId,
    engineAddress,
    engine,
    oracle,
    settlementToken: new Contract(tokenAddress, ERC20_KEEPER_ABI, provider) as unknown as TokenContract,
    settlementSlot: Number(settlementSlot),
    quoteDecimals: Number(quoteDecimals),
    marketCount: Number(marketCount),
    assetCount: Number(await oracle.assetCount()),
    liquidator: getAddress(await signer.getAddress()),
    crypto,
    noteTopic: engine.interface.getEvent("KeeperNoteSent")!.topicHash,
    liquidatedTopic: engine.interface.getEvent("Liquidated")!.topicHash,
    partialTopic: engine.interface.getEvent("PartiallyLiquidated")!.topicHash,
    seizedTopic: engine.interface.getEvent("FrozenSeized")!.topicHash,
    registryAddress,
  };
}
