pragma circom 2.1.6;

// Portfolio-margin account update for N = 16 asset slots and S = 8 scenarios,
// with the new opening encrypted to the account's keeper. Statement and
// signals: see PortfolioUpdateWithKeeper in circuits/src/portfolio_update.circom.
// circom 2.2.3 (npm circom2) --O2: 13,008 non-linear constraints, 0 linear, 13,032 wires, 9 public inputs,
// 54 private inputs (ptau power 14). The plain update is 9,171; the rest: up-weight
// hash 5 x Poseidon(4), products 32, floor unpacking 496, comparisons 8 x 228 = 1,824.

include "../src/portfolio_update.circom";

component main {public [oldCommitment, newCommitment, weightsHash, statement, challenge, binding, upHash, floorsLo, floorsHi]} = PortfolioUpdateWithKeeper(16, 8);
