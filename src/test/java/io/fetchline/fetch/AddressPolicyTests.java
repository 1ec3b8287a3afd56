package io.fetchline.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AddressPolicyTests {

    private final AddressPolicy publicOnly = new AddressPolicy(List.of());

    @ParameterizedTest(name = "{0} is {2}")
    @CsvSource(delimiter = '|', textBlock = """
            8.8.8.8                          | true  | public
            1.1.1.1                          | true  | public
            93.184.215.14                    | true  | public
            172.15.255.255                   | true  | public
            172.32.0.1                       | true  | public
            100.63.255.255                   | true  | public
            100.128.0.1                      | true  | public
            198.20.0.1                       | true  | public
            223.255.255.255                  | true  | public
            127.0.0.1                        | false | loopback
            127.255.255.254                  | false | loopback
            10.1.2.3                         | false | private
            172.16.0.1                       | false | private
            172.31.255.255                   | false | private
            192.168.1.1                      | false | private
            169.254.169.254                  | false | link-local, cloud metadata
            169.254.1.1                      | false | link-local
            100.64.0.1                       | false | carrier-grade NAT
            100.127.255.255                  | false | carrier-grade NAT
            0.0.0.0                          | false | unspecified
            0.1.2.3                          | false | unspecified
            224.0.0.1                        | false | multicast
            239.255.255.250                  | false | multicast
            255.255.255.255                  | false | broadcast
            240.0.0.1                        | false | reserved
            192.0.0.8                        | false | IETF protocol assignment
            192.0.2.1                        | false | documentation
            198.51.100.7                     | false | documentation
            203.0.113.9                      | false | documentation
            198.18.0.1                       | false | benchmarking
            198.19.255.255                   | false | benchmarking
            2606:4700:4700::1111             | true  | public
            2001:4860:4860::8888             | true  | public
            ::1                              | false | loopback
            ::                               | false | unspecified
            fe80::1                          | false | link-local
            febf::1                          | false | link-local
            fec0::1                          | false | site-local
            fc00::1                          | false | unique-local
            fd12::1                          | false | unique-local
            ff02::1                          | false | multicast
            100::1                           | false | reserved
            4000::1                          | false | reserved
            2001:db8::1                      | false | documentation
            3fff::1                          | false | documentation
            2001:2::1                        | false | benchmarking
            2001:0:4136:e378:8000:63bf:3fff:fdd2 | false | Teredo
            ::ffff:127.0.0.1                 | false | loopback
            ::ffff:10.0.0.1                  | false | private
            ::ffff:169.254.169.254           | false | link-local, cloud metadata
            ::ffff:8.8.8.8                   | true  | public
            ::127.0.0.1                      | false | loopback via IPv4-compatible
            ::10.0.0.1                       | false | private via IPv4-compatible
            ::8.8.8.8                        | true  | public
            64:ff9b::7f00:1                  | false | loopback via NAT64
            64:ff9b::a9fe:a9fe               | false | link-local, cloud metadata via NAT64
            64:ff9b::808:808                 | true  | public
            64:ff9b:1::808:808               | false | local-use NAT64
            2002:7f00:1::1                   | false | loopback via 6to4
            2002:c0a8:101::1                 | false | private via 6to4
            2002:0808:0808::1                | true  | public
            """)
    void permitsOnlyPublicAddressesByDefault(String address, boolean permitted, String description) throws Exception {
        InetAddress parsed = InetAddress.getByName(address);

        assertThat(publicOnly.permits(parsed)).isEqualTo(permitted);
        assertThat(publicOnly.describe(parsed)).isEqualTo(description);
    }

    @ParameterizedTest(name = "allowing {0} makes {1} permitted: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            127.0.0.0/8                | 127.0.0.1          | true
            127.0.0.0/8                | ::ffff:127.0.0.1   | true
            127.0.0.0/8                | ::127.0.0.1        | true
            127.0.0.0/8                | 64:ff9b::7f00:1    | true
            127.0.0.0/8                | 2002:7f00:1::1     | true
            127.0.0.0/8                | 10.0.0.1           | false
            127.0.0.0/8                | ::1                | false
            0.0.0.0/0                  | ::1                | false
            ::1/128                    | ::1                | true
            ::1                        | ::1                | true
            10.0.0.0/8                 | 10.200.3.4         | true
            10.0.0.0/8                 | 8.8.8.8            | true
            10.1.2.3                   | 10.1.2.3           | true
            10.1.2.3                   | 10.1.2.4           | false
            10.1.2.3/32                | 10.1.2.3           | true
            192.168.0.0/24             | 192.168.1.1        | false
            192.168.0.0/23             | 192.168.1.1        | true
            172.16.0.0/12, fd00::/8    | 172.20.0.1         | true
            172.16.0.0/12, fd00::/8    | fd12::1            | true
            fd00::/8                   | fc00::1            | false
            fe80::/10                  | fe80::1            | true
            ::ffff:10.0.0.0/104        | 10.9.9.9           | true
            ::ffff:10.0.0.0/104        | 172.16.0.1         | false
            169.254.169.254            | 169.254.169.253    | false
            0.0.0.0/0                  | 127.0.0.1          | true
            100.64.0.0/10              | 100.100.100.100    | true
            """)
    void allowedNetworksPermitWhatTheyCover(String networks, String address, boolean permitted) throws Exception {
        AddressPolicy policy = new AddressPolicy(Arrays.asList(networks.split(",")));

        assertThat(policy.permits(InetAddress.getByName(address))).isEqualTo(permitted);
    }

    @Test
    void checksIpv4MappedAddressesThatJavaDidNotConvert() throws Exception {
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 1};
        InetAddress address = Inet6Address.getByAddress(null, mapped, -1);

        assertThat(address).isInstanceOf(Inet6Address.class);
        assertThat(publicOnly.permits(address)).isFalse();
        assertThat(publicOnly.describe(address)).isEqualTo("loopback via IPv4-mapped");
        assertThat(new AddressPolicy(List.of("127.0.0.0/8")).permits(address)).isTrue();
    }

    @Test
    void ignoresBlankEntries() throws Exception {
        AddressPolicy policy = new AddressPolicy(List.of("", "  ", " 10.0.0.0/8 "));

        assertThat(policy.permits(InetAddress.getByName("10.0.0.1"))).isTrue();
        assertThat(policy.permits(InetAddress.getByName("127.0.0.1"))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "10.0.0.0/8/8", "10.0.0.0/x", "localhost",
            "example.com/24", "10.0.0/8", "0177.0.0.0/8", "1.2.3.4.5", "::1/129", "::ffff:10.0.0.0/95", "10.0.0.1/8",
            "fe80::1/10", "fd00::/7x", "[1.2.3.4]", "gg::1", "10.0.0.0 /8"})
    void rejectsInvalidNetworksNamingTheEntry(String entry) {
        assertThatIllegalArgumentException().isThrownBy(() -> new AddressPolicy(List.of("127.0.0.0/8", entry)))
                .withMessageContaining("'" + entry + "'")
                .withMessageContaining("fetchline.fetch.allowed-networks");
    }

    @Test
    void suggestsTheNetworkWhenHostBitsAreSet() {
        assertThatIllegalArgumentException().isThrownBy(() -> new AddressPolicy(List.of("10.1.2.3/8")))
                .withMessageContaining("did you mean 10.0.0.0/8?");
    }

    @ParameterizedTest(name = "{0} reads as {1}")
    @CsvSource(delimiter = '|', textBlock = """
            2130706433          | 127.0.0.1
            0x7f000001          | 127.0.0.1
            0X7F000001          | 127.0.0.1
            017700000001        | 127.0.0.1
            0x7f.0.0.1          | 127.0.0.1
            0x7f.1              | 127.0.0.1
            0177.0.0.1          | 127.0.0.1
            0177.1              | 127.0.0.1
            127.1               | 127.0.0.1
            127.0.1             | 127.0.0.1
            127.0.0.010         | 127.0.0.8
            127.0.0.01          | 127.0.0.1
            127.0.0.1.          | 127.0.0.1
            0                   | 0.0.0.0
            0x                  | 0.0.0.0
            0xa9fea9fe          | 169.254.169.254
            0x08.0x08.0x08.0x08 | 8.8.8.8
            134744072           | 8.8.8.8
            """)
    void flagsNumericHostsThatAreNotDottedQuads(String host, String readAs) {
        assertThat(AddressPolicy.ambiguousHost(host)).hasValueSatisfying(message -> assertThat(message)
                .startsWith(host + " is not a canonical IPv4 address")
                .contains("read it as " + readAs + ")"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"999.1.1.1", "08.0.0.1", "0x1ffffffff", "4294967296", "1.2.3.4.5", "256.1", "1.2.65536",
            "example.123", "foo.0x10", "1..2", "[::ffff:0177.0.0.1]", "::ffff:127.1.1.01", "::ffff:1.2.3.4."})
    void flagsHostsThatOnlyLookNumeric(String host) {
        assertThat(AddressPolicy.ambiguousHost(host)).isPresent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "8.8.8.8", "0.0.0.0", "255.255.255.255", "example.com", "files.example.com.",
            "cafe", "deadbeef", "0x.example", "1e100.net", "123.example.com", "::1", "[::1]", "[::ffff:127.0.0.1]",
            "::ffff:8.8.8.8", "fe80::1%eth0.5", ""})
    void leavesNamesAndCanonicalAddressesToTheResolver(String host) {
        assertThat(AddressPolicy.ambiguousHost(host)).isEmpty();
    }
}
