package io.fetchline.outbound;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;

import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SystemDefaultDnsResolver;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

import io.fetchline.fetch.AddressPolicy;
import io.fetchline.fetch.PolicyDnsResolver;

/**
 * Names for the proxy tests, answered without real DNS; the application's own {@link AddressPolicy} still judges
 * every answer, as the production resolver does.
 */
@TestConfiguration(proxyBeanMethods = false)
class ProxyDns {

    static final Map<String, String> TABLE = Map.of(
            "origin.test", "127.0.0.1",
            "mirror.direct.test", "127.0.0.1",
            "internal.test", "10.0.0.7");

    static InetAddress address(String host) {
        try {
            return InetAddress.getByAddress(host, InetAddress.getByName(TABLE.get(host)).getAddress());
        } catch (UnknownHostException ex) {
            throw new IllegalStateException(ex);
        }
    }

    @Bean
    @Primary
    DnsResolver proxyTestResolver(AddressPolicy policy) {
        return new PolicyDnsResolver(policy, new DnsResolver() {
            @Override
            public InetAddress[] resolve(String host) throws UnknownHostException {
                return TABLE.containsKey(host) ? new InetAddress[] {address(host)}
                        : SystemDefaultDnsResolver.INSTANCE.resolve(host);
            }

            @Override
            public String resolveCanonicalHostname(String host) {
                return host;
            }
        });
    }
}
