pragma circom 2.1.6;

// Test-only SIZE ESTIMATE of an account update with encryption to a keeper:
// AccountUpdate(16) + KeeperEncryption() + LinearBind(11) over the ephemeral
// key and the ciphertext, with the keeper key, the nonce and the challenge
// (r, e) public. Not the integrated circuit: AccountUpdate does not expose
// its new basket, so the encryption here takes the old amounts and the new
// blinding. That is constraint-for-constraint what encrypting the new basket
// costs (amounts are signals either way; the range checks are AccountUpdate's).
include "../../../circuits/src/account_update.circom";
include "../../../circuits/src/encryption.circom";

template AccountUpdateWithEncryption(N) {
    signal input oldCommitment;
    signal input newCommitment;
    signal input weightsHash;
    signal input statement;
    signal input keeperKey[2];
    signal input nonce;
    signal input r;
    signal input e;

    signal input owner;
    signal input oldBlinding;
    signal input newBlinding;
    signal input amounts[N];
    signal input weights[N];

    component update = AccountUpdate(N);
    update.oldCommitment <== oldCommitment;
    update.newCommitment <== newCommitment;
    update.weightsHash <== weightsHash;
    update.statement <== statement;
    update.owner <== owner;
    update.oldBlinding <== oldBlinding;
    update.newBlinding <== newBlinding;
    update.amounts <== amounts;
    update.weights <== weights;
    for (var i = 0; i < N; i++) {
        update.extra[i] <== 0;
    }

    component enc = KeeperEncryption();
    enc.amounts <== amounts;
    enc.blinding <== newBlinding;
    enc.keeperKey <== keeperKey;
    enc.nonce <== nonce;

    component bind = LinearBind(11);
    bind.values[0] <== enc.ephemeralKey[0];
    bind.values[1] <== enc.ephemeralKey[1];
    for (var i = 0; i < 9; i++) {
        bind.values[2 + i] <== enc.ciphertext[i];
    }
    bind.r <== r;
    bind.e <== e;
}

component main {public [oldCommitment, newCommitment, weightsHash, statement, keeperKey, nonce, r, e]} = AccountUpdateWithEncryption(16);
