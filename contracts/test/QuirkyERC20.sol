// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MockERC20} from "./MockERC20.sol";

/// @title QuirkyERC20
/// @notice FOR TESTS ONLY: a mintable ERC-20 whose `transfer` and `transferFrom` (and, set apart, `approve`) can
///         misbehave the way real tokens do: return false without moving anything, return no data
///         (USDT-style), or revert.
contract QuirkyERC20 is MockERC20 {
    /// @notice How `transfer` and `transferFrom` behave.
    enum Mode {
        Standard,
        ReturnsFalse,
        ReturnsNothing,
        Reverts
    }

    /// @notice Thrown by transfers while the mode is `Reverts`.
    error TransfersDisabled();

    Mode public mode;
    /// @notice How `approve` behaves (Standard unless set: `transfer`'s mode leaves it alone).
    Mode public approveMode;

    constructor(uint8 decimals_) MockERC20("Quirky", "QRK", decimals_) {}

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    function setApproveMode(Mode mode_) external {
        approveMode = mode_;
    }

    function approve(address spender, uint256 amount) public override returns (bool) {
        if (approveMode == Mode.Reverts) revert TransfersDisabled();
        if (approveMode == Mode.ReturnsFalse) return false;
        super.approve(spender, amount);
        if (approveMode == Mode.ReturnsNothing) {
            assembly {
                return(0, 0)
            }
        }
        return true;
    }

    function transfer(address to, uint256 amount) public override returns (bool) {
        if (_refuse()) return false;
        super.transfer(to, amount);
        _finish();
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) public override returns (bool) {
        if (_refuse()) return false;
        super.transferFrom(from, to, amount);
        _finish();
        return true;
    }

    /// @dev True when the transfer must return false; reverts in `Reverts` mode.
    function _refuse() private view returns (bool) {
        if (mode == Mode.Reverts) revert TransfersDisabled();
        return mode == Mode.ReturnsFalse;
    }

    /// @dev In `ReturnsNothing` mode, ends the call with empty return data.
    function _finish() private view {
        if (mode == Mode.ReturnsNothing) {
            assembly {
                return(0, 0)
            }
        }
    }
}
