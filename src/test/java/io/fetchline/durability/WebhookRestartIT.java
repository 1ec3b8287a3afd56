package io.fetchline.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fetchline.FetchlineClient;
import io.fetchline.webhook.WebhookReceiver;
import io.fetchline.webhook.WebhookReceiver.Received;

/**
 * A pending delivery lives in the store, not in the process: killed while the receiver fails, or stopped in the
 * middle of an attempt, the service sends it after its restart, with the same id and body.
 */
class WebhookRestartIT extends ServiceProcessTest {

    private static final Duration FINISH = Duration.ofSeconds(90);
    private static final String SECRET = "whsec_YS0zMi1ieXRlLXRlc3Qtc2VjcmV0LWZvci1ob29rcyE=";

    private WebhookReceiver receiver;

    @BeforeEach
    void startReceiver() {
        receiver = WebhookReceiver.start("127.0.0.1");
    }

    @AfterEach
    void stopReceiver() {
        receiver.close();
    }

    @Test
    void aDeliveryPendingAtSigkillIsSentAfterTheRestartWithTheSameId() throws SQLException {
        origin.file("/hooked/kill.bin", 4096, 1);
        receiver.answer(IntStream.generate(() -> 500).limit(100).toArray());
        service = new ServiceProcess("webhook-kill", home, "--fetchline.webhooks.retry-delays=3s");
        FetchlineClient first = service.start();
        String id = submit(first, "/hooked/kill.bin");
        first.awaitState(id, "SUCCEEDED", FINISH);
        await().atMost(FINISH).pollInterval(Duration.ofMillis(50))
                .until(() -> first.job(id).get("webhook").get("attempts").asInt() >= 1);

        service.kill();

        String webhookId = receiver.received().get(0).header("webhook-id");
        try (Connection db = service.database(); Statement sql = db.createStatement();
                ResultSet rows = sql.executeQuery("SELECT id, state FROM webhook_deliveries")) {
            assertThat(rows.next()).as("a delivery row").isTrue();
            assertThat(rows.getString("id")).isEqualTo(webhookId);
            assertThat(rows.getString("state")).isEqualTo("PENDING");
            assertThat(rows.next()).as("one delivery row").isFalse();
        }
        receiver.answer();
        FetchlineClient api = service.start();

        awaitDelivered(api, id);
        List<Received> requests = receiver.received();
        assertThat(requests.size()).isGreaterThanOrEqualTo(2);
        assertThat(requests).allSatisfy(request -> {
            assertThat(request.header("webhook-id")).isEqualTo(webhookId);
            assertThat(request.body()).isEqualTo(requests.get(0).body());
            assertThat(request.signedWith(SECRET)).isTrue();
        });
        assertThat(Long.parseLong(requests.get(requests.size() - 1).header("webhook-timestamp")))
                .as("each attempt is signed at its own time, seconds after the killed one's")
                .isGreaterThan(Long.parseLong(requests.get(0).header("webhook-timestamp")));
    }

    @Test
    void anAttemptCutShortByAStopIsMadeAgainAfterTheRestart() {
        origin.file("/hooked/stop.bin", 4096, 2);
        receiver.answer(WebhookReceiver.SILENCE);
        service = new ServiceProcess("webhook-stop", home, "--fetchline.webhooks.timeout=60s");
        FetchlineClient first = service.start();
        String id = submit(first, "/hooked/stop.bin");
        first.awaitState(id, "SUCCEEDED", FINISH);
        await().atMost(FINISH).pollInterval(Duration.ofMillis(50)).until(() -> !receiver.received().isEmpty());

        // The receiver stays silent and the timeout is a minute: the stop has to break the attempt to be this quick.
        service.terminate(Duration.ofSeconds(20));

        FetchlineClient api = service.start();
        awaitDelivered(api, id);
        List<Received> requests = receiver.received();
        assertThat(requests).hasSize(2);
        assertThat(requests.get(1).header("webhook-id")).isEqualTo(requests.get(0).header("webhook-id"));
        assertThat(requests.get(1).body()).isEqualTo(requests.get(0).body());
        assertThat(api.job(id).get("webhook").get("attempts").asInt())
                .as("the attempt the stop broke is not the receiver's failure").isEqualTo(1);
    }

    private String submit(FetchlineClient api, String path) {
        return api.submitJson("{\"urls\": [\"" + origin.url(path) + "\"], \"webhook\": {\"url\": \""
                + receiver.url("/hook") + "\", \"secret\": \"" + SECRET + "\"}}");
    }

    private static void awaitDelivered(FetchlineClient api, String id) {
        await().atMost(FINISH).pollInterval(Duration.ofMillis(100))
                .until(() -> "DELIVERED".equals(api.job(id).get("webhook").get("state").asString()));
    }
}
