package io.fetchline;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.beans.factory.InitializingBean;

import io.fetchline.api.EventStreams;
import io.fetchline.job.JobService;
import io.fetchline.job.JobState;
import io.fetchline.metrics.FetchlineMetrics;

/** Binds the job and event gauges to what counts them: neither package knows the other. */
@Configuration(proxyBeanMethods = false)
class JobGauges {

    @Bean
    InitializingBean jobGaugesBinding(FetchlineMetrics metrics, JobService jobs) {
        return () -> metrics.bindJobs(
                () -> jobs.countJobs(JobState.QUEUED) + jobs.countJobs(JobState.RUNNING),
                () -> jobs.countJobs(JobState.PAUSED));
    }

    @Bean
    InitializingBean eventGaugeBinding(FetchlineMetrics metrics, EventStreams streams) {
        return () -> metrics.bindEvents(streams::subscribers);
    }
}
