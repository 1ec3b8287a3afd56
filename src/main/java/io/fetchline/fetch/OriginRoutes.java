package io.fetchline.fetch;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SystemDefaultDnsResolver;
import org.apache.hc.client5.http.auth.UsernamePasswordCredentials;
import org.apache.hc.client5.http.impl.DefaultSchemePortResolver;
import org.apache.hc.client5.http.impl.auth.BasicScheme;
import org.apache.hc.client5.http.impl.routing.DefaultRoutePlanner;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.jspecify.annotations.Nullable;

/**
 * Decides, for every request and every redirect hop, whether it goes straight to the origin or through a proxy.
 * Straight, the connection manager resolves the origin through the {@link PolicyDnsResolver}, which vets the
 * address it connects to. Through a proxy, the connection manager only ever resolves the proxy, so this planner vets
 * the origin's addresses itself before anything is sent; the proxy's own address is not the policy's business.
 */
final class OriginRoutes extends DefaultRoutePlanner {

    private static final String PROXY = OriginRoutes.class.getName() + ".proxy";

    private final OriginProxies proxies;
    private final DnsResolver originResolver;
    private final DnsResolver proxyResolver;

    /**
     * @param originResolver the policy's resolver, which refuses blocked addresses
     * @param proxyResolver looks up the proxies' names, unvetted
     */
    OriginRoutes(OriginProxies proxies, DnsResolver originResolver, DnsResolver proxyResolver) {
        super(DefaultSchemePortResolver.INSTANCE);
        this.proxies = proxies;
        this.originResolver = originResolver;
        this.proxyResolver = proxyResolver;
    }

    OriginRoutes(OriginProxies proxies, DnsResolver originResolver) {
        this(proxies, originResolver, SystemDefaultDnsResolver.INSTANCE);
    }

    /** The proxy the request with this context went through; empty when it went straight to the origin. */
    static Optional<OriginProxy> proxyOf(HttpContext context) {
        return Optional.ofNullable((OriginProxy) context.getAttribute(PROXY));
    }

    @Override
    protected @Nullable HttpHost determineProxy(HttpHost target, HttpContext context) throws HttpException {
        Optional<OriginProxy> chosen = proxies.forTarget(target.getSchemeName(), target.getHostName());
        if (chosen.isEmpty()) {
            return null;
        }
        OriginProxy proxy = chosen.get();
        try {
            // Throws BlockedAddressException for a refused address; the proxy has heard nothing yet.
            originResolver.resolve(target.getHostName());
        } catch (IOException ex) {
            throw new RouteException(ex);
        }
        HttpHost proxyHost;
        try {
            proxyHost = new HttpHost("http", proxyAddress(proxy), proxy.host(), proxy.port());
        } catch (UnknownHostException ex) {
            throw new RouteException(new UnknownHostException(proxy.host() + ", the host of the proxy " + proxy
                    + " from " + proxy.source()));
        }
        HttpClientContext clientContext = HttpClientContext.cast(context);
        clientContext.setAttribute(PROXY, proxy);
        if (proxy.user() != null) {
            // Preemptive, as curl does: the proxy gets the credentials with the first CONNECT or request instead of
            // after a 407, which also spares a round trip per connection.
            BasicScheme basic = new BasicScheme();
            basic.initPreemptive(new UsernamePasswordCredentials(proxy.user(),
                    proxy.password() == null ? new char[0] : proxy.password().toCharArray()));
            clientContext.resetAuthExchange(proxyHost, basic);
        }
        return proxyHost;
    }

    /**
     * Resolved here, so that the connection manager connects to this address and never asks the policy's resolver
     * about the proxy.
     */
    private InetAddress proxyAddress(OriginProxy proxy) throws UnknownHostException {
        Optional<InetAddress> literal = AddressPolicy.parseLiteral(proxy.host());
        if (literal.isPresent()) {
            return literal.get();
        }
        InetAddress[] addresses = proxyResolver.resolve(proxy.host());
        if (addresses == null || addresses.length == 0) {
            throw new UnknownHostException(proxy.host());
        }
        return addresses[0];
    }

    /**
     * Carries what stopped a route out of the planner, whose contract only lets it throw {@link HttpException};
     * {@link OriginClient#failureOf} unwraps it.
     */
    static final class RouteException extends HttpException {

        private static final long serialVersionUID = 1L;

        RouteException(IOException cause) {
            super(cause.getMessage(), cause);
        }

        IOException reason() {
            return (IOException) getCause();
        }
    }
}
