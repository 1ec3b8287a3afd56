package io.fetchline.fetch;

import org.apache.hc.client5.http.DnsResolver;

/**
 * How {@link OriginClient} reaches origins: the resolver that vets every address it connects to, the proxies, and
 * the certificate authorities https origins are verified against.
 */
public record OriginConnections(DnsResolver resolver, OriginProxies proxies, OriginTrust trust) {

    /** Straight to every origin, trusting the JVM's certificate authorities. */
    public static OriginConnections direct(DnsResolver resolver) {
        return new OriginConnections(resolver, OriginProxies.none(), OriginTrust.jvmDefaults());
    }

    OriginRoutes routes() {
        return new OriginRoutes(proxies, resolver);
    }
}
