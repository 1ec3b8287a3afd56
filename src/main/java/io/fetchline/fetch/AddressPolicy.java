package io.fetchline.fetch;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * Decides which addresses Fetchline may connect to: public ones, plus whatever
 * {@code fetchline.fetch.allowed-networks} lets through.
 */
public final class AddressPolicy {

    private static final String OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";

    private static final Pattern DOTTED_QUAD = Pattern.compile(OCTET + "(\\." + OCTET + "){3}");

    // What browsers and curl (inet_aton) accept as one part of an IPv4 address.
    private static final Pattern NUMBER = Pattern.compile("\\d+|0[xX][0-9a-fA-F]*");

    // First match wins, so the more specific rows come first.
    private static final List<Network> REFUSED_V4 = List.of(
            refused("0.0.0.0/8", "unspecified"),
            refused("10.0.0.0/8", "private"),
            refused("100.64.0.0/10", "carrier-grade NAT"),
            refused("127.0.0.0/8", "loopback"),
            refused("169.254.169.254/32", "link-local, cloud metadata"),
            refused("169.254.0.0/16", "link-local"),
            refused("172.16.0.0/12", "private"),
            refused("192.0.0.0/24", "IETF protocol assignment"),
            refused("192.0.2.0/24", "documentation"),
            refused("192.88.99.0/24", "6to4 relay anycast"),
            refused("192.168.0.0/16", "private"),
            refused("198.18.0.0/15", "benchmarking"),
            refused("198.51.100.0/24", "documentation"),
            refused("203.0.113.0/24", "documentation"),
            refused("224.0.0.0/4", "multicast"),
            refused("255.255.255.255/32", "broadcast"),
            refused("240.0.0.0/4", "reserved"));

    private static final List<Network> REFUSED_V6 = List.of(
            refused("::/128", "unspecified"),
            refused("::1/128", "loopback"),
            // Local-use NAT64 may embed the IPv4 address at several offsets, so it cannot be decoded reliably.
            refused("64:ff9b:1::/48", "local-use NAT64"),
            // Teredo hides an obfuscated IPv4 server and client; decoding it is not worth the risk.
            refused("2001::/32", "Teredo"),
            refused("2001:2::/48", "benchmarking"),
            refused("2001:db8::/32", "documentation"),
            refused("3fff::/20", "documentation"),
            refused("fc00::/7", "unique-local"),
            refused("fe80::/10", "link-local"),
            refused("fec0::/10", "site-local"),
            refused("ff00::/8", "multicast"));

    // Everything outside global unicast is reserved, apart from the embedded-IPv4 forms decoded before this check.
    private static final Network GLOBAL_UNICAST = refused("2000::/3", "global unicast");

    private final List<Network> allowed;

    /**
     * @param allowedNetworks CIDRs such as {@code 10.0.0.0/8} or {@code fd00::/8}; a bare address means a single host
     * @throws IllegalArgumentException naming the first entry that is not a valid CIDR
     */
    public AddressPolicy(List<String> allowedNetworks) {
        List<Network> networks = new ArrayList<>();
        for (String entry : allowedNetworks) {
            if (!entry.isBlank()) {
                networks.add(Network.parse(entry.trim(), "allowed", "fetchline.fetch.allowed-networks"));
            }
        }
        this.allowed = List.copyOf(networks);
    }

    public boolean permits(InetAddress address) {
        byte[] bytes = address.getAddress();
        return refusal(bytes) == null || isAllowed(bytes);
    }

    /** Why an address is not public, such as "loopback" or "private", or "public" when it is. */
    public String describe(InetAddress address) {
        String refusal = refusal(address.getAddress());
        return refusal == null ? "public" : refusal;
    }

    /**
     * Flags hosts that look like a numeric IPv4 address without being a canonical dotted quad, such as
     * {@code 2130706433}, {@code 0x7f.1} or {@code 0177.0.0.1}. Java reads them differently from browsers and
     * curl (it takes {@code 0177} as decimal and hands hex forms to DNS), so the address checked would not be the
     * one the user meant; refusing them outright is the only unambiguous answer.
     *
     * @return a message for the user when the host is refused for its spelling
     */
    public static Optional<String> ambiguousHost(String host) {
        if (host.contains(":")) {
            String ipv4Tail = host.substring(host.lastIndexOf(':') + 1).replaceFirst("[%\\]].*$", "");
            return ipv4Tail.contains(".") && !DOTTED_QUAD.matcher(ipv4Tail).matches()
                    ? Optional.of(host + " has a non-canonical IPv4 part; write it as four decimal numbers")
                    : Optional.empty();
        }
        if (DOTTED_QUAD.matcher(host).matches()) {
            return Optional.empty();
        }
        // Browsers read a host as IPv4 whenever its last label is a number, ignoring one trailing dot.
        String[] labels = (host.endsWith(".") ? host.substring(0, host.length() - 1) : host).split("\\.", -1);
        if (!NUMBER.matcher(labels[labels.length - 1]).matches()) {
            return Optional.empty();
        }
        return Optional.of(readAsIpv4(labels)
                .map(address -> host + " is not a canonical IPv4 address (browsers and curl read it as " + address
                        + "); write it as four decimal numbers")
                .orElse(host + " looks like a numeric IPv4 address but is not a valid one"));
    }

    /**
     * Parses an IPv4 dotted quad or an IPv6 literal (with or without brackets) without touching DNS.
     *
     * @return empty when the host is a name to be looked up
     * @throws UnknownHostException when the host looks like an IPv6 literal but is not a valid one
     */
    static Optional<InetAddress> parseLiteral(String host) throws UnknownHostException {
        if (DOTTED_QUAD.matcher(host).matches()) {
            return Optional.of(InetAddress.getByName(host));
        }
        boolean bracketed = host.startsWith("[") && host.endsWith("]");
        if (bracketed || host.contains(":")) {
            String bare = bracketed ? host.substring(1, host.length() - 1) : host;
            // Brackets make Java insist on a literal; without them an invalid one would fall through to DNS.
            return Optional.of(InetAddress.getByName("[" + bare + "]"));
        }
        return Optional.empty();
    }

    private boolean isAllowed(byte[] address) {
        Embedded embedded = Embedded.in(address);
        return allowed.stream().anyMatch(network -> network.contains(address)
                || (embedded != null && network.contains(embedded.ipv4())));
    }

    private static @Nullable String refusal(byte[] address) {
        if (address.length == 4) {
            return firstMatch(REFUSED_V4, address);
        }
        String refusal = firstMatch(REFUSED_V6, address);
        if (refusal != null) {
            return refusal;
        }
        Embedded embedded = Embedded.in(address);
        if (embedded != null) {
            String inner = firstMatch(REFUSED_V4, embedded.ipv4());
            return inner == null ? null : inner + " via " + embedded.form();
        }
        return GLOBAL_UNICAST.contains(address) ? null : "reserved";
    }

    private static @Nullable String firstMatch(List<Network> networks, byte[] address) {
        return networks.stream().filter(network -> network.contains(address)).findFirst()
                .map(Network::label).orElse(null);
    }

    /** Reads numeric labels the way inet_aton does: each part decimal, 0-octal or 0x-hex, the last filling the rest. */
    private static Optional<String> readAsIpv4(String[] labels) {
        if (labels.length > 4) {
            return Optional.empty();
        }
        long value = 0;
        for (int i = 0; i < labels.length; i++) {
            int bits = i == labels.length - 1 ? 8 * (4 - i) : 8;
            BigInteger part = parseNumber(labels[i]);
            if (part == null || part.bitLength() > bits) {
                return Optional.empty();
            }
            value = (value << bits) | part.longValue();
        }
        return Optional.of((value >> 24) + "." + (value >> 16 & 0xff) + "." + (value >> 8 & 0xff) + "." + (value & 0xff));
    }

    private static @Nullable BigInteger parseNumber(String label) {
        if (label.startsWith("0x") || label.startsWith("0X")) {
            String digits = label.substring(2);
            return digits.isEmpty() ? BigInteger.ZERO
                    : digits.matches("[0-9a-fA-F]+") ? new BigInteger(digits, 16) : null;
        }
        if (label.length() > 1 && label.startsWith("0")) {
            return label.matches("[0-7]+") ? new BigInteger(label, 8) : null;
        }
        return label.matches("\\d+") ? new BigInteger(label) : null;
    }

    private static Network refused(String cidr, String reason) {
        return Network.parse(cidr, reason, "the built-in list");
    }

    @Override
    public String toString() {
        return "AddressPolicy" + allowed.stream().map(Network::text).toList();
    }

    /** An IPv4 address carried inside an IPv6 one, and the name of the scheme that carries it. */
    private record Embedded(byte[] ipv4, String form) {

        static @Nullable Embedded in(byte[] address) {
            if (address.length != 16) {
                return null;
            }
            if (zeros(address, 0, 10) && address[10] == (byte) 0xff && address[11] == (byte) 0xff) {
                return new Embedded(Arrays.copyOfRange(address, 12, 16), "IPv4-mapped");
            }
            // :: and ::1 are IPv6 addresses in their own right, not IPv4-compatible ones.
            if (zeros(address, 0, 12) && !(zeros(address, 12, 15) && (address[15] & 0xff) <= 1)) {
                return new Embedded(Arrays.copyOfRange(address, 12, 16), "IPv4-compatible");
            }
            if (address[0] == 0 && address[1] == 0x64 && address[2] == (byte) 0xff && address[3] == (byte) 0x9b
                    && zeros(address, 4, 12)) {
                return new Embedded(Arrays.copyOfRange(address, 12, 16), "NAT64");
            }
            if (address[0] == 0x20 && address[1] == 0x02) {
                return new Embedded(Arrays.copyOfRange(address, 2, 6), "6to4");
            }
            return null;
        }

        private static boolean zeros(byte[] bytes, int from, int to) {
            for (int i = from; i < to; i++) {
                if (bytes[i] != 0) {
                    return false;
                }
            }
            return true;
        }
    }
}
