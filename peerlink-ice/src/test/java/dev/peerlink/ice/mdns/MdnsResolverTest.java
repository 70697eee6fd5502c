package dev.peerlink.ice.mdns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The mDNS resolver core and its DNS wire format, on a virtual clock. */
class MdnsResolverTest {
    private static final long SECOND = 1_000_000_000L;
    private static final String NAME = "2c5c9b6e-8f8a-4b8e-9d3a-6f1c0e7a1b2c.local";

    /** A response in the shape Chromium sends: the question echoed, then an A record, its name compressed. */
    private static byte[] response(String name, byte[] address, long ttl, boolean cacheFlush) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeShort(out, 0);          // ID
        writeShort(out, 0x8400);     // QR=1, AA=1
        writeShort(out, 1);          // QDCOUNT
        writeShort(out, 1);          // ANCOUNT
        writeShort(out, 0);
        writeShort(out, 0);
        out.writeBytes(DnsMessages.encodeName(name));
        writeShort(out, DnsMessages.TYPE_A);
        writeShort(out, DnsMessages.CLASS_IN);
        writeShort(out, 0xC00C);     // a pointer to the question's name at offset 12
        writeShort(out, address.length == 4 ? DnsMessages.TYPE_A : DnsMessages.TYPE_AAAA);
        writeShort(out, DnsMessages.CLASS_IN | (cacheFlush ? 0x8000 : 0));
        writeShort(out, (int) (ttl >>> 16));
        writeShort(out, (int) ttl);
        writeShort(out, address.length);
        out.writeBytes(address);
        return out.toByteArray();
    }

    private static void writeShort(ByteArrayOutputStream out, int value) {
        out.write(value >>> 8);
        out.write(value);
    }

    private static List<byte[]> drainQueries(MdnsResolver resolver) {
        List<byte[]> queries = new ArrayList<>();
        while (true) {
            var query = resolver.pollQuery();
            if (query.isEmpty()) {
                return queries;
            }
            queries.add(query.get());
        }
    }

    @Test
    void writesAMulticastQueryForAAndAaaa() {
        byte[] query = DnsMessages.addressQuery("ab.local");
        assertThat(HexFormat.of().formatHex(query)).isEqualTo(
                "0000" + "0000" + "0002" + "0000" + "0000" + "0000"
                        + "02616205" + "6c6f63616c00" + "0001" + "0001"
                        + "02616205" + "6c6f63616c00" + "001c" + "0001");
    }

    @Test
    void readsCompressedAnswersAndIgnoresTheCacheFlushBit() throws Exception {
        List<DnsMessages.AddressRecord> records = DnsMessages.addressRecords(
                ByteBuffer.wrap(response(NAME, new byte[] {(byte) 198, 19, 0, 2}, 120, true)));
        assertThat(records).containsExactly(
                new DnsMessages.AddressRecord(NAME, InetAddress.getByName("198.19.0.2"), 120));
    }

    @Test
    void queriesAndResponsesWithErrorsCarryNoAnswers() throws Exception {
        assertThat(DnsMessages.addressRecords(ByteBuffer.wrap(DnsMessages.addressQuery(NAME)))).isEmpty();
        byte[] refused = response(NAME, new byte[] {(byte) 198, 19, 0, 2}, 120, false);
        refused[3] = 5; // RCODE 5
        assertThat(DnsMessages.addressRecords(ByteBuffer.wrap(refused))).isEmpty();
    }

    @Test
    void malformedMessagesAreOneTypedError() {
        byte[] good = response(NAME, new byte[] {(byte) 198, 19, 0, 2}, 120, false);
        for (int length = 0; length < good.length; length++) {
            byte[] truncated = java.util.Arrays.copyOf(good, length);
            assertThatThrownBy(() -> DnsMessages.addressRecords(ByteBuffer.wrap(truncated)))
                    .as("truncated to %d bytes", length).isInstanceOf(DnsFormatException.class);
        }
        byte[] loop = response(NAME, new byte[] {(byte) 198, 19, 0, 2}, 120, false);
        int answerName = 12 + DnsMessages.encodeName(NAME).length + 4;
        loop[answerName + 1] = (byte) answerName; // a pointer to itself
        assertThatThrownBy(() -> DnsMessages.addressRecords(ByteBuffer.wrap(loop)))
                .isInstanceOf(DnsFormatException.class).hasMessageContaining("backwards");
        byte[] forward = good.clone();
        forward[12] = (byte) 0xC0;
        forward[13] = (byte) 40; // the question's name points ahead of itself
        assertThatThrownBy(() -> DnsMessages.addressRecords(ByteBuffer.wrap(forward)))
                .isInstanceOf(DnsFormatException.class);
    }

    @Test
    void resolvesOnAnAnswerWhateverItsCase() throws Exception {
        MdnsResolver resolver = new MdnsResolver();
        resolver.resolve(NAME, 0);
        assertThat(drainQueries(resolver)).singleElement()
                .satisfies(query -> assertThat(query).isEqualTo(DnsMessages.addressQuery(NAME)));
        assertThat(resolver.nextTimeoutNanos()).isEqualTo(SECOND);

        resolver.handleInput(ByteBuffer.wrap(response(NAME.toUpperCase(java.util.Locale.ROOT),
                new byte[] {(byte) 198, 19, 0, 2}, 120, true)), SECOND / 10);

        assertThat(resolver.pollOutcome()).contains(
                new MdnsResolver.Resolved(NAME, InetAddress.getByName("198.19.0.2")));
        assertThat(resolver.isResolving()).isFalse();
        assertThat(resolver.nextTimeoutNanos()).isEqualTo(Long.MAX_VALUE);

        // Within the TTL, asking again answers at once without a query.
        resolver.resolve(NAME, 2 * SECOND);
        assertThat(resolver.pollQuery()).isEmpty();
        assertThat(resolver.pollOutcome()).contains(
                new MdnsResolver.Resolved(NAME, InetAddress.getByName("198.19.0.2")));
    }

    @Test
    void retriesOnRfc6762ScheduleThenGivesUp() {
        MdnsResolver resolver = new MdnsResolver();
        resolver.resolve(NAME, 0);
        resolver.resolve(NAME, 0); // already under way: no second query
        List<Long> sentAt = new ArrayList<>();
        long now = 0;
        while (resolver.isResolving()) {
            while (resolver.pollQuery().isPresent()) {
                sentAt.add(now);
            }
            now = resolver.nextTimeoutNanos();
            resolver.handleTimeout(now);
        }
        assertThat(sentAt).containsExactly(0L, SECOND, 3 * SECOND);
        assertThat(now).isEqualTo(7 * SECOND);
        assertThat(resolver.pollOutcome()).contains(new MdnsResolver.Failed(NAME));
    }

    @Test
    void failsTheNameWhenNobodyAnswers() {
        MdnsResolver resolver = new MdnsResolver();
        resolver.resolve(NAME, 0);
        for (long at : new long[] {SECOND, 3 * SECOND, 7 * SECOND}) {
            resolver.handleTimeout(at);
        }
        assertThat(resolver.pollOutcome()).contains(new MdnsResolver.Failed(NAME));
    }

    @Test
    void ignoresGoodbyesOtherNamesAndGarbage() {
        MdnsResolver resolver = new MdnsResolver();
        resolver.resolve(NAME, 0);
        resolver.handleInput(ByteBuffer.wrap(response(NAME, new byte[] {(byte) 198, 19, 0, 2}, 0, true)), 1);
        resolver.handleInput(ByteBuffer.wrap(response("other.local", new byte[] {(byte) 198, 19, 0, 3}, 120,
                true)), 1);
        resolver.handleInput(ByteBuffer.wrap(new byte[] {1, 2, 3}), 1);
        assertThat(resolver.pollOutcome()).isEmpty();
        assertThat(resolver.isResolving()).isTrue();
    }

    @Test
    void refusesNamesOutsideLocal() {
        MdnsResolver resolver = new MdnsResolver();
        assertThatThrownBy(() -> resolver.resolve("example.com", 0)).hasMessageContaining("not an mDNS name");
        assertThatThrownBy(() -> resolver.resolve(".local", 0)).hasMessageContaining("not an mDNS name");
        assertThat(MdnsResolver.isMdnsName("Host.LOCAL.")).isTrue();
        assertThatThrownBy(() -> new MdnsResolver(java.time.Duration.ofMillis(100), 3))
                .hasMessageContaining("at least one second");
    }
}
