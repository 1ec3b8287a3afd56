package io.fetchline.fetch;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SystemDefaultDnsResolver;

/**
 * Checks every address HttpClient is about to connect to, for the first request and each redirect alike, since
 * HttpClient resolves through here for every new connection. Checking the resolved addresses themselves, rather
 * than the URL beforehand, leaves no window for DNS to answer differently the second time.
 */
public final class PolicyDnsResolver implements DnsResolver {

    private final AddressPolicy policy;

    private final DnsResolver delegate;

    public PolicyDnsResolver(AddressPolicy policy) {
        this(policy, SystemDefaultDnsResolver.INSTANCE);
    }

    public PolicyDnsResolver(AddressPolicy policy, DnsResolver delegate) {
        this.policy = policy;
        this.delegate = delegate;
    }

    /**
     * @throws BlockedAddressException when the host is spelled ambiguously or any of its addresses is refused; one
     *         bad address is enough, else a rebinding name could list a public address first and a private one second
     */
    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        Optional<String> ambiguity = AddressPolicy.ambiguousHost(host);
        if (ambiguity.isPresent()) {
            throw new BlockedAddressException(host, ambiguity.get());
        }
        Optional<InetAddress> literal = AddressPolicy.parseLiteral(host);
        InetAddress[] addresses = literal.isPresent() ? new InetAddress[] {literal.get()} : delegate.resolve(host);
        if (addresses == null || addresses.length == 0) {
            // HttpClient takes a null answer as "let the socket resolve it", which would bypass the policy.
            throw new UnknownHostException(host + " has no addresses");
        }
        for (InetAddress address : addresses) {
            if (!policy.permits(address)) {
                throw new BlockedAddressException(host, address, policy.describe(address));
            }
        }
        return addresses;
    }

    @Override
    public List<InetSocketAddress> resolve(String host, int port) throws UnknownHostException {
        // Always through resolve(String): the delegate's own resolve(host, port) would skip the policy.
        InetAddress[] addresses = resolve(host);
        List<InetSocketAddress> endpoints = new ArrayList<>(addresses.length);
        for (InetAddress address : addresses) {
            endpoints.add(new InetSocketAddress(address, port));
        }
        return endpoints;
    }

    @Override
    public String resolveCanonicalHostname(String host) throws UnknownHostException {
        return delegate.resolveCanonicalHostname(host);
    }
}
