package io.fetchline.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.security.KeyStore;
import java.security.cert.X509Certificate;

import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

import org.junit.jupiter.api.Test;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslStoreBundle;

import io.fetchline.origin.TestAuthority;

/** The certificate authorities an https origin may chain up to: the JVM's, plus the SSL bundle's. */
class OriginTrustTests {

    @Test
    void aBundleAddsItsCertificatesToTheJvmsAuthoritiesInsteadOfReplacingThem() throws Exception {
        TestAuthority first = TestAuthority.create("First CA");
        TestAuthority second = TestAuthority.create("Second CA");
        KeyStore bundleTrust = KeyStore.getInstance("PKCS12");
        bundleTrust.load(null, null);
        bundleTrust.setCertificateEntry("first", first.certificate());
        bundleTrust.setCertificateEntry("second", second.certificate());

        OriginTrust trust = OriginTrust.withBundle("origins", SslBundle.of(SslStoreBundle.of(null, null, bundleTrust)));

        X509Certificate[] jvm = jvmAuthorities();
        assertThat(jvm).isNotEmpty();
        assertThat(trust.acceptedIssuers()).contains(jvm).contains(first.certificate(), second.certificate())
                .hasSize(jvm.length + 2);
        assertThat(trust.describe()).isEqualTo("https origins are verified against the JVM's " + jvm.length
                + " certificate authorities and 2 certificates from SSL bundle 'origins'");
    }

    @Test
    void withoutABundleOnlyTheJvmsAuthoritiesCount() throws Exception {
        assertThat(OriginTrust.jvmDefaults().acceptedIssuers()).containsExactlyInAnyOrder(jvmAuthorities());
    }

    @Test
    void refusesABundleWithoutATrustStore() {
        assertThatIllegalStateException()
                .isThrownBy(() -> OriginTrust.withBundle("client", SslBundle.of(SslStoreBundle.NONE)))
                .withMessageContaining("The SSL bundle 'client' named by fetchline.fetch.ssl-bundle has no trust store")
                .withMessageContaining("spring.ssl.bundle.pem.client.truststore.certificate=");
    }

    private static X509Certificate[] jvmAuthorities() throws Exception {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init((KeyStore) null);
        return ((X509TrustManager) factory.getTrustManagers()[0]).getAcceptedIssuers();
    }
}
