package io.fetchline.pipeline;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A chunk pool that cannot fit the heap is a start-up error, not fetchers dying under load. */
class ChunkPoolBoundTests {

    private static final long HEAP_256M = 256L << 20;

    @Test
    void theDefaultsFitTheShippedHeap() {
        assertThatCode(() -> Pipeline.requireRoomFor(256 + 2 * 16 + 2, 256 << 10, HEAP_256M))
                .doesNotThrowAnyException();
    }

    @Test
    void aPoolOfMoreThanHalfTheHeapIsRefusedWithTheSettingsToChange() {
        assertThatThrownBy(() -> Pipeline.requireRoomFor(256 + 2 * 16 + 2, 1 << 20, HEAP_256M))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("290 MB")
                .hasMessageContaining("fetchline.pipeline.chunk-size 1024 KB")
                .hasMessageContaining("-Xmx");
    }
}
