package dev.peerlink.turn.auth;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunClass;
import dev.peerlink.stun.StunMessage;
import dev.peerlink.stun.TransactionId;
import dev.peerlink.stun.attribute.ErrorCodeAttribute;
import dev.peerlink.stun.attribute.StringAttribute;
import java.util.Arrays;

/**
 * What {@link Authenticator#authenticate} decided about one request. Every outcome but {@link Authenticated}
 * comes with the error response to send (RFC 8489 §9.2.4); their {@code logReason} is for the server's log and
 * is never sent, so that a client cannot learn which of user, password or realm was wrong.
 */
public sealed interface AuthOutcome {

    /** The request carries valid long-term credentials; go on with the method. */
    record Authenticated(String username, String realm, byte[] key, boolean integritySha256)
            implements AuthOutcome {
        public Authenticated {
            key = key.clone();
        }

        @Override
        public byte[] key() {
            return key.clone();
        }

        /**
         * How to sign responses: RFC 8489 §9.2.4 answers with the same kind of integrity attribute the request
         * used, under the same key.
         */
        public StunMessage.Signing responseSigning() {
            return integritySha256 ? StunMessage.Signing.integritySha256(key) : StunMessage.Signing.integrity(key);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Authenticated that && username.equals(that.username) && realm.equals(that.realm)
                    && Arrays.equals(key, that.key) && integritySha256 == that.integritySha256;
        }

        @Override
        public int hashCode() {
            return username.hashCode();
        }

        @Override
        public String toString() {
            return "Authenticated[" + username + "@" + realm + (integritySha256 ? ", SHA-256" : "") + "]";
        }
    }

    /** 401 Unauthenticated with REALM and a fresh NONCE (RFC 8489 §9.2.4): the client should (re)try with these. */
    record Challenge(String realm, String nonce, String logReason) implements AuthOutcome {
        public StunMessage response(int method, TransactionId id) {
            return new StunMessage(method, StunClass.ERROR_RESPONSE, id,
                    new ErrorCodeAttribute(ErrorCodeAttribute.UNAUTHENTICATED, "Unauthenticated"),
                    new StringAttribute(StunAttributeType.REALM, realm),
                    new StringAttribute(StunAttributeType.NONCE, nonce));
        }
    }

    /** 438 Stale Nonce with REALM and a fresh NONCE (RFC 8489 §9.2.4): the credentials were right. */
    record StaleNonce(String realm, String nonce, String logReason) implements AuthOutcome {
        public StunMessage response(int method, TransactionId id) {
            return new StunMessage(method, StunClass.ERROR_RESPONSE, id,
                    new ErrorCodeAttribute(ErrorCodeAttribute.STALE_NONCE, "Stale Nonce"),
                    new StringAttribute(StunAttributeType.REALM, realm),
                    new StringAttribute(StunAttributeType.NONCE, nonce));
        }
    }

    /** 400 Bad Request, without REALM or NONCE (RFC 8489 §9.2.4 says they SHOULD NOT be included). */
    record Rejected(String logReason) implements AuthOutcome {
        public int code() {
            return ErrorCodeAttribute.BAD_REQUEST;
        }

        public StunMessage response(int method, TransactionId id) {
            return new StunMessage(method, StunClass.ERROR_RESPONSE, id,
                    new ErrorCodeAttribute(ErrorCodeAttribute.BAD_REQUEST, "Bad Request"));
        }
    }
}
