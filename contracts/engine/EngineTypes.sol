// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarginEngine} from "./IMarginEngine.sol";
import {IMarket, IMarketQuoter} from "../interfaces/IMarket.sol";
import {IInsuranceFund} from "../interfaces/IInsuranceFund.sol";
import {IAccountAbsorbVerifier, IAccountEmitVerifier, IAccountUpdatePortfolioVerifier, IAccountUpdateVerifier, IInsolvencyVerifier} from "../interfaces/IVerifiers.sol";
import {IShieldedPool} from "../notes/IShieldedPool.sol";
import {IPoseidon3} from "../interfaces/IPoseidon.sol";
import {IPlimsollOracle} from "../oracle/IPlimsollOracle.sol";
import {IKeeperRegistry} from "../keeper/IKeeperRegistry.sol";
import {N_ASSETS} from "../libraries/Constants.sol";

/// @notice The margin engine's mutable state, in one storage struct that the engine passes by reference to
///         its concept libraries (as Uniswap v4's PoolManager passes `Pool.State`).
struct EngineState {
    /// Collateral token of each slot; written once in the constructor.
    address[N_ASSETS] tokens;
    mapping(address account => IMarginEngine.Account) accounts;
    mapping(address account => mapping(uint256 market => IMarginEngine.Position)) positions;
    mapping(address account => IMarginEngine.Settlement) settlements;
    /// Open interest per market (what the pool may owe the traders; see `Positions.poolReserve`).
    mapping(uint256 market => IMarginEngine.OpenInterest) openInterest;
    /// When an account was flagged liquidatable (the Dutch auction's clock).
    mapping(address account => IMarginEngine.Distress) distress;
    /// Funding per market: the cumulative index and the open sides' sums (see `Positions.accrueFunding`).
    mapping(uint256 market => IMarginEngine.MarketFunding) funding;
    /// What liquidations credited each liquidator per slot (pull payments, `claim`).
    mapping(address liquidator => mapping(uint256 asset => IMarginEngine.Claimable)) claimable;
}

/// @notice The engine's immutable dependencies and constants, copied into memory from its immutables and
///         handed to the concept libraries (which cannot read the engine's immutables themselves).
struct EngineDeps {
    IPlimsollOracle oracle;
    /// Quotes the market's instruments (for the perp market: the oracle).
    IMarketQuoter quoter;
    IAccountUpdateVerifier verifier;
    /// The portfolio-margin account-update verifier (accounts in portfolio mode).
    IAccountUpdatePortfolioVerifier portfolioVerifier;
    IInsolvencyVerifier insolvencyVerifier;
    IAccountAbsorbVerifier absorbVerifier;
    IAccountEmitVerifier emitVerifier;
    IShieldedPool shieldedPool;
    IPoseidon3 poseidon3;
    IKeeperRegistry keeperRegistry;
    IMarket market;
    IInsuranceFund insuranceFund;
    address settlementToken;
    uint256 emptyBasketHash;
    uint256 assetCount;
    uint256 marketCount;
    uint256 maxEpochAge;
    uint64 leaseMaxAge;
    uint64 leaseGrace;
    uint64 auctionDuration;
    uint64 seizeDelay;
    uint16 targetHealthBps;
    uint16 auctionStartBps;
    uint8 settlementAsset;
    uint8 quoteDecimals;
    /// Funding rate per grid step: clamp(coefficient * skew / max(open interest, floor), -cap, cap); cap 0: none.
    uint256 fundingCoefficient;
    uint256 fundingCap;
    uint256 fundingFloor;
}
