// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MockERC20} from "../../test/MockERC20.sol";

/// @notice Test only: `MockERC20` with an optional fee on transfer (to check that the pool refuses
///         tokens that deliver less than asked).
contract NoteTestToken is MockERC20 {
    uint256 public transferFeeBps;

    constructor(string memory name_, string memory symbol_, uint8 decimals_) MockERC20(name_, symbol_, decimals_) {}

    function setTransferFeeBps(uint256 bps) external {
        transferFeeBps = bps;
    }

    /// @dev The recipient gets `amount` less the fee; the fee is burned.
    function _move(address from, address to, uint256 amount) internal override {
        uint256 fee = (amount * transferFeeBps) / 10_000;
        super._move(from, to, amount - fee);
        balanceOf[from] -= fee;
        totalSupply -= fee;
    }
}
