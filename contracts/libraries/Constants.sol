// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Constants
/// @notice Every constant more than one Plimsoll contract depends on, defined once (in the manner of
///         Liquity v2's `Dependencies/Constants.sol`). A contract that exposes one of them as a public
///         getter imports it under another name and re-exports the same value.
/// @dev The TypeScript side mirrors these in `prover/src/constants.ts` and `prover/src/encoding.ts`.

/// @dev BN254 scalar field modulus: every public input of a proof and every Poseidon input is below it.
uint256 constant FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

/// @dev 1.0 in the oracle's fixed point (haircuts, ratios, variances, bonuses).
uint256 constant WAD = 1e18;

/// @dev 100% in basis points.
uint256 constant BPS = 10_000;

/// @dev Number of collateral slots the circuits (account update, insolvency, reserves) are compiled for.
uint256 constant N_ASSETS = 16;

/// @dev Largest number of markets (instruments) an engine or the oracle serves: one bit each in `openMarkets`.
uint256 constant MAX_MARKETS = 8;

/// @dev Token amounts, basket deltas and position sizes are below 2^96 (the circuits' amount range).
uint256 constant AMOUNT_LIMIT = 1 << 96;

/// @dev Decimals of oracle prices (USD per whole token).
uint256 constant PRICE_DECIMALS = 8;

/// @dev Weights and requirements are in units of 10^-VALUE_DECIMALS USD.
uint256 constant VALUE_DECIMALS = 30;

/// @dev Bit offsets of the packed public `statement` of the account-update and insolvency circuits
///      (see prover/src/encoding.ts): requirement in bits [0, 150), then the delta's magnitude (96 bits),
///      its sign (1 bit) and its slot index (4 bits).
uint256 constant MAGNITUDE_SHIFT = 150;
uint256 constant SIGN_SHIFT = 246;
uint256 constant INDEX_SHIFT = 247;

/// @dev The liquidator's tag in the insolvency statement: the low 95 bits of its address.
uint256 constant LIQUIDATOR_TAG_MASK = (1 << 95) - 1;
