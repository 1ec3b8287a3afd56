package io.fetchline.fetch;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

/**
 * A host that Fetchline refuses to connect to. It is an {@link UnknownHostException} so that HttpClient fails the
 * request at once, as for a failed lookup, instead of retrying or trying the host's other addresses.
 */
public final class BlockedAddressException extends UnknownHostException {

    private static final long serialVersionUID = 1L;

    private final String host;

    private final @Nullable InetAddress address;

    /** The host resolved to an address the {@link AddressPolicy} refuses, for the given reason. */
    public BlockedAddressException(String host, InetAddress address, String reason) {
        super(host + " resolves to " + address.getHostAddress() + " (" + reason
                + "), which is not allowed; allow it with fetchline.fetch.allowed-networks");
        this.host = host;
        this.address = address;
    }

    /** The host was refused for its spelling alone (see {@link AddressPolicy#ambiguousHost}), before any lookup. */
    public BlockedAddressException(String host, String message) {
        super(message);
        this.host = host;
        this.address = null;
    }

    public String host() {
        return host;
    }

    /** The refused address; empty when the host was refused for its spelling. */
    public Optional<InetAddress> address() {
        return Optional.ofNullable(address);
    }
}
