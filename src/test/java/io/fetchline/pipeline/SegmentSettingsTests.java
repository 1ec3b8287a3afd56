package io.fetchline.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.util.unit.DataSize;

import io.fetchline.config.FetchlineProperties;
import io.fetchline.job.Segment;

/** The two settings of segmented downloads, and how a file is split into segments. */
class SegmentSettingsTests {

    @Test
    void defaultsAreThoseOfTheContract() {
        FetchlineProperties.Fetch fetch = bind(Map.of()).fetch();

        assertThat(fetch.segments()).isEqualTo(4);
        assertThat(fetch.segmentMinSize()).isEqualTo(DataSize.ofMegabytes(16));
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
            "fetchline.fetch.segments, 0, fetchline.fetch.segments must be from 1",
            "fetchline.fetch.segments, 17, fetchline.fetch.segments must be from 1",
            "fetchline.fetch.segment-min-size, 0, fetchline.fetch.segment-min-size must be positive"})
    void badValuesFailWithAMessageNamingTheSetting(String name, String value, String message) {
        assertThatThrownBy(() -> bind(Map.of(name, value))).rootCause().hasMessageStartingWith(message);
    }

    @Test
    void segmentsSplitTheFileEvenlyOnAlignedBoundariesAndCoverItOnce() {
        long size = 100 * 1024 * 1024 + 7;

        List<Segment> plan = Segments.plan(size, 4);

        assertThat(plan).hasSize(4);
        long next = 0;
        for (Segment segment : plan) {
            assertThat(segment.start()).isEqualTo(next).satisfies(start ->
                    assertThat(start % Segments.ALIGNMENT).isZero());
            assertThat(segment.stored()).isZero();
            next = segment.end();
        }
        assertThat(next).isEqualTo(size);
        assertThat(plan.get(0).end()).isCloseTo(size / 4, org.assertj.core.data.Offset.offset(Segments.ALIGNMENT));
    }

    @Test
    void aFileSplitAfterItsFirstBytesKeepsThemInTheFirstSegmentAndSplitsTheRestEvenly() {
        long size = 64L * 1024 * 1024;
        long stored = 10L * 1024 * 1024 + 3;

        List<Segment> plan = Segments.plan(stored, size, 4);

        assertThat(plan).hasSize(4);
        assertThat(plan.get(0).start()).isZero();
        assertThat(plan.get(0).stored()).isEqualTo(stored);
        long next = 0;
        for (Segment segment : plan) {
            assertThat(segment.start()).isEqualTo(next);
            assertThat(segment.start() % Segments.ALIGNMENT).isZero();
            next = segment.end();
        }
        assertThat(next).isEqualTo(size);
        long each = (size - stored) / 4;
        assertThat(plan.get(0).end() - stored).isCloseTo(each, org.assertj.core.data.Offset.offset(Segments.ALIGNMENT));
        assertThat(plan.subList(1, 4)).allSatisfy(segment -> {
            assertThat(segment.stored()).isZero();
            assertThat(segment.end() - segment.start()).isCloseTo(each,
                    org.assertj.core.data.Offset.offset(Segments.ALIGNMENT));
        });
    }

    @Test
    void aFileTooSmallForThatManyAlignedSegmentsGetsFewer() {
        assertThat(Segments.plan(100 * 1024, 4)).hasSize(2);
        assertThat(Segments.plan(1000, 4)).hasSize(1);
    }

    @Test
    void eachSegmentCountsOnlyTheBytesStoredFromItsStartWithoutAGap() {
        Segments segments = new Segments(List.of(new Segment(0, 1000, 0), new Segment(1000, 2000, 100),
                new Segment(2000, 2500, 0)), new io.fetchline.fetch.Cancellation(), true);

        segments.stored(0, 200);
        segments.stored(1200, 100);
        segments.stored(2000, 500);

        assertThat(segments.snapshot()).containsExactly(new Segment(0, 1000, 200), new Segment(1000, 2000, 100),
                new Segment(2000, 2500, 500));
        segments.stored(1100, 100);
        assertThat(segments.snapshot().get(1)).isEqualTo(new Segment(1000, 2000, 300));
        assertThat(segments.storedBytes()).isEqualTo(1000);
    }

    private static FetchlineProperties bind(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties)).bindOrCreate("fetchline",
                FetchlineProperties.class);
    }
}
