package io.fetchline.fetch;

import org.apache.hc.client5.http.DnsResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.fetchline.config.FetchlineProperties;

@Configuration(proxyBeanMethods = false)
class OriginConfiguration {

    private static final Logger log = LoggerFactory.getLogger(OriginConfiguration.class);

    @Bean
    AddressPolicy addressPolicy(FetchlineProperties properties) {
        return new AddressPolicy(properties.fetch().allowedNetworks());
    }

    /** Every connection, first request and redirect hop alike, goes to an address this resolver vetted. */
    @Bean
    DnsResolver dnsResolver(AddressPolicy policy) {
        return new PolicyDnsResolver(policy);
    }

    @Bean
    OriginProxies originProxies(FetchlineProperties properties) {
        FetchlineProperties.Fetch fetch = properties.fetch();
        OriginProxies proxies = OriginProxies.of(fetch.proxy(), fetch.noProxy(), System.getenv());
        log.info("{}", proxies.describe());
        return proxies;
    }

    @Bean
    OriginTrust originTrust(FetchlineProperties properties, ObjectProvider<SslBundles> bundles) {
        String name = properties.fetch().sslBundle();
        OriginTrust trust = name == null || name.isBlank() ? OriginTrust.jvmDefaults()
                : OriginTrust.withBundle(name, bundles.getObject().getBundle(name));
        log.info("{}", trust.describe());
        return trust;
    }

    @Bean
    OriginConnections originConnections(DnsResolver resolver, OriginProxies proxies, OriginTrust trust) {
        return new OriginConnections(resolver, proxies, trust);
    }

    /**
     * Masks the password of a proxy URL wherever an actuator endpoint shows a setting whose name ends in "proxy"
     * ({@code fetchline.fetch.proxy}, {@code https_proxy}, {@code HTTP_PROXY} ...), should someone expose the env or
     * configprops endpoint with its values shown.
     */
    @Bean
    SanitizingFunction proxyPasswords() {
        return data -> data.getValue() instanceof String value && data.getLowerCaseKey().endsWith("proxy")
                ? data.withValue(masked(value)) : data;
    }

    private static String masked(String proxy) {
        // Urls.masked needs a scheme, which curl lets proxy settings leave out.
        return proxy.contains("://") ? Urls.masked(proxy)
                : Urls.masked("http://" + proxy).substring("http://".length());
    }
}
