package dev.peerlink.sdp;

import java.util.List;

/**
 * {@code a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]} (RFC 8866 §6.6), e.g.
 * {@code 111 opus/48000/2}.
 *
 * @param encodingParameters for audio the channel count; null when absent
 */
public record RtpMap(int payloadType, String encodingName, int clockRate, String encodingParameters) {
    public static final String ATTRIBUTE_NAME = "rtpmap";

    public RtpMap {
        SdpText.requireRange(payloadType, 0, 127, "payload type");
        SdpText.requireField(encodingName, "encoding name");
        if (encodingName.indexOf('/') >= 0) {
            throw new IllegalArgumentException("encoding name must not contain '/': \"" + encodingName + "\"");
        }
        SdpText.requireRange(clockRate, 0, Integer.MAX_VALUE, "clock rate");
        if (encodingParameters != null) {
            SdpText.requireField(encodingParameters, "encoding parameters");
        }
    }

    public RtpMap(int payloadType, String encodingName, int clockRate) {
        this(payloadType, encodingName, clockRate, null);
    }

    static RtpMap parse(String attributeValue) throws MalformedValueException {
        List<String> fields = SdpText.splitFields(attributeValue, "rtpmap");
        if (fields.size() != 2) {
            throw new MalformedValueException("rtpmap has " + fields.size()
                    + " fields, expected 2: <payload type> <encoding name>/<clock rate>[/<encoding parameters>]");
        }
        int payloadType = (int) SdpText.parseUnsigned(fields.get(0), 127, "payload type");
        String[] encoding = fields.get(1).split("/", -1);
        if (encoding.length < 2 || encoding.length > 3 || encoding[0].isEmpty()
                || (encoding.length == 3 && encoding[2].isEmpty())) {
            throw new MalformedValueException("rtpmap encoding \"" + fields.get(1)
                    + "\" is not <encoding name>/<clock rate>[/<encoding parameters>]");
        }
        int clockRate = (int) SdpText.parseUnsigned(encoding[1], Integer.MAX_VALUE, "clock rate");
        return new RtpMap(payloadType, encoding[0], clockRate, encoding.length == 3 ? encoding[2] : null);
    }

    public Attribute toAttribute() {
        return Attribute.of(ATTRIBUTE_NAME, toString());
    }

    /** The attribute value, e.g. {@code 111 opus/48000/2}. */
    @Override
    public String toString() {
        String encoding = encodingName + "/" + clockRate;
        return payloadType + " " + (encodingParameters == null ? encoding : encoding + "/" + encodingParameters);
    }
}
