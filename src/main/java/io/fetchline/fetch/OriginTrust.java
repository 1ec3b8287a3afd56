package io.fetchline.fetch;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.HostnameVerificationPolicy;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.ssl.SslBundle;

/**
 * The certificate authorities https origins are verified against: the JVM's own, plus the trust material of the
 * Spring SSL bundle named by {@code fetchline.fetch.ssl-bundle}. Both go into one trust store, so that one PKIX
 * validation sees every anchor; the JDK checks the host name during the handshake.
 */
public final class OriginTrust {

    private final SSLContext context;
    private final X509TrustManager trustManager;
    private final String description;

    private OriginTrust(X509TrustManager trustManager, String description) throws GeneralSecurityException {
        this.context = SSLContext.getInstance("TLS");
        this.context.init(null, new TrustManager[] {trustManager}, null);
        this.trustManager = trustManager;
        this.description = description;
    }

    /** The JVM's certificate authorities alone (its {@code cacerts}, or {@code javax.net.ssl.trustStore}). */
    public static OriginTrust jvmDefaults() {
        try {
            return new OriginTrust(trustManager(null), "the JVM's certificate authorities");
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException("cannot set up TLS: " + ex.getMessage(), ex);
        }
    }

    /**
     * The JVM's certificate authorities and every certificate in the bundle's trust store.
     *
     * @throws IllegalStateException when the bundle has no trust store
     */
    public static OriginTrust withBundle(String name, SslBundle bundle) {
        KeyStore bundleTrust = bundle.getStores().getTrustStore();
        if (bundleTrust == null) {
            throw new IllegalStateException("The SSL bundle '" + name + "' named by fetchline.fetch.ssl-bundle has no"
                    + " trust store; give it one, e.g. spring.ssl.bundle.pem." + name
                    + ".truststore.certificate=file:/etc/fetchline/ca.pem");
        }
        try {
            KeyStore combined = KeyStore.getInstance(KeyStore.getDefaultType());
            combined.load(null, null);
            int jvm = 0;
            for (X509Certificate anchor : trustManager(null).getAcceptedIssuers()) {
                combined.setCertificateEntry("jvm-" + jvm++, anchor);
            }
            int added = 0;
            for (Certificate certificate : certificates(bundleTrust)) {
                combined.setCertificateEntry("bundle-" + added++, certificate);
            }
            return new OriginTrust(trustManager(combined), "the JVM's " + jvm + " certificate authorities and "
                    + added + (added == 1 ? " certificate" : " certificates") + " from SSL bundle '" + name + "'");
        } catch (GeneralSecurityException | IOException ex) {
            throw new IllegalStateException("cannot use the trust store of SSL bundle '" + name + "': "
                    + ex.getMessage(), ex);
        }
    }

    /** The TLS setup for the connection manager; the host name is checked by the JDK (endpoint identification). */
    TlsSocketStrategy tls() {
        return new DefaultClientTlsStrategy(context, HostnameVerificationPolicy.BUILTIN, null);
    }

    public String describe() {
        return "https origins are verified against " + description;
    }

    @Override
    public String toString() {
        return describe();
    }

    /** A failed handshake with the origin, as the item's {@code TLS} error, saying which of the usual causes it is. */
    static FetchFailure failure(String host, SSLException ex) {
        Throwable root = ex;
        boolean untrusted = false;
        boolean wrongHost = ex instanceof SSLPeerUnverifiedException;
        for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
            untrusted |= cause instanceof CertPathBuilderException || cause instanceof CertPathValidatorException;
            wrongHost |= cause instanceof CertificateException && cause.getMessage() != null
                    && cause.getMessage().startsWith("No ") && cause.getMessage().contains("matching");
            root = cause;
        }
        String detail = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        if (wrongHost) {
            return new FetchFailure(ErrorCode.TLS, "the certificate of " + host + " is not valid for that name: "
                    + detail, ex);
        }
        if (untrusted) {
            return new FetchFailure(ErrorCode.TLS, "the certificate of " + host + " is not trusted (" + detail
                    + "); trust its certificate authority with fetchline.fetch.ssl-bundle", ex);
        }
        return new FetchFailure(ErrorCode.TLS, "TLS handshake with " + host + " failed: " + detail, ex);
    }

    /** Every certificate authority a handshake may chain up to. */
    X509Certificate[] acceptedIssuers() {
        return trustManager.getAcceptedIssuers();
    }

    /** The platform's PKIX trust manager over {@code store}, or over the JVM's own when it is null. */
    private static X509TrustManager trustManager(@Nullable KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        for (TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509TrustManager x509) {
                return x509;
            }
        }
        throw new IllegalStateException("no X.509 trust manager in " + factory.getAlgorithm());
    }

    private static List<Certificate> certificates(KeyStore store) throws GeneralSecurityException {
        List<Certificate> certificates = new ArrayList<>();
        for (String alias : Collections.list(store.aliases())) {
            @Nullable Certificate certificate = store.getCertificate(alias);
            if (certificate != null) {
                certificates.add(certificate);
            }
        }
        return certificates;
    }
}
