// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";

/// @title MockAggregator
/// @notice FOR TESTS AND THE LOCAL DEMO ONLY: a Chainlink-style price source whose answer anyone can set.
/// @dev Besides the answer it can misbehave on demand: revert, or burn all the gas it is given.
contract MockAggregator is AggregatorV3Interface {
    /// @notice Thrown by the feed functions while the feed is set to revert.
    error FeedDown();

    uint8 public override decimals;
    int256 public answer;
    uint256 public updatedAt;
    uint80 public roundId;
    bool public reverts;
    bool public burnsGas;

    constructor(uint8 decimals_) {
        decimals = decimals_;
    }

    /// @notice Sets the answer and its update time, and starts a new round.
    function setAnswer(int256 answer_, uint256 updatedAt_) external {
        answer = answer_;
        updatedAt = updatedAt_;
        roundId += 1;
    }

    /// @notice Changes the decimals the feed reports.
    function setDecimals(uint8 decimals_) external {
        decimals = decimals_;
    }

    /// @notice Makes `latestRoundData` revert (true) or answer again (false).
    function setReverts(bool reverts_) external {
        reverts = reverts_;
    }

    /// @notice Makes `latestRoundData` loop until it runs out of gas (true) or answer again (false).
    function setBurnsGas(bool burnsGas_) external {
        burnsGas = burnsGas_;
    }

    /// @inheritdoc AggregatorV3Interface
    function latestRoundData() external view override returns (uint80, int256, uint256, uint256, uint80) {
        if (reverts) revert FeedDown();
        if (burnsGas) {
            uint256 spin;
            while (true) spin += 1;
        }
        return (roundId, answer, updatedAt, updatedAt, roundId);
    }
}
