package io.fetchline.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which proxy a URL goes through, from {@code fetchline.fetch.proxy}/{@code no-proxy} or, when the property is
 * unset, from the environment as curl reads it. The environment is a map here, since a JVM's own cannot be changed.
 */
class OriginProxiesTests {

    private static final Map<String, String> NO_ENV = Map.of();

    @Test
    void thePropertyServesHttpAndHttpsAlike() {
        OriginProxies proxies = OriginProxies.of("http://proxy.corp:3128", null, NO_ENV);

        assertThat(proxies.forTarget("http", "example.org")).map(OriginProxy::toString)
                .contains("http://proxy.corp:3128");
        assertThat(proxies.forTarget("https", "example.org")).map(OriginProxy::toString)
                .contains("http://proxy.corp:3128");
    }

    @Test
    void withoutAnyProxyEverythingGoesDirect() {
        OriginProxies proxies = OriginProxies.of(null, null, NO_ENV);

        assertThat(proxies.forTarget("http", "example.org")).isEmpty();
        assertThat(proxies.forTarget("https", "example.org")).isEmpty();
        assertThat(proxies.describe()).isEqualTo("Downloads connect to origins directly (no proxy configured)");
    }

    @Test
    void theEnvironmentGivesHttpProxyToHttpUrlsAndHttpsProxyToHttpsUrls() {
        OriginProxies proxies = OriginProxies.of(null, null,
                Map.of("http_proxy", "http://plain.corp:8080", "https_proxy", "http://secure.corp:8443"));

        assertThat(proxies.forTarget("http", "example.org")).map(OriginProxy::host).contains("plain.corp");
        assertThat(proxies.forTarget("https", "example.org")).map(OriginProxy::host).contains("secure.corp");
        assertThat(proxies.forTarget("HTTPS", "example.org")).map(OriginProxy::source).contains("https_proxy");
    }

    @Test
    void onlyTheSchemesWithAProxyVariableGoThroughOne() {
        OriginProxies proxies = OriginProxies.of(null, null, Map.of("https_proxy", "http://secure.corp:8443"));

        assertThat(proxies.forTarget("http", "example.org")).isEmpty();
        assertThat(proxies.forTarget("https", "example.org")).isPresent();
        assertThat(proxies.describe()).isEqualTo("Downloads go http URLs directly, https URLs through "
                + "http://secure.corp:8443 (from https_proxy)");
    }

    @Test
    void upperCaseVariablesCountAndLowerCaseOnesWin() {
        OriginProxies upper = OriginProxies.of(null, null,
                Map.of("HTTP_PROXY", "http://upper.corp:1", "HTTPS_PROXY", "http://upper.corp:2", "NO_PROXY", "a.org"));
        OriginProxies both = OriginProxies.of(null, null, Map.of("HTTPS_PROXY", "http://upper.corp:2",
                "https_proxy", "http://lower.corp:2", "NO_PROXY", "a.org", "no_proxy", "b.org"));

        assertThat(upper.forTarget("http", "example.org")).map(OriginProxy::source).contains("HTTP_PROXY");
        assertThat(upper.forTarget("https", "example.org")).map(OriginProxy::port).contains(2);
        assertThat(upper.forTarget("https", "a.org")).isEmpty();
        assertThat(both.forTarget("https", "example.org")).map(OriginProxy::host).contains("lower.corp");
        assertThat(both.forTarget("https", "b.org")).isEmpty();
        assertThat(both.forTarget("https", "a.org")).isPresent();
    }

    @Test
    void anEmptyVariableCountsAsUnset() {
        OriginProxies proxies = OriginProxies.of(null, null,
                Map.of("https_proxy", "", "HTTPS_PROXY", "http://upper.corp:2", "no_proxy", " "));

        assertThat(proxies.forTarget("https", "example.org")).map(OriginProxy::source).contains("HTTPS_PROXY");
    }

    @Test
    void thePropertyWinsOverTheEnvironmentNoProxyIncluded() {
        Map<String, String> env = Map.of("http_proxy", "http://env.corp:1", "https_proxy", "http://env.corp:2",
                "no_proxy", "example.org");

        OriginProxies proxies = OriginProxies.of("http://configured.corp:3128", null, env);

        assertThat(proxies.forTarget("https", "example.org")).map(OriginProxy::host).contains("configured.corp");
        assertThat(proxies.forTarget("http", "example.org")).map(OriginProxy::source)
                .contains("fetchline.fetch.proxy");
    }

    @Test
    void theNoProxyPropertyWinsOverTheVariable() {
        OriginProxies proxies = OriginProxies.of(null, List.of("b.org"),
                Map.of("https_proxy", "http://env.corp:2", "no_proxy", "a.org"));

        assertThat(proxies.forTarget("https", "a.org")).isPresent();
        assertThat(proxies.forTarget("https", "b.org")).isEmpty();
    }

    @Test
    void aStarNoProxyTurnsOffEveryProxyFromTheEnvironment() {
        OriginProxies proxies = OriginProxies.of(null, List.of("*"), Map.of("https_proxy", "http://env.corp:2"));

        assertThat(proxies.forTarget("https", "example.org")).isEmpty();
    }

    @ParameterizedTest(name = "no-proxy {0}: {1} direct = {2}")
    @CsvSource(delimiter = '|', textBlock = """
            example.com               | example.com        | true
            example.com               | www.example.com    | true
            example.com               | EXAMPLE.COM.       | true
            example.com               | badexample.com     | false
            example.com               | example.com.evil   | false
            .example.com              | example.com        | true
            .example.com              | a.b.example.com    | true
            .example.com              | xexample.com       | false
            intranet                  | intranet           | true
            intranet,  mirror.corp    | mirror.corp        | true
            intranet mirror.corp      | mirror.corp        | true
            10.1.2.3                  | 10.1.2.3           | true
            10.1.2.3                  | 10.1.2.4           | false
            10.0.0.0/8                | 10.200.1.1         | true
            10.0.0.0/8                | 11.0.0.1           | false
            10.0.0.0/8                | ten.example        | false
            fd00::/8                  | [fd12::1]          | true
            fd00::/8                  | fd12::1            | true
            [::1]                     | [::1]              | true
            ::1                       | [0:0:0:0:0:0:0:1]  | true
            ::1                       | [::2]              | false
            *                         | anything.org       | true
            *                         | 192.0.2.1          | true
            """)
    void noProxyMatchesAsCurlDoes(String noProxy, String host, boolean direct) {
        OriginProxies proxies = OriginProxies.of("http://proxy.corp:3128", Arrays.asList(noProxy.split(",")), NO_ENV);

        assertThat(proxies.forTarget("https", host).isEmpty()).isEqualTo(direct);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            http://proxy.corp:3128          | proxy.corp | 3128 |          |
            proxy.corp:3128                 | proxy.corp | 3128 |          |
            HTTP://proxy.corp:3128/         | proxy.corp | 3128 |          |
            http://proxy.corp               | proxy.corp | 1080 |          |
            http://10.0.0.5:8080            | 10.0.0.5   | 8080 |          |
            http://[fd00::5]:8080           | fd00::5    | 8080 |          |
            http://alice:s3cret@proxy:1     | proxy      | 1    | alice    | s3cret
            http://alice@proxy:1            | proxy      | 1    | alice    | ''
            http://al%40ce:p%3Aw%40rd@p:1   | p          | 1    | al@ce    | p:w@rd
            http://alice:p+w@p:1            | p          | 1    | alice    | p+w
            """)
    void readsProxyUrlsAsCurlDoes(String text, String host, int port, String user, String password) {
        OriginProxy proxy = OriginProxy.parse(text, "fetchline.fetch.proxy");

        assertThat(proxy.host()).isEqualTo(host);
        assertThat(proxy.port()).isEqualTo(port);
        assertThat(proxy.user()).isEqualTo(user);
        assertThat(proxy.password()).isEqualTo(password);
    }

    @Test
    void showsTheProxyWithItsPasswordMasked() {
        OriginProxies proxies = OriginProxies.of("http://alice:s3cret@proxy.corp:3128", List.of("intranet", ".corp"),
                NO_ENV);

        Optional<OriginProxy> proxy = proxies.forTarget("https", "example.org");
        assertThat(proxy).map(OriginProxy::toString).contains("http://alice:***@proxy.corp:3128");
        assertThat(proxies.describe()).isEqualTo("Downloads go every URL through http://alice:***@proxy.corp:3128"
                + " (from fetchline.fetch.proxy); directly to intranet,.corp");
        assertThat(proxies.toString()).doesNotContain("s3cret");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            socks5://alice:s3cret@proxy.corp:1080  | only http:// proxies are supported
            https://alice:s3cret@proxy.corp:443    | only http:// proxies are supported
            http://alice:s3cret@:3128              | it has no valid host
            alice:s3cret@proxy_corp:3128           | it has no valid host
            http://alice:s3cr%zzet@proxy.corp:1    | not a valid URL
            http://alice:s3cret@proxy corp:1       | not a valid URL
            """)
    void refusesWhatItCannotUseWithoutShowingThePassword(String text, String why) {
        assertThatIllegalArgumentException().isThrownBy(() -> OriginProxies.of(null, null, Map.of("HTTPS_PROXY", text)))
                .withMessageContaining("in HTTPS_PROXY")
                .withMessageContaining(why)
                .withMessageContaining("alice:***@")
                .withMessageNotContaining("s3cr");
    }

    @Test
    void refusesAMalformedNoProxyNetworkNamingTheSetting() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> OriginProxies.of("http://proxy:1", List.of("10.0.0.1/8"), NO_ENV))
                .withMessageContaining("'10.0.0.1/8' in fetchline.fetch.no-proxy")
                .withMessageContaining("did you mean 10.0.0.0/8?");
    }
}
