package io.fetchline.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.hc.client5.http.DnsResolver;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PolicyDnsResolverTests {

    private static final String HOST = "files.example.com";

    private final AddressPolicy publicOnly = new AddressPolicy(List.of());

    @Test
    void refusesAHostThatResolvesToLoopback() throws Exception {
        PolicyDnsResolver resolver = new PolicyDnsResolver(publicOnly, answering(HOST, "127.0.0.1"));

        BlockedAddressException ex = catchBlocked(() -> resolver.resolve(HOST));

        assertThat(ex).isInstanceOf(UnknownHostException.class)
                .hasMessage("files.example.com resolves to 127.0.0.1 (loopback), which is not allowed;"
                        + " allow it with fetchline.fetch.allowed-networks");
        assertThat(ex.host()).isEqualTo(HOST);
        assertThat(ex.address()).contains(InetAddress.getByName("127.0.0.1"));
    }

    @Test
    void returnsPublicAddresses() throws Exception {
        PolicyDnsResolver resolver = new PolicyDnsResolver(publicOnly, answering(HOST, "93.184.215.14", "2606:4700::1"));

        assertThat(resolver.resolve(HOST))
                .containsExactly(InetAddress.getByName("93.184.215.14"), InetAddress.getByName("2606:4700::1"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"93.184.215.14,127.0.0.1", "127.0.0.1,93.184.215.14", "2606:4700::1,fd00::1"})
    void refusesWhenAnyAddressIsRefused(String answer) {
        PolicyDnsResolver resolver = new PolicyDnsResolver(publicOnly, answering(HOST, answer.split(",")));

        assertThat(catchBlocked(() -> resolver.resolve(HOST)).address()).get()
                .satisfies(address -> assertThat(publicOnly.permits(address)).isFalse());
    }

    @Test
    void permitsAllowedNetworks() throws Exception {
        AddressPolicy policy = new AddressPolicy(List.of("127.0.0.0/8"));
        PolicyDnsResolver resolver = new PolicyDnsResolver(policy, answering(HOST, "127.0.0.1", "93.184.215.14"));

        assertThat(resolver.resolve(HOST))
                .containsExactly(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("93.184.215.14"));
    }

    @Test
    void refusesIpv4MappedAnswers() throws Exception {
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 0, 0, 1};
        InetAddress address = Inet6Address.getByAddress(HOST, mapped, -1);
        PolicyDnsResolver resolver = new PolicyDnsResolver(publicOnly, new MapDnsResolver(Map.of(HOST, List.of(address))));

        assertThat(catchBlocked(() -> resolver.resolve(HOST))).hasMessageContaining("(private via IPv4-mapped)");
    }

    @Test
    void resolvesEndpointsThroughThePolicy() throws Exception {
        PolicyDnsResolver allowed = new PolicyDnsResolver(publicOnly, answering(HOST, "93.184.215.14"));
        PolicyDnsResolver refused = new PolicyDnsResolver(publicOnly, answering(HOST, "169.254.169.254"));

        assertThat(allowed.resolve(HOST, 8443))
                .containsExactly(new InetSocketAddress(InetAddress.getByName("93.184.215.14"), 8443));
        assertThat(catchBlocked(() -> refused.resolve(HOST, 80)))
                .hasMessageContaining("169.254.169.254 (link-local, cloud metadata)");
    }

    @Test
    void reportsUnknownHostsAsUnknownNotBlocked() {
        PolicyDnsResolver resolver = new PolicyDnsResolver(publicOnly, answering(HOST, "93.184.215.14"));

        assertThatThrownBy(() -> resolver.resolve("elsewhere.example.com"))
                .isExactlyInstanceOf(UnknownHostException.class);
    }

    @Test
    void refusesAnEmptyAnswerRatherThanLettingTheSocketResolve() {
        PolicyDnsResolver resolver = new PolicyDnsResolver(publicOnly, new MapDnsResolver(Map.of(HOST, List.of())));

        assertThatThrownBy(() -> resolver.resolve(HOST, 443))
                .isExactlyInstanceOf(UnknownHostException.class)
                .hasMessageContaining(HOST);
    }

    @Test
    void delegatesCanonicalHostnames() throws Exception {
        PolicyDnsResolver resolver = new PolicyDnsResolver(publicOnly, answering(HOST, "93.184.215.14"));

        assertThat(resolver.resolveCanonicalHostname("FILES.example.com")).isEqualTo(HOST);
    }

    @ParameterizedTest
    @ValueSource(strings = {"2130706433", "0x7f000001", "0x7f.0.0.1", "0x7f.1", "0177.0.0.1", "127.1", "0",
            "017700000001", "127.0.0.010", "127.0.0.1.", "0xa9fea9fe", "127.0.0.1", "10.0.0.1", "0.0.0.0",
            "::ffff:127.0.0.1", "[::ffff:127.0.0.1]", "[0:0:0:0:0:ffff:7f00:1]", "[::1]", "[::127.0.0.1]",
            "[64:ff9b::7f00:1]", "[2002:7f00:1::1]", "[::ffff:0177.0.0.1]", "[fe80::1]"})
    void refusesOddSpellingsOfInternalAddressesWithoutALookup(String host) {
        // The delegate knows no names, so anything but BlockedAddressException means a spelling slipped through.
        PolicyDnsResolver resolver = new PolicyDnsResolver(publicOnly, new MapDnsResolver(Map.of()));

        catchBlocked(() -> resolver.resolve(host));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2130706433", "0x7f.1", "0177.0.0.1", "127.1", "8.8.8.8.", "134744072"})
    void refusesAmbiguousSpellingsEvenWhenTheAddressWouldBeAllowed(String host) {
        AddressPolicy policy = new AddressPolicy(List.of("127.0.0.0/8"));
        PolicyDnsResolver resolver = new PolicyDnsResolver(policy, new MapDnsResolver(Map.of()));

        BlockedAddressException ex = catchBlocked(() -> resolver.resolve(host));

        assertThat(ex.address()).isEmpty();
        assertThat(ex).hasMessageStartingWith(host + " is not a canonical IPv4 address");
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "[2606:4700:4700::1111]", "::ffff:8.8.8.8"})
    void acceptsPublicLiteralsWithoutALookup(String host) throws Exception {
        PolicyDnsResolver resolver = new PolicyDnsResolver(publicOnly, new MapDnsResolver(Map.of()));

        assertThat(resolver.resolve(host)).hasSize(1);
    }

    @Test
    void rejectsMalformedIpv6LiteralsWithoutALookup() {
        PolicyDnsResolver resolver = new PolicyDnsResolver(publicOnly, answering("[gg::1]", "8.8.8.8"));

        assertThatThrownBy(() -> resolver.resolve("[gg::1]")).isExactlyInstanceOf(UnknownHostException.class);
    }

    private static BlockedAddressException catchBlocked(ThrowingCallable call) {
        Throwable thrown = catchThrowable(call);
        assertThat(thrown).isInstanceOf(BlockedAddressException.class);
        return (BlockedAddressException) thrown;
    }

    private static DnsResolver answering(String host, String... addresses) {
        List<InetAddress> answer = new ArrayList<>();
        for (String address : addresses) {
            try {
                answer.add(InetAddress.getByName(address));
            } catch (UnknownHostException ex) {
                throw new IllegalArgumentException(address, ex);
            }
        }
        return new MapDnsResolver(Map.of(host, answer));
    }

    /** A fixed DNS table, so tests can point a public-looking name at any address. */
    private record MapDnsResolver(Map<String, List<InetAddress>> answers) implements DnsResolver {

        @Override
        public InetAddress[] resolve(String host) throws UnknownHostException {
            List<InetAddress> answer = answers.get(host);
            if (answer == null) {
                throw new UnknownHostException(host);
            }
            return answer.toArray(InetAddress[]::new);
        }

        @Override
        public String resolveCanonicalHostname(String host) {
            return host.toLowerCase(Locale.ROOT);
        }
    }
}
