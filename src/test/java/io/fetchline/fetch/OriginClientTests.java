package io.fetchline.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.MalformedChunkCodingException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.util.unit.DataSize;

import io.fetchline.config.FetchlineProperties;

class OriginClientTests {

    private final OriginClient client = new OriginClient(new FetchlineProperties.Fetch(List.of("127.0.0.0/8"),
            Duration.ofMillis(1500), Duration.ofSeconds(30), 5, Duration.ofSeconds(1), Duration.ofSeconds(60), 10,
            DataSize.ofMegabytes(1), 8, null, null, null, null, 1, DataSize.ofMegabytes(16)), 2,
            new PolicyDnsResolver(new AddressPolicy(List.of("127.0.0.0/8"))));

    @AfterEach
    void close() throws IOException {
        client.close();
    }

    static Stream<Arguments> failures() throws UnknownHostException {
        return Stream.of(
                Arguments.of(new SocketTimeoutException("Read timed out"), ErrorCode.TIMEOUT,
                        "no data for 30s (fetchline.fetch.read-timeout)"),
                Arguments.of(new ConnectTimeoutException("Connect to http://a:80 failed: Connect timed out"),
                        ErrorCode.TIMEOUT, "no connection within 1.5s (fetchline.fetch.connect-timeout)"),
                Arguments.of(new ConnectionClosedException("Premature end of Content-Length delimited message body"),
                        ErrorCode.TRUNCATED, "connection closed early: Premature end of Content-Length delimited"
                                + " message body"),
                Arguments.of(new SocketException("Connection reset"), ErrorCode.CONNECTION,
                        "connection failed: Connection reset"),
                Arguments.of(new ConnectException("Connection refused"), ErrorCode.CONNECTION,
                        "cannot connect: Connection refused"),
                Arguments.of(new UnknownHostException("nowhere.invalid"), ErrorCode.CONNECTION,
                        "unknown host: nowhere.invalid"),
                Arguments.of(new MalformedChunkCodingException("Bad chunk header: xyz"), ErrorCode.PROTOCOL,
                        "broken HTTP response: Bad chunk header: xyz"),
                Arguments.of(new BlockedAddressException("intranet", InetAddress.getByName("10.0.0.1"), "private"),
                        ErrorCode.BLOCKED_ADDRESS, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void namesTheCauseAndTheSettingBehindIt(IOException thrown, ErrorCode code, String message) {
        FetchFailure failure = client.failureOf(thrown);

        assertThat(failure.code()).isEqualTo(code);
        if (message != null) {
            assertThat(failure.getMessage()).isEqualTo(message);
        }
    }
}
