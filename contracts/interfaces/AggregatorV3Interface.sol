// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title AggregatorV3Interface
/// @notice The part of Chainlink's price-feed interface that the Plimsoll oracle reads.
/// @dev Any contract with these two functions can serve as a price source.
interface AggregatorV3Interface {
    /// @notice Number of decimals of `answer`.
    /// @return The decimals of the feed's answers.
    function decimals() external view returns (uint8);

    /// @notice The latest answer of the feed.
    /// @return roundId Feed-specific round identifier (not read by Plimsoll).
    /// @return answer The price, scaled by `10 ** decimals()`.
    /// @return startedAt When the round started (not read by Plimsoll).
    /// @return updatedAt When `answer` was last updated (unix seconds).
    /// @return answeredInRound Round in which `answer` was computed (not read by Plimsoll).
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}
