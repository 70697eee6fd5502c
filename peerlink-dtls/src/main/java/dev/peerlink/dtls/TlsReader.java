package dev.peerlink.dtls;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsFatalAlert;

/** A bounds-checked reader of TLS presentation-language fields; short input is a decode_error. */
final class TlsReader {
    private final byte[] buf;
    private int at;
    private final int end;

    TlsReader(byte[] buf, int off, int len) {
        this.buf = buf;
        this.at = off;
        this.end = off + len;
    }

    int remaining() {
        return end - at;
    }

    int u8() throws TlsFatalAlert {
        need(1);
        return buf[at++] & 0xFF;
    }

    int u16() throws TlsFatalAlert {
        need(2);
        int value = ((buf[at] & 0xFF) << 8) | (buf[at + 1] & 0xFF);
        at += 2;
        return value;
    }

    int u24() throws TlsFatalAlert {
        need(3);
        int value = ((buf[at] & 0xFF) << 16) | ((buf[at + 1] & 0xFF) << 8) | (buf[at + 2] & 0xFF);
        at += 3;
        return value;
    }

    long u64() throws TlsFatalAlert {
        need(8);
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = (value << 8) | (buf[at + i] & 0xFF);
        }
        at += 8;
        return value;
    }

    void skip(int count) throws TlsFatalAlert {
        need(count);
        at += count;
    }

    byte[] bytes(int count) throws TlsFatalAlert {
        need(count);
        byte[] out = Arrays.copyOfRange(buf, at, at + count);
        at += count;
        return out;
    }

    byte[] vector8() throws TlsFatalAlert {
        return bytes(u8());
    }

    byte[] vector16() throws TlsFatalAlert {
        return bytes(u16());
    }

    byte[] vector24() throws TlsFatalAlert {
        return bytes(u24());
    }

    /** What remains, as 16-bit values (a list of versions, cipher suites, signature schemes...); an odd byte is left. */
    List<Integer> u16s() throws TlsFatalAlert {
        List<Integer> values = new ArrayList<>();
        while (remaining() >= 2) {
            values.add(u16());
        }
        return values;
    }

    TlsReader sub8() throws TlsFatalAlert {
        return sub(u8());
    }

    TlsReader sub16() throws TlsFatalAlert {
        return sub(u16());
    }

    TlsReader sub24() throws TlsFatalAlert {
        return sub(u24());
    }

    private TlsReader sub(int length) throws TlsFatalAlert {
        need(length);
        TlsReader inner = new TlsReader(buf, at, length);
        at += length;
        return inner;
    }

    void expectEnd(String what) throws TlsFatalAlert {
        if (at != end) {
            throw new TlsFatalAlert(AlertDescription.decode_error, what + " has " + (end - at)
                    + " bytes too many");
        }
    }

    private void need(int count) throws TlsFatalAlert {
        if (count < 0 || end - at < count) {
            throw new TlsFatalAlert(AlertDescription.decode_error, "a handshake message ends too early");
        }
    }
}
