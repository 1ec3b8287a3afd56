package io.fetchline.security;

import java.net.InetAddress;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;

/**
 * Warns when the API listens beyond this machine without an API key: the container image listens on
 * {@code 0.0.0.0}, and a forgotten key there lets anyone who reaches the port make the service fetch for them.
 */
final class ExposureWarning implements ApplicationListener<WebServerInitializedEvent> {

    private static final Logger log = LoggerFactory.getLogger(ExposureWarning.class);

    private final Environment environment;
    private final boolean apiKeysSet;

    ExposureWarning(Environment environment, boolean apiKeysSet) {
        this.environment = environment;
        this.apiKeysSet = apiKeysSet;
    }

    @Override
    public void onApplicationEvent(WebServerInitializedEvent event) {
        // A separate management server ("management" namespace) serves only the endpoints that are open anyway.
        if (event.getApplicationContext().getServerNamespace() == null) {
            check(event.getWebServer().getPort());
        }
    }

    /** @return whether it warned */
    boolean check(int port) {
        InetAddress address = Binder.get(environment).bind("server.address", InetAddress.class).orElse(null);
        if (apiKeysSet || isLoopback(address)) {
            return false;
        }
        log.warn("Listening on {} port {} without an API key: anyone who can reach it may submit downloads and read"
                + " every job. Set fetchline.security.api-keys, or server.address=127.0.0.1 to keep it local.",
                address == null ? "all interfaces" : address.getHostAddress(), port);
        return true;
    }

    private static boolean isLoopback(@Nullable InetAddress address) {
        return address != null && address.isLoopbackAddress();
    }
}
