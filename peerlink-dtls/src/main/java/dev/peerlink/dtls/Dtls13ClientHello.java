package dev.peerlink.dtls;

import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsFatalAlert;

/**
 * What a DTLS server needs from a ClientHello (RFC 9147 §5.3, RFC 8446 §4.1.2) to choose between DTLS 1.3 and 1.2:
 * the offered versions, suites, key shares and signature schemes, and use_srtp (RFC 5764 §4.1.1).
 */
record Dtls13ClientHello(
        byte[] legacySessionId,
        int legacyCookieLength,
        List<Integer> cipherSuites,
        List<Integer> supportedVersions,
        List<KeyShare> keyShares,
        List<Integer> signatureSchemes,
        List<Integer> srtpProfiles,
        int srtpMkiLength) {

    static final int DTLS13 = 0xFEFC;
    static final int TLS_AES_128_GCM_SHA256 = 0x1301;
    static final int X25519 = 0x001D;
    static final int ECDSA_SECP256R1_SHA256 = 0x0403;

    private static final int EXT_USE_SRTP = 14;
    private static final int EXT_SIGNATURE_ALGORITHMS = 13;
    private static final int EXT_SUPPORTED_VERSIONS = 43;
    private static final int EXT_KEY_SHARE = 51;

    record KeyShare(int group, byte[] keyExchange) {
    }

    /**
     * Whether this ClientHello can be answered with the DTLS 1.3 handshake peerlink speaks: DTLS 1.3 offered, with
     * TLS_AES_128_GCM_SHA256, an X25519 key share (so no HelloRetryRequest round trip), our ECDSA P-256 signature
     * scheme, and no legacy cookie (RFC 9147 §5.3). Anything else goes to the DTLS 1.2 server.
     */
    boolean offersDtls13WeSpeak() {
        return supportedVersions.contains(DTLS13) && cipherSuites.contains(TLS_AES_128_GCM_SHA256)
                && x25519Share() != null && signatureSchemes.contains(ECDSA_SECP256R1_SHA256) && legacyCookieLength == 0;
    }

    byte[] x25519Share() {
        for (KeyShare share : keyShares) {
            if (share.group() == X25519 && share.keyExchange().length == 32) {
                return share.keyExchange();
            }
        }
        return null;
    }

    /** Parses a ClientHello body (without the handshake header). */
    static Dtls13ClientHello parse(byte[] body) throws TlsFatalAlert {
        TlsReader in = new TlsReader(body, 0, body.length);
        in.skip(2 + 32); // legacy_version, random
        byte[] sessionId = in.vector8();
        if (sessionId.length > 32) {
            throw new TlsFatalAlert(AlertDescription.illegal_parameter, "a legacy_session_id longer than 32 bytes");
        }
        int cookieLength = in.vector8().length;
        List<Integer> cipherSuites = in.sub16().u16s();
        in.vector8(); // legacy_compression_methods
        List<Integer> versions = new ArrayList<>();
        List<KeyShare> shares = new ArrayList<>();
        List<Integer> schemes = new ArrayList<>();
        List<Integer> srtp = new ArrayList<>();
        int mkiLength = 0;
        if (in.remaining() > 0) {
            TlsReader extensions = in.sub16();
            while (extensions.remaining() > 0) {
                int type = extensions.u16();
                TlsReader value = extensions.sub16();
                switch (type) {
                    case EXT_SUPPORTED_VERSIONS -> versions.addAll(value.sub8().u16s());
                    case EXT_KEY_SHARE -> {
                        TlsReader list = value.sub16();
                        while (list.remaining() > 0) {
                            int group = list.u16();
                            shares.add(new KeyShare(group, list.vector16()));
                        }
                    }
                    case EXT_SIGNATURE_ALGORITHMS -> schemes.addAll(value.sub16().u16s());
                    case EXT_USE_SRTP -> {
                        srtp.addAll(value.sub16().u16s());
                        mkiLength = value.vector8().length;
                    }
                    default -> {
                        // not needed to answer: ignored (RFC 8446 §4.2)
                    }
                }
            }
        }
        return new Dtls13ClientHello(sessionId, cookieLength, List.copyOf(cipherSuites), List.copyOf(versions),
                List.copyOf(shares), List.copyOf(schemes), List.copyOf(srtp), mkiLength);
    }
}
