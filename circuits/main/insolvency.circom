pragma circom 2.1.6;

// Insolvency proof for N = 16 asset slots. Statement and signals: see
// Insolvency in circuits/src/insolvency.circom.
// circom 2.2.3 (npm circom2) --O2: 6,286 non-linear constraints, 6,298 wires.

include "../src/insolvency.circom";

component main {public [commitment, weightsHash, statement, seized, remainderCommitment, restore, cap]} = Insolvency(16);
