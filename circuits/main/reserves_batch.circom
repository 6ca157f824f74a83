pragma circom 2.1.6;

// Reserves batch: B = 32 clients, N = 16 assets, a tree of depth 20 (2^20 clients).
// Statement and signals: see ReservesBatch in circuits/src/reserves.circom.
// circom 2.2.3 (npm circom2) --O2: 117,316 non-linear constraints, 0 linear, 117,285 wires
// (npm run build), 4 public inputs: 117,320 < 2^17, needs the power-17 phase-1 file (the other
// circuits stay on power 16, scripts/build.ts).

include "../src/reserves.circom";

component main {public [stateIn, stateOut, reserveWeightsHash, tagIndex]} = ReservesBatch(32, 16, 20);
