package dev.peerlink.dtls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peerlink.sdp.SetupRole;
import org.junit.jupiter.api.Test;

class DtlsRoleTest {
    @Test
    void anAnswerToActpassIsActiveAndTheAnswererIsTheClient() {
        assertThat(DtlsRole.answerSetup(SetupRole.ACTPASS)).isEqualTo(SetupRole.ACTIVE);
        assertThat(DtlsRole.forAnswerer(SetupRole.ACTPASS)).isEqualTo(DtlsRole.CLIENT);
        // ... so the actpass offerer is the server once the answer says active.
        assertThat(DtlsRole.forOfferer(SetupRole.ACTIVE)).isEqualTo(DtlsRole.SERVER);
    }

    @Test
    void anAnswerTakesTheRoleOppositeToAFixedOffer() {
        assertThat(DtlsRole.answerSetup(SetupRole.ACTIVE)).isEqualTo(SetupRole.PASSIVE);
        assertThat(DtlsRole.forAnswerer(SetupRole.ACTIVE)).isEqualTo(DtlsRole.SERVER);
        assertThat(DtlsRole.answerSetup(SetupRole.PASSIVE)).isEqualTo(SetupRole.ACTIVE);
        assertThat(DtlsRole.forAnswerer(SetupRole.PASSIVE)).isEqualTo(DtlsRole.CLIENT);
        assertThat(DtlsRole.forOfferer(SetupRole.PASSIVE)).isEqualTo(DtlsRole.CLIENT);
    }

    @Test
    void localSetupMapsBothWays() {
        for (DtlsRole role : DtlsRole.values()) {
            assertThat(DtlsRole.fromLocalSetup(role.toSetup())).isEqualTo(role);
        }
    }

    @Test
    void rejectsWhatAnAnswerMustNotSay() {
        assertThatThrownBy(() -> DtlsRole.forOfferer(SetupRole.ACTPASS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("actpass");
        assertThatThrownBy(() -> DtlsRole.answerSetup(SetupRole.HOLDCONN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("holdconn");
        assertThatThrownBy(() -> DtlsRole.fromLocalSetup(SetupRole.ACTPASS))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DtlsRole.forOfferer(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing");
    }
}
