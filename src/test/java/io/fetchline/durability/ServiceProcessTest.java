package io.fetchline.durability;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import io.fetchline.origin.TestOrigin;

/** A real origin per class and, per test, a folder for the packaged service, stopped whatever happens. */
abstract class ServiceProcessTest {

    static final int MiB = 1024 * 1024;

    static TestOrigin origin;

    @TempDir
    Path home;

    ServiceProcess service;

    @BeforeAll
    static void startOrigin() {
        origin = TestOrigin.start();
    }

    @AfterAll
    static void stopOrigin() {
        origin.close();
    }

    @AfterEach
    void stopService() {
        if (service != null) {
            service.close();
        }
    }
}
