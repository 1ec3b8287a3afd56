package io.fetchline;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.fetchline.metrics.FetchlineMetrics;

/**
 * Binds {@code fetchline_storage_writable} to the storage component of the health endpoint, so that the metric and
 * {@code /actuator/health} never disagree, whatever the storage and its check become.
 */
@Configuration(proxyBeanMethods = false)
class StorageGauge {

    /** The storage health indicator's name: its bean name without "HealthIndicator". */
    private static final String STORAGE = "storage";

    @Bean
    InitializingBean storageGaugeBinding(FetchlineMetrics metrics, HealthContributorRegistry health) {
        return () -> metrics.bindStorage(() -> {
            HealthContributor storage = health.getContributor(STORAGE);
            return storage instanceof HealthIndicator indicator && Status.UP.equals(indicator.health().getStatus());
        });
    }
}
