package dev.peerlink.dtls;

import java.util.Arrays;

/**
 * SRTP master keys and salts exported from a DTLS connection with the label {@code EXTRACTOR-dtls_srtp} (RFC 5764
 * §4.2): the exporter's {@code 2 * (key + salt)} bytes split as client key, server key, client salt, server salt.
 * The client protects what it sends with the client's key and salt. Secret: {@link #toString()} shows only the
 * profile, and the accessors return copies.
 */
public final class SrtpKeyingMaterial {
    /** RFC 5764 §4.2. */
    public static final String EXPORTER_LABEL = "EXTRACTOR-dtls_srtp";

    private final SrtpProfile profile;
    private final DtlsRole localRole;
    private final byte[] clientKey;
    private final byte[] serverKey;
    private final byte[] clientSalt;
    private final byte[] serverSalt;

    private SrtpKeyingMaterial(SrtpProfile profile, DtlsRole localRole, byte[] material) {
        this.profile = profile;
        this.localRole = localRole;
        int key = profile.keyLength();
        int salt = profile.saltLength();
        this.clientKey = Arrays.copyOfRange(material, 0, key);
        this.serverKey = Arrays.copyOfRange(material, key, 2 * key);
        this.clientSalt = Arrays.copyOfRange(material, 2 * key, 2 * key + salt);
        this.serverSalt = Arrays.copyOfRange(material, 2 * key + salt, 2 * (key + salt));
    }

    /** How many exporter bytes {@code profile} needs. */
    static int length(SrtpProfile profile) {
        return 2 * (profile.keyLength() + profile.saltLength());
    }

    static SrtpKeyingMaterial split(SrtpProfile profile, DtlsRole localRole, byte[] material) {
        if (material.length != length(profile)) {
            throw new IllegalArgumentException("SRTP keying material for " + profile + " is " + length(profile)
                    + " bytes, not " + material.length);
        }
        return new SrtpKeyingMaterial(profile, localRole, material);
    }

    public SrtpProfile profile() {
        return profile;
    }

    public byte[] clientKey() {
        return clientKey.clone();
    }

    public byte[] serverKey() {
        return serverKey.clone();
    }

    public byte[] clientSalt() {
        return clientSalt.clone();
    }

    public byte[] serverSalt() {
        return serverSalt.clone();
    }

    /** The key this peer protects its outgoing SRTP with. */
    public byte[] localKey() {
        return localRole == DtlsRole.CLIENT ? clientKey() : serverKey();
    }

    public byte[] localSalt() {
        return localRole == DtlsRole.CLIENT ? clientSalt() : serverSalt();
    }

    /** The key the peer protects the SRTP it sends with. */
    public byte[] remoteKey() {
        return localRole == DtlsRole.CLIENT ? serverKey() : clientKey();
    }

    public byte[] remoteSalt() {
        return localRole == DtlsRole.CLIENT ? serverSalt() : clientSalt();
    }

    @Override
    public String toString() {
        return "SrtpKeyingMaterial[" + profile + ", keys hidden]";
    }
}
