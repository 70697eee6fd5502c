package dev.peerlink.sdp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Generated descriptions and candidates with a fixed seed, so any failure reproduces exactly. */
class RandomizedRoundTripTest {
    private static final long SEED = 0x5D9_8866L;
    private static final String TOKEN_CHARS =
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/-._";
    private static final String TEXT_CHARS = TOKEN_CHARS + " :=;,*!\"'()[]{}é€";

    private final Random random = new Random(SEED);

    @Test
    void generatedDescriptionsSurviveWriteThenParse() throws SdpParseException {
        for (int iteration = 0; iteration < 400; iteration++) {
            SessionDescription generated = randomDescription();
            String text = generated.toString();

            SessionDescription parsed = SessionDescription.parse(text);

            assertThat(parsed).as("iteration %d:%n%s", iteration, text).isEqualTo(generated);
            assertThat(parsed.toString()).isEqualTo(text);
            assertThat(SessionDescription.parse(text.replace("\r\n", "\n"))).isEqualTo(generated);
        }
    }

    @Test
    void generatedCandidatesSurviveWriteThenParse() throws SdpParseException {
        for (int iteration = 0; iteration < 2000; iteration++) {
            IceCandidateLine generated = randomCandidate();
            String text = generated.toString();

            IceCandidateLine parsed = IceCandidateLine.parse(text);

            assertThat(parsed).as("iteration %d: %s", iteration, text).isEqualTo(generated);
            assertThat(parsed.toString()).isEqualTo(text);
        }
    }

    @Test
    void shuffledChromiumAttributesStillRoundTripExactly() throws SdpParseException {
        List<String> lines = TestSdp.load(TestSdp.CHROMIUM_OFFER).lines().toList();
        for (int iteration = 0; iteration < 200; iteration++) {
            String text = String.join("\r\n", shuffleAttributeRuns(lines)) + "\r\n";

            assertThat(SessionDescription.parse(text).toString()).isEqualTo(text);
        }
    }

    @Test
    void aCorruptedLineIsTheLineReported() {
        List<String> lines = TestSdp.load(TestSdp.CHROMIUM_OFFER).lines().toList();
        for (int iteration = 0; iteration < 300; iteration++) {
            int victim = random.nextInt(lines.size());
            List<String> corrupted = new ArrayList<>(lines);
            String line = lines.get(victim);
            corrupted.set(victim, switch (random.nextInt(3)) {
                case 0 -> "q" + line.substring(1);
                case 1 -> line.charAt(0) + line.substring(2);
                default -> line.charAt(0) + " " + line.substring(1);
            });
            String text = String.join("\r\n", corrupted) + "\r\n";

            SdpParseException failure =
                    catchThrowableOfType(SdpParseException.class, () -> SessionDescription.parse(text));

            assertThat(failure).as("corrupted line %d: %s", victim + 1, corrupted.get(victim)).isNotNull();
            assertThat(failure.lineNumber()).isEqualTo(victim + 1);
            assertThat(failure.line()).isEqualTo(corrupted.get(victim));
        }
    }

    /** Shuffles each run of consecutive a= lines; attributes may come in any order within their level. */
    private List<String> shuffleAttributeRuns(List<String> lines) {
        List<String> result = new ArrayList<>();
        List<String> run = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("a=")) {
                run.add(line);
                continue;
            }
            Collections.shuffle(run, random);
            result.addAll(run);
            run.clear();
            result.add(line);
        }
        Collections.shuffle(run, random);
        result.addAll(run);
        return result;
    }

    private SessionDescription randomDescription() {
        List<Timing> timings = new ArrayList<>();
        for (int i = 1 + random.nextInt(3); i > 0; i--) {
            timings.add(new Timing(randomLong(), randomLong(), randomList(2, () -> randomText(1, 20))));
        }
        List<MediaDescription> media = new ArrayList<>();
        for (int i = random.nextInt(5); i > 0; i--) {
            media.add(randomMedia());
        }
        return new SessionDescription(
                random.nextInt(2),
                new Origin(randomToken(), Long.toString(randomLong()), Long.toString(randomLong()), "IN",
                        random.nextBoolean() ? "IP4" : "IP6", randomToken()),
                randomText(0, 20),
                maybe(() -> randomText(0, 30)),
                maybe(() -> "https://example.com/" + randomToken()),
                randomList(2, () -> randomText(1, 30)),
                randomList(2, () -> randomText(1, 30)),
                maybe(() -> Connection.ipv4(randomToken())),
                randomList(2, this::randomBandwidth),
                timings,
                maybe(() -> randomText(1, 20)),
                maybe(() -> randomText(0, 20)),
                randomAttributes(6),
                media);
    }

    private MediaDescription randomMedia() {
        return new MediaDescription(
                pick("audio", "video", "application", "text", "message"),
                random.nextInt(65_536),
                random.nextInt(4) == 0 ? random.nextInt(8) : null,
                pick("UDP/TLS/RTP/SAVPF", "UDP/DTLS/SCTP", "RTP/AVP", "TCP/DTLS/SCTP"),
                randomList(6, () -> random.nextBoolean() ? Integer.toString(random.nextInt(128)) : randomToken()),
                maybe(() -> randomText(0, 20)),
                randomList(2, () -> Connection.ipv6(randomToken())),
                randomList(2, this::randomBandwidth),
                maybe(() -> randomText(0, 10)),
                randomAttributes(12));
    }

    private List<Attribute> randomAttributes(int max) {
        List<Attribute> attributes = new ArrayList<>();
        for (int i = random.nextInt(max + 1); i > 0; i--) {
            attributes.add(switch (random.nextInt(12)) {
                case 0 -> randomCandidate().toAttribute();
                case 1 -> SetupRole.values()[random.nextInt(4)].toAttribute();
                case 2 -> Fingerprint.of(pick("sha-1", "sha-256", "sha-512"), randomBytes()).toAttribute();
                case 3 -> new RtpMap(random.nextInt(128), randomToken().replace("/", ""), random.nextInt(100_000),
                        random.nextBoolean() ? Integer.toString(1 + random.nextInt(8)) : null).toAttribute();
                case 4 -> new Fmtp(Integer.toString(random.nextInt(128)), randomText(0, 30)).toAttribute();
                case 5 -> new Group(pick("BUNDLE", "LS", "FID"), randomList(4, this::randomToken)).toAttribute();
                case 6 -> new ExtMap(1 + random.nextInt(14),
                        random.nextBoolean() ? MediaDirection.values()[random.nextInt(4)] : null,
                        "urn:ietf:params:rtp-hdrext:" + randomToken(),
                        random.nextBoolean() ? randomText(1, 10) : null).toAttribute();
                case 7 -> Attribute.of(pick("sctp-port", "max-message-size"), Integer.toString(random.nextInt(65_536)));
                case 8 -> Attribute.of(pick("ice-ufrag", "ice-pwd", "mid"), randomToken());
                case 9 -> Attribute.flag(pick("rtcp-mux", "end-of-candidates", "sendrecv", "x-" + randomToken()));
                // Opaque values keep spaces, colons, a leading space and the empty string as written.
                case 10 -> Attribute.of("x-" + randomToken().replace(":", ""), randomText(0, 40));
                default -> Attribute.of("x-" + randomToken(), " " + randomText(0, 10));
            });
        }
        return attributes;
    }

    private IceCandidateLine randomCandidate() {
        boolean tcp = random.nextBoolean();
        String transport = tcp ? pick("tcp", "TCP", "Tcp") : pick("udp", "UDP");
        IceCandidateLine.Type type = IceCandidateLine.Type.values()[random.nextInt(4)];
        boolean related = type != IceCandidateLine.Type.HOST && random.nextInt(4) != 0;
        List<IceCandidateLine.Extension> extensions = new ArrayList<>();
        if (tcp && random.nextBoolean()) {
            extensions.add(new IceCandidateLine.Extension("tcptype", pick("active", "passive", "so")));
        }
        for (int i = random.nextInt(5); i > 0; i--) {
            extensions.add(switch (random.nextInt(5)) {
                case 0 -> new IceCandidateLine.Extension("generation", Integer.toString(random.nextInt(10)));
                case 1 -> new IceCandidateLine.Extension("ufrag", randomToken());
                case 2 -> new IceCandidateLine.Extension("network-id", Integer.toString(random.nextInt(100)));
                case 3 -> new IceCandidateLine.Extension("network-cost", Integer.toString(random.nextInt(1000)));
                default -> new IceCandidateLine.Extension("x-" + randomToken(), randomToken());
            });
        }
        return new IceCandidateLine(
                Long.toString(random.nextLong() & 0xFFFF_FFFFL),
                1 + random.nextInt(2),
                transport,
                random.nextLong() & 0xFFFF_FFFFL,
                randomAddress(),
                random.nextInt(65_536),
                type,
                related ? randomAddress() : null,
                related ? Integer.valueOf(random.nextInt(65_536)) : null,
                extensions);
    }

    private String randomAddress() {
        return switch (random.nextInt(3)) {
            case 0 -> random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256) + "."
                    + random.nextInt(256);
            case 1 -> "2001:db8::" + Integer.toHexString(random.nextInt(65_536));
            default -> UUID.nameUUIDFromBytes(randomBytes()) + ".local";
        };
    }

    private Bandwidth randomBandwidth() {
        return new Bandwidth(pick("AS", "CT", "TIAS", "RR", "RS"), randomLong() % 10_000_000);
    }

    private byte[] randomBytes() {
        byte[] bytes = new byte[1 + random.nextInt(64)];
        random.nextBytes(bytes);
        return bytes;
    }

    private long randomLong() {
        return random.nextBoolean() ? random.nextInt(1000) : random.nextLong() & Long.MAX_VALUE;
    }

    private String randomToken() {
        return randomString(TOKEN_CHARS, 1, 16);
    }

    private String randomText(int minLength, int maxLength) {
        return randomString(TEXT_CHARS, minLength, maxLength);
    }

    private String randomString(String alphabet, int minLength, int maxLength) {
        int length = minLength + random.nextInt(maxLength - minLength + 1);
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }

    @SafeVarargs
    private <T> T pick(T... choices) {
        return choices[random.nextInt(choices.length)];
    }

    private <T> T maybe(Supplier<T> supplier) {
        return random.nextBoolean() ? supplier.get() : null;
    }

    private <T> List<T> randomList(int max, Supplier<T> supplier) {
        List<T> list = new ArrayList<>();
        for (int i = random.nextInt(max + 1); i > 0; i--) {
            list.add(supplier.get());
        }
        return list;
    }
}
