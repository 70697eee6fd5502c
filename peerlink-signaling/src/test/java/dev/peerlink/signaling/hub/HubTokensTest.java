package dev.peerlink.signaling.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peerlink.signaling.RoomTokens;
import dev.peerlink.signaling.SignalingConfig;
import dev.peerlink.signaling.protocol.ErrorCode;
import dev.peerlink.signaling.protocol.ServerMessage;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Room tokens: valid, expired, for another room, tampered, rotated secrets, and missing when required. */
class HubTokensTest {
    private static final String OLD_SECRET = "old-secret-0123456789";
    private static final String NEW_SECRET = "new-secret-9876543210";

    private final HubHarness h = new HubHarness(SignalingConfig.defaults().withTokenSecrets(List.of(NEW_SECRET)));
    private final RoomTokens issuer = new RoomTokens(List.of(NEW_SECRET));
    private final long exp = HubHarness.START_EPOCH_SECOND + 60;

    private ServerMessage joinWith(String room, String token) {
        h.connect(1);
        h.send(1, "type", "join", "room", room, "peer", "alice", "token", token);
        return h.takeOne(1);
    }

    @Test
    void aValidTokenAdmits() {
        assertThat(joinWith("r", issuer.issue("r", exp))).isInstanceOf(ServerMessage.Welcome.class);
    }

    @Test
    void noTokenIsTokenRequired() {
        h.connect(1);
        h.send(1, "type", "join", "room", "r", "peer", "alice");
        h.takeError(1, ErrorCode.TOKEN_REQUIRED);
        assertThat(h.hub.roomCount()).isZero();
    }

    @Test
    void anExpiredTokenIsTokenExpiredFromItsExpirySecondOn() {
        String token = issuer.issue("r", exp);
        h.epochSecond = exp - 1;
        assertThat(joinWith("r", token)).isInstanceOf(ServerMessage.Welcome.class);
        h.send(1, "type", "leave");

        h.epochSecond = exp;
        h.send(1, "type", "join", "room", "r", "peer", "alice", "token", token);
        h.takeError(1, ErrorCode.TOKEN_EXPIRED);
    }

    @Test
    void aTokenForAnotherRoomIsBadToken() {
        ServerMessage got = joinWith("other", issuer.issue("r", exp));
        assertThat(got).isInstanceOf(ServerMessage.Error.class);
        assertThat(((ServerMessage.Error) got).code()).isEqualTo(ErrorCode.BAD_TOKEN);
        assertThat(((ServerMessage.Error) got).message()).contains("another room");
    }

    @Test
    void aTamperedClaimIsBadToken() {
        String token = issuer.issue("r", exp);
        String signature = token.substring(token.indexOf('.'));
        String forgedClaims = Base64.getUrlEncoder().withoutPadding().encodeToString(
                ("{\"room\":\"r\",\"exp\":" + (exp + 1_000_000) + "}").getBytes(StandardCharsets.UTF_8));
        assertThat(((ServerMessage.Error) joinWith("r", forgedClaims + signature)).code())
                .isEqualTo(ErrorCode.BAD_TOKEN);
    }

    @Test
    void aTamperedSignatureIsBadToken() {
        String token = issuer.issue("r", exp);
        char last = token.charAt(token.length() - 2);
        String tampered = token.substring(0, token.length() - 2) + (last == 'A' ? 'B' : 'A')
                + token.charAt(token.length() - 1);
        assertThat(((ServerMessage.Error) joinWith("r", tampered)).code()).isEqualTo(ErrorCode.BAD_TOKEN);
    }

    @Test
    void aTokenFromAnotherSecretIsBadToken() {
        String foreign = new RoomTokens(List.of(OLD_SECRET)).issue("r", exp);
        ServerMessage.Error error = (ServerMessage.Error) joinWith("r", foreign);
        assertThat(error.code()).isEqualTo(ErrorCode.BAD_TOKEN);
        assertThat(error.message()).doesNotContain(NEW_SECRET, OLD_SECRET);
    }

    @Test
    void malformedTokensAreBadToken() {
        for (String token : List.of("", "nodot", "a.b.c", ".sig", "claims.", "claims.!!!", "x".repeat(2000))) {
            h.connect(1);
            h.send(1, "type", "join", "room", "r", "peer", "alice", "token", token);
            assertThat(((ServerMessage.Error) h.takeOne(1)).code()).as(token).isEqualTo(ErrorCode.BAD_TOKEN);
        }
    }

    @Test
    void duringRotationBothSecretsVerifyAndTheFirstSigns() {
        HubHarness rotating = new HubHarness(SignalingConfig.defaults()
                .withTokenSecrets(List.of(NEW_SECRET, OLD_SECRET)));
        String fromOld = new RoomTokens(List.of(OLD_SECRET)).issue("r", exp);
        String fromRotating = new RoomTokens(List.of(NEW_SECRET, OLD_SECRET)).issue("r", exp);
        assertThat(new RoomTokens(List.of(NEW_SECRET)).verify(fromRotating, "r", exp - 1))
                .isEqualTo(RoomTokens.Verdict.VALID);

        rotating.connect(1);
        rotating.send(1, "type", "join", "room", "r", "peer", "alice", "token", fromOld);
        assertThat(rotating.takeOne(1)).isInstanceOf(ServerMessage.Welcome.class);
        rotating.connect(2);
        rotating.send(2, "type", "join", "room", "r", "peer", "bob", "token", fromRotating);
        assertThat(rotating.takeOne(2)).isInstanceOf(ServerMessage.Welcome.class);

        // Once the old secret is removed, its tokens stop working.
        assertThat(((ServerMessage.Error) joinWith("r", fromOld)).code()).isEqualTo(ErrorCode.BAD_TOKEN);
    }

    @Test
    void tokensAreUnpaddedBase64UrlClaimsAndSignature() {
        String token = issuer.issue("room-1", 1_900_000_000L);
        assertThat(token).matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}");
        String claims = new String(Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.'))),
                StandardCharsets.UTF_8);
        assertThat(claims).isEqualTo("{\"room\":\"room-1\",\"exp\":1900000000}");
    }

    @Test
    void secretsAreCheckedAndNeverShown() {
        assertThatThrownBy(() -> SignalingConfig.defaults().withTokenSecrets(List.of("short")))
                .hasMessageContaining("16 characters").hasMessageNotContaining("short");
        SignalingConfig config = SignalingConfig.defaults().withTokenSecrets(List.of(NEW_SECRET));
        assertThat(config.toString()).doesNotContain(NEW_SECRET).contains("1 configured");
    }
}
