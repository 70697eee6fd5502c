package dev.peerlink.stun.attribute;

import dev.peerlink.stun.StunAttributeType;
import dev.peerlink.stun.StunDecodeException;
import dev.peerlink.stun.StunMessageReader;
import dev.peerlink.stun.StunMessageWriter;
import dev.peerlink.stun.TransactionId;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * An address attribute: MAPPED-ADDRESS (RFC 8489 §14.1) and the others of its shape, or XOR-MAPPED-ADDRESS
 * (§14.2) and the other XOR'ed ones, which {@link #isXor} tells apart by type.
 */
public record AddressAttribute(int type, InetSocketAddress address) implements StunAttribute {
    public AddressAttribute {
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("a STUN address attribute needs an IP address, not " + address);
        }
    }

    /** Types whose address is XOR'ed with the magic cookie and transaction id. */
    public static boolean isXor(int type) {
        return type == StunAttributeType.XOR_MAPPED_ADDRESS
                || type == StunAttributeType.XOR_PEER_ADDRESS
                || type == StunAttributeType.XOR_RELAYED_ADDRESS;
    }

    @Override
    public void writeTo(StunMessageWriter writer) {
        byte[] ip = address.getAddress().getAddress();
        if (isXor(type)) {
            writer.addXorAddress(type, ip, address.getPort());
        } else {
            writer.addAddress(type, ip, address.getPort());
        }
    }

    static AddressAttribute decode(int type, ByteBuffer value, TransactionId id) throws StunDecodeException {
        int length = value.remaining();
        if (length < 4) {
            throw new StunDecodeException(StunAttributeType.name(type) + " is shorter than 4 bytes");
        }
        int family = value.get(1) & 0xFF;
        int addressLength = family == 0x01 ? 4 : family == 0x02 ? 16 : -1;
        if (addressLength < 0) {
            throw new StunDecodeException(StunAttributeType.name(type) + " has unknown address family " + family);
        }
        if (length != 4 + addressLength) {
            throw new StunDecodeException(StunAttributeType.name(type) + " is " + length + " bytes, not "
                    + (4 + addressLength));
        }
        boolean xor = isXor(type);
        int port = value.getShort(2) & 0xFFFF;
        byte[] ip = new byte[addressLength];
        value.get(4, ip);
        if (xor) {
            port ^= StunMessageReader.MAGIC_COOKIE >>> 16;
            ByteBuffer pad = ByteBuffer.allocate(16).putInt(StunMessageReader.MAGIC_COOKIE);
            id.write(pad, 4);
            for (int i = 0; i < addressLength; i++) {
                ip[i] ^= pad.get(i);
            }
        }
        try {
            // Inet6Address.getByAddress keeps an IPv4-mapped IPv6 address (::ffff:a.b.c.d) IPv6, where
            // InetAddress.getByAddress would turn it into an Inet4Address and re-encoding would change its family.
            InetAddress inet = addressLength == 4 ? InetAddress.getByAddress(ip)
                    : Inet6Address.getByAddress(null, ip, -1);
            return new AddressAttribute(type, new InetSocketAddress(inet, port));
        } catch (UnknownHostException impossible) {
            throw new AssertionError(impossible); // only thrown for lengths other than 4 and 16
        }
    }
}
