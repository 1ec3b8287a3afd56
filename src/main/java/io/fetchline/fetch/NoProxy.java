package io.fetchline.fetch;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The hosts reached without the proxy, read as curl reads {@code no_proxy}: {@code *} is every host; a name matches
 * itself and every name under it, with or without a leading dot ({@code example.com} and {@code .example.com} both
 * match {@code example.com} and {@code a.example.com}); an address or a CIDR matches a URL whose host is an address
 * literal in it. Names are never looked up, so a CIDR does not match a name that resolves into it.
 */
final class NoProxy {

    private final boolean everything;
    private final List<String> names;
    private final List<Network> networks;
    private final List<String> entries;

    private NoProxy(boolean everything, List<String> names, List<Network> networks, List<String> entries) {
        this.everything = everything;
        this.names = List.copyOf(names);
        this.networks = List.copyOf(networks);
        this.entries = List.copyOf(entries);
    }

    static NoProxy none() {
        return new NoProxy(false, List.of(), List.of(), List.of());
    }

    /**
     * @param entries each may itself hold several, separated by commas or spaces, as an environment variable does
     * @param source the property or variable the entries come from, named when one is invalid
     * @throws IllegalArgumentException for a malformed CIDR
     */
    static NoProxy parse(List<String> entries, String source) {
        boolean everything = false;
        List<String> names = new ArrayList<>();
        List<Network> networks = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        for (String entry : entries) {
            for (String part : entry.split("[,\\s]+")) {
                String token = part.trim().toLowerCase(Locale.ROOT);
                if (token.isEmpty()) {
                    continue;
                }
                kept.add(token);
                if (token.equals("*")) {
                    everything = true;
                } else if (token.contains("/") || literal(token).isPresent()) {
                    networks.add(Network.parse(unbracketed(token), "no proxy", source));
                } else {
                    String name = token.startsWith(".") ? token.substring(1) : token;
                    names.add(name.endsWith(".") ? name.substring(0, name.length() - 1) : name);
                }
            }
        }
        return new NoProxy(everything, names, networks, kept);
    }

    /** Whether a URL with this host goes straight to the origin. */
    boolean matches(String host) {
        if (everything) {
            return true;
        }
        String bare = unbracketed(host.toLowerCase(Locale.ROOT));
        Optional<InetAddress> address = literal(bare);
        if (address.isPresent()) {
            byte[] bytes = address.get().getAddress();
            return networks.stream().anyMatch(network -> network.contains(bytes));
        }
        String name = bare.endsWith(".") ? bare.substring(0, bare.length() - 1) : bare;
        return names.stream().anyMatch(entry -> name.equals(entry) || name.endsWith("." + entry));
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    @Override
    public String toString() {
        return String.join(",", entries);
    }

    private static Optional<InetAddress> literal(String host) {
        try {
            return AddressPolicy.parseLiteral(unbracketed(host));
        } catch (UnknownHostException ex) {
            return Optional.empty();
        }
    }

    private static String unbracketed(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }
}
