package io.fetchline;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class FetchlineApplication {

    public static void main(String[] args) {
        SpringApplication.run(FetchlineApplication.class, args);
    }
}
