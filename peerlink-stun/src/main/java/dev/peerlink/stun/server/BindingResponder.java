package dev.peerlink.stun.server;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunClass;
import dev.peerlink.stun.StunMessageReader;
import dev.peerlink.stun.StunMessageType;
import dev.peerlink.stun.StunMessageWriter;
import dev.peerlink.stun.StunMethod;
import dev.peerlink.stun.StunParseStatus;
import dev.peerlink.stun.attribute.ChangeRequestAttribute;
import dev.peerlink.stun.attribute.ErrorCodeAttribute;
import dev.peerlink.stun.attribute.StunAttributeRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;

/**
 * Answers STUN Binding requests arriving on one listening address (RFC 8489 §6.3, RFC 5780 §6). Sans-IO and
 * allocation-free per request: the driver hands in the request bytes and the source, and sends what this writes
 * on the socket {@link #route()} names. One instance per thread.
 *
 * <p>Amplification: a response is never longer than {@value #MAX_AMPLIFICATION} times its request. Optional
 * attributes that would break that are left out, least useful first: SOFTWARE, RESPONSE-ORIGIN, OTHER-ADDRESS,
 * FINGERPRINT. XOR-MAPPED-ADDRESS always fits, since the smallest request is 20 bytes and the largest success
 * response without options is 44.
 */
public final class BindingResponder {
    public static final int MAX_AMPLIFICATION = 3;

    /** Which socket the response leaves from, relative to the one the request arrived on (RFC 5780 §6.1). */
    public enum Route {
        SAME, CHANGE_PORT, CHANGE_ADDRESS, CHANGE_ADDRESS_AND_PORT
    }

    private static final int MAX_UNKNOWN_REPORTED = 16;
    // Reason phrases encoded once: encoding them per error response would allocate on the request path.
    private static final byte[] UNSUPPORTED_METHOD = "Unsupported method".getBytes(StandardCharsets.UTF_8);
    private static final byte[] UNKNOWN_ATTRIBUTE = "Unknown Attribute".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BAD_CHANGE_REQUEST = "Bad CHANGE-REQUEST".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BAD_RESPONSE_PORT = "Bad RESPONSE-PORT".getBytes(StandardCharsets.UTF_8);
    private static final int SUCCESS_TYPE = StunMessageType.of(StunMethod.BINDING, StunClass.SUCCESS_RESPONSE);

    private final StunMessageReader reader = new StunMessageReader();
    private final StunMessageWriter writer = new StunMessageWriter();
    private final int[] unknownTypes = new int[MAX_UNKNOWN_REPORTED];
    private final BitSet understood = new BitSet(0x8000);
    /** Made once: a method reference per request would be an allocation on the hot path. */
    private final java.util.function.IntPredicate isUnderstood = understood::get;
    private final byte[] software;
    private final boolean rfc5780;
    private final byte[] localIp;
    private final int localPort;
    private final byte[] otherIp;
    private final int otherPort;

    private InetAddress lastSource;
    private byte[] lastSourceBytes;
    private Route route = Route.SAME;
    private int destinationPort;

    /**
     * @param software      SOFTWARE to include when it fits, or null
     * @param localAddress  the address this listener is bound to
     * @param otherAddress  the alternate IP and port for RFC 5780, or null to refuse CHANGE-REQUEST with 420
     */
    public BindingResponder(String software, InetSocketAddress localAddress, InetSocketAddress otherAddress) {
        this.software = software == null || software.isEmpty() ? null : software.getBytes(StandardCharsets.UTF_8);
        this.localIp = localAddress.getAddress().getAddress();
        this.localPort = localAddress.getPort();
        this.rfc5780 = otherAddress != null;
        this.otherIp = rfc5780 ? otherAddress.getAddress().getAddress() : null;
        this.otherPort = rfc5780 ? otherAddress.getPort() : 0;
        StunAttributeRegistry registry = StunAttributeRegistry.standard();
        for (int type = 0; type < 0x8000; type++) {
            if (registry.knows(type)) {
                understood.set(type);
            }
        }
        if (!rfc5780) {
            understood.clear(StunAttributeType.RESPONSE_PORT);
            understood.clear(StunAttributeType.CHANGE_REQUEST);
            understood.clear(StunAttributeType.PADDING);
        }
    }

    /** The socket to send the last response from. */
    public Route route() {
        return route;
    }

    /**
     * The port to send the last response to: the request's source port, or the one RESPONSE-PORT asked for (RFC
     * 5780 §7.5; always at the source's own IP address, so it cannot aim answers at third parties).
     */
    public int destinationPort() {
        return destinationPort;
    }

    /**
     * Handles one request and writes the response at {@code out}'s position.
     *
     * @return the response length, or 0 when nothing is to be sent (not STUN, malformed, not a request)
     */
    public int respond(ByteBuffer request, InetAddress sourceAddress, int sourcePort, ByteBuffer out) {
        route = Route.SAME;
        destinationPort = sourcePort;
        if (reader.wrap(request) != StunParseStatus.OK || reader.messageClass() != StunClass.REQUEST) {
            return 0; // RFC 8489 §6.3: malformed messages are discarded; indications and responses get no answer
        }
        int budget = reader.totalLength() * MAX_AMPLIFICATION;
        boolean fingerprint = reader.has(StunAttributeType.FINGERPRINT);
        int method = reader.method();
        if (method != StunMethod.BINDING) {
            return error(out, method, ErrorCodeAttribute.BAD_REQUEST, UNSUPPORTED_METHOD, 0, fingerprint, budget);
        }
        int unknown = reader.unknownComprehensionRequired(isUnderstood, unknownTypes);
        if (unknown > 0) {
            return error(out, method, ErrorCodeAttribute.UNKNOWN_ATTRIBUTE, UNKNOWN_ATTRIBUTE, unknown,
                    fingerprint, budget);
        }
        int changeRequest = reader.indexOf(StunAttributeType.CHANGE_REQUEST);
        if (changeRequest >= 0) {
            if (reader.attributeLength(changeRequest) != 4) {
                return error(out, method, ErrorCodeAttribute.BAD_REQUEST, BAD_CHANGE_REQUEST, 0, fingerprint,
                        budget);
            }
            int flags = reader.buffer().getInt(reader.attributeValueOffset(changeRequest));
            boolean changeIp = (flags & ChangeRequestAttribute.CHANGE_IP) != 0;
            boolean changePort = (flags & ChangeRequestAttribute.CHANGE_PORT) != 0;
            route = changeIp ? (changePort ? Route.CHANGE_ADDRESS_AND_PORT : Route.CHANGE_ADDRESS)
                    : (changePort ? Route.CHANGE_PORT : Route.SAME);
        }
        int responsePort = reader.indexOf(StunAttributeType.RESPONSE_PORT);
        if (responsePort >= 0) {
            int port = reader.attributeLength(responsePort) == 4
                    ? reader.buffer().getShort(reader.attributeValueOffset(responsePort)) & 0xFFFF : 0;
            if (port == 0) {
                return error(out, method, ErrorCodeAttribute.BAD_REQUEST, BAD_RESPONSE_PORT, 0, fingerprint, budget);
            }
            destinationPort = port;
        }
        return success(out, sourceBytes(sourceAddress), sourcePort, fingerprint, budget);
    }

    private int success(ByteBuffer out, byte[] source, int sourcePort, boolean fingerprint, int budget) {
        int addressAttribute = 4 + 4 + source.length;
        int length = StunMessageReader.HEADER_LENGTH + addressAttribute;
        boolean withFingerprint = fingerprint && length + 8 <= budget;
        length += withFingerprint ? 8 : 0;
        int ownAddressAttribute = 4 + 4 + localIp.length;
        boolean withOther = rfc5780 && length + ownAddressAttribute <= budget;
        length += withOther ? ownAddressAttribute : 0;
        boolean withOrigin = rfc5780 && length + ownAddressAttribute <= budget;
        length += withOrigin ? ownAddressAttribute : 0;
        boolean withSoftware = software != null && length + 4 + ((software.length + 3) & ~3) <= budget;

        writer.begin(out, SUCCESS_TYPE, reader.transactionIdHigh(), reader.transactionIdLow());
        writer.addXorAddress(StunAttributeType.XOR_MAPPED_ADDRESS, source, sourcePort);
        if (withOther) {
            writer.addAddress(StunAttributeType.OTHER_ADDRESS, otherIp, otherPort);
        }
        if (withOrigin) { // RFC 5780 §7.3: where this response is sent from
            boolean changeIp = route == Route.CHANGE_ADDRESS || route == Route.CHANGE_ADDRESS_AND_PORT;
            boolean changePort = route == Route.CHANGE_PORT || route == Route.CHANGE_ADDRESS_AND_PORT;
            writer.addAddress(StunAttributeType.RESPONSE_ORIGIN, changeIp ? otherIp : localIp,
                    changePort ? otherPort : localPort);
        }
        if (withSoftware) {
            writer.addBytes(StunAttributeType.SOFTWARE, software);
        }
        if (withFingerprint) {
            writer.addFingerprint();
        }
        return writer.finish();
    }

    private int error(ByteBuffer out, int method, int code, byte[] reason, int unknownCount, boolean fingerprint,
                      int budget) {
        route = Route.SAME;
        writer.begin(out, StunMessageType.of(method, StunClass.ERROR_RESPONSE), reader.transactionIdHigh(),
                reader.transactionIdLow());
        writer.addErrorCode(code, reason);
        if (unknownCount > 0) {
            writer.addUnknownAttributes(unknownTypes, unknownCount);
        }
        if (fingerprint && writer.length() + 8 <= budget) {
            writer.addFingerprint();
        }
        return writer.finish();
    }

    /** The source's address bytes, reused while the same peer keeps sending (InetAddress.equals allocates not). */
    private byte[] sourceBytes(InetAddress source) {
        if (!source.equals(lastSource)) {
            lastSource = source;
            lastSourceBytes = source.getAddress();
        }
        return lastSourceBytes;
    }
}
