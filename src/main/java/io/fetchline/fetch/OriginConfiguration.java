package io.fetchline.fetch;

import org.apache.hc.client5.http.DnsResolver;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.fetchline.config.FetchlineProperties;

@Configuration(proxyBeanMethods = false)
class OriginConfiguration {

    @Bean
    AddressPolicy addressPolicy(FetchlineProperties properties) {
        return new AddressPolicy(properties.fetch().allowedNetworks());
    }

    /** Every connection, first request and redirect hop alike, goes to an address this resolver vetted. */
    @Bean
    DnsResolver dnsResolver(AddressPolicy policy) {
        return new PolicyDnsResolver(policy);
    }
}
