package io.fetchline.security;

import org.junit.jupiter.api.BeforeEach;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.TestPropertySource;

import io.fetchline.FetchlineClient;
import io.fetchline.FetchlineTest;

/**
 * The service with two API keys and only 127.0.0.1 allowed as an origin, so that 127.0.0.2 and every other internal
 * address stay refused. Every test class extending this shares one running service.
 */
@TestPropertySource(properties = {
        "fetchline.security.api-keys=" + KeyedFetchlineTest.KEY + ", " + KeyedFetchlineTest.OTHER_KEY,
        "fetchline.fetch.allowed-networks=127.0.0.1/32"})
@Import(FakeDns.class)
abstract class KeyedFetchlineTest extends FetchlineTest {

    static final String KEY = "flk_3c1f6a0e9b27d54c";

    static final String OTHER_KEY = "flk_second-key_88e2";

    @BeforeEach
    void authenticate() {
        api = new FetchlineClient(port).withApiKey(KEY);
    }

    /** A client that sends no key at all. */
    FetchlineClient anonymous() {
        return new FetchlineClient(port);
    }
}
