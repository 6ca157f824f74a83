// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title QuirkyERC20
/// @notice FOR TESTS ONLY: a mintable ERC-20 whose `transfer` and `transferFrom` can misbehave the way
///         real tokens do: return false without moving anything, return no data (USDT-style), or revert.
contract QuirkyERC20 {
    /// @notice How `transfer` and `transferFrom` behave.
    enum Mode {
        Standard,
        ReturnsFalse,
        ReturnsNothing,
        Reverts
    }

    /// @notice Thrown by transfers while the mode is `Reverts`.
    error TransfersDisabled();

    uint8 public immutable decimals;
    uint256 public totalSupply;
    Mode public mode;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(uint8 decimals_) {
        decimals = decimals_;
    }

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    function mint(address to, uint256 amount) external {
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        if (_refuse()) return false;
        _move(msg.sender, to, amount);
        _finish();
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        if (_refuse()) return false;
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) allowance[from][msg.sender] = allowed - amount;
        _move(from, to, amount);
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

    function _move(address from, address to, uint256 amount) private {
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
    }
}
