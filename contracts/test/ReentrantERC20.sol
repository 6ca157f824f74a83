// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ReentrantERC20
/// @notice FOR TESTS ONLY: a mintable ERC-20 that, once armed, calls back into a target from inside
///         `transfer` and `transferFrom` and records what each call returned.
/// @dev Each armed call is made once, with the token as `msg.sender`; its revert is caught and its
///      return (or revert) data stored, and the transfer then completes normally. This lets a test read
///      the exact error a reentrancy guard raised, which `SafeTransferLib` would otherwise wrap.
contract ReentrantERC20 {
    string public name;
    string public symbol;
    uint8 public immutable decimals;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    /// @notice Target of the armed calls (not `target`: ethers reserves that name for the address).
    address public reentryTarget;
    /// @notice Calldata of each armed call, in order.
    bytes[] internal _calls;
    /// @notice Whether each armed call succeeded, in order.
    bool[] public succeeded;
    /// @notice Return or revert data of each armed call, in order.
    bytes[] public results;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(string memory name_, string memory symbol_, uint8 decimals_) {
        name = name_;
        symbol = symbol_;
        decimals = decimals_;
    }

    /// @notice Arms the token: the next `transfer` or `transferFrom` makes `calls` to `target_`.
    function arm(address target_, bytes[] calldata calls) external {
        reentryTarget = target_;
        delete _calls;
        delete succeeded;
        delete results;
        for (uint256 i; i < calls.length; ++i) {
            _calls.push(calls[i]);
        }
    }

    /// @notice Number of armed calls made so far.
    function resultCount() external view returns (uint256) {
        return results.length;
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
        _reenter();
        _move(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        _reenter();
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) allowance[from][msg.sender] = allowed - amount;
        _move(from, to, amount);
        return true;
    }

    function _reenter() private {
        uint256 n = _calls.length;
        if (n == 0) return;
        bytes[] memory calls = new bytes[](n);
        for (uint256 i; i < n; ++i) {
            calls[i] = _calls[i];
        }
        delete _calls; // disarm first: one round of calls only
        for (uint256 i; i < n; ++i) {
            (bool ok, bytes memory data) = reentryTarget.call(calls[i]);
            succeeded.push(ok);
            results.push(data);
        }
    }

    function _move(address from, address to, uint256 amount) private {
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
    }
}
