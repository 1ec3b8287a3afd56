package io.fetchline.fetch;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/** A CIDR block; {@code label} is the reason it is refused, or its role when it is allowed. */
record Network(String text, byte[] bytes, int prefix, String label) {

    /**
     * @param setting the property the text comes from, named in the message when it is not a valid CIDR
     * @throws IllegalArgumentException when the text is not a CIDR or a single address
     */
    static Network parse(String text, String label, String setting) {
        int slash = text.indexOf('/');
        String addressText = slash < 0 ? text : text.substring(0, slash);
        byte[] bytes = addressBytes(setting, text, addressText);
        int bits = bytes.length * 8;
        // Java turns ::ffff:a.b.c.d into an IPv4 address, so an IPv6 prefix on it also counts the 96 mapped bits.
        int offset = addressText.contains(":") && bytes.length == 4 ? 96 : 0;
        int prefix = bits;
        if (slash >= 0) {
            String prefixText = text.substring(slash + 1);
            if (!prefixText.matches("\\d{1,3}")) {
                throw invalid(setting, text, "the prefix length '" + prefixText + "' is not a number");
            }
            prefix = Integer.parseInt(prefixText) - offset;
            if (prefix < 0 || prefix > bits) {
                throw invalid(setting, text, "the prefix length must be between " + offset + " and " + (bits + offset));
            }
        }
        Network network = new Network(text, bytes, prefix, label);
        byte[] masked = network.masked();
        if (!Arrays.equals(bytes, masked)) {
            // A typo like 10.0.0.1/8 would otherwise silently allow far more than one host.
            throw invalid(setting, text,
                    "it has host bits set; did you mean " + format(masked) + "/" + (prefix + offset) + "?");
        }
        return network;
    }

    private static byte[] addressBytes(String setting, String text, String addressText) {
        try {
            return AddressPolicy.parseLiteral(addressText)
                    .orElseThrow(() -> invalid(setting, text, "'" + addressText + "' is not an IP address"))
                    .getAddress();
        } catch (UnknownHostException ex) {
            throw invalid(setting, text, "'" + addressText + "' is not an IP address");
        }
    }

    private static IllegalArgumentException invalid(String setting, String text, String why) {
        return new IllegalArgumentException("Invalid network '" + text + "' in " + setting + ": "
                + why + " (expected a CIDR such as 10.0.0.0/8 or fd00::/8, or a single address)");
    }

    private static String format(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes).getHostAddress();
        } catch (UnknownHostException ex) {
            throw new IllegalStateException("an address of " + bytes.length + " bytes", ex);
        }
    }

    boolean contains(byte[] address) {
        return address.length == bytes.length && Arrays.equals(mask(address), masked());
    }

    private byte[] masked() {
        return mask(bytes);
    }

    private byte[] mask(byte[] address) {
        byte[] result = address.clone();
        for (int i = 0; i < result.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - 8 * i));
            result[i] &= (byte) (0xff00 >> keep);
        }
        return result;
    }
}
