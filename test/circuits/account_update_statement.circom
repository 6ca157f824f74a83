pragma circom 2.1.6;

// Test-only wrapper: the account-update statement alone, AccountUpdate(N), with its newAmounts
// output dropped so that a main built on it has exactly the four statement inputs as public signals
// (the production main, circuits/main/account_update.circom, adds the keeper encryption).
include "../../circuits/src/account_update.circom";

template AccountUpdateStatement(N) {
    signal input oldCommitment;
    signal input newCommitment;
    signal input weightsHash;
    signal input statement;
    signal input owner;
    signal input oldBlinding;
    signal input newBlinding;
    signal input amounts[N];
    signal input weights[N];

    component u = AccountUpdate(N);
    u.oldCommitment <== oldCommitment;
    u.newCommitment <== newCommitment;
    u.weightsHash <== weightsHash;
    u.statement <== statement;
    u.owner <== owner;
    u.oldBlinding <== oldBlinding;
    u.newBlinding <== newBlinding;
    u.amounts <== amounts;
    u.weights <== weights;
    for (var i = 0; i < N; i++) {
        u.extra[i] <== 0;
    }
}

