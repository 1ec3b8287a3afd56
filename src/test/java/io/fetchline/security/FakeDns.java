package io.fetchline.security;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;

import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SystemDefaultDnsResolver;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

import io.fetchline.fetch.AddressPolicy;
import io.fetchline.fetch.PolicyDnsResolver;

/**
 * Public-looking names that resolve to internal addresses, as a hostile or careless DNS would answer. Only the
 * lookup is faked: the application's own {@link AddressPolicy} (from {@code fetchline.fetch.allowed-networks}) still
 * judges every answer, exactly as the production {@code DnsResolver} bean does.
 */
@TestConfiguration(proxyBeanMethods = false)
public class FakeDns {

    static final Map<String, List<String>> TABLE = Map.of(
            "files.example.com", List.of("127.0.0.1"),
            "internal.example.com", List.of("10.0.0.7"),
            "metadata.example.com", List.of("169.254.169.254"),
            // A rebinding name: one allowed address and one refused one.
            "rebind.example.com", List.of("127.0.0.1", "127.0.0.2"));

    @Bean
    @Primary
    DnsResolver fakeDnsResolver(AddressPolicy policy) {
        return new PolicyDnsResolver(policy, new Table());
    }

    private static final class Table implements DnsResolver {

        @Override
        public InetAddress[] resolve(String host) throws UnknownHostException {
            List<String> answer = TABLE.get(host);
            if (answer == null) {
                return SystemDefaultDnsResolver.INSTANCE.resolve(host);
            }
            InetAddress[] addresses = new InetAddress[answer.size()];
            for (int i = 0; i < addresses.length; i++) {
                // Literals only, so no real lookup happens; the name is kept as a real answer would keep it.
                addresses[i] = InetAddress.getByAddress(host, InetAddress.getByName(answer.get(i)).getAddress());
            }
            return addresses;
        }

        @Override
        public String resolveCanonicalHostname(String host) {
            return host;
        }
    }
}
