package io.fetchline.security;

import java.util.Arrays;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpMethod;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.security.web.authentication.AuthenticationEntryPointFailureHandler;
import org.springframework.security.web.authentication.AuthenticationFilter;
import org.springframework.security.web.header.writers.DelegatingRequestMatcherHeaderWriter;
import org.springframework.security.web.header.writers.StaticHeadersWriter;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.NegatedRequestMatcher;
import org.springframework.security.web.util.matcher.OrRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;

import io.fetchline.config.FetchlineProperties;
import jakarta.servlet.DispatcherType;
import tools.jackson.databind.json.JsonMapper;

/**
 * With API keys configured, every request but the open actuator endpoints, the API's description and the web
 * page's files needs {@code Authorization: Bearer <key>}; without, everything is open. Either way the API stays
 * stateless: no session, no cookie, no login page, no CSRF token, no generated password.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    // Probes and Prometheus scrape these without credentials, and the API's description is public (API.md); they
    // reveal nothing a job or a key would.
    private static final String[] OPEN = {"/actuator/health", "/actuator/health/**", "/actuator/info",
            "/actuator/prometheus", "/v3/api-docs", "/v3/api-docs/**", "/v3/api-docs.yaml", "/swagger-ui.html",
            "/swagger-ui/**"};
    /** The web page and its assets: nothing in them is secret, and the page asks for the key itself. */
    private static final String[] PAGE = {"/", "/index.html", "/assets/**"};
    /**
     * The page loads only its own assets and talks only to this service; a browser enforces that, whatever an
     * injected string might try.
     */
    private static final String PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self';"
            + " img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /** Being an AuthenticationProvider bean is also what keeps Spring Boot from adding a user with a generated password. */
    @Bean
    ApiKeys apiKeys(FetchlineProperties properties) {
        return new ApiKeys(properties.security().apiKeys());
    }

    @Bean
    ExposureWarning exposureWarning(Environment environment, ApiKeys keys) {
        return new ExposureWarning(environment, !keys.isEmpty());
    }

    /** A bean, so that Spring Security's firewall also answers through it. */
    @Bean
    SecurityProblems securityProblems(JsonMapper json) {
        return new SecurityProblems(json);
    }

    @Bean
    SecurityFilterChain securityFilterChain(HttpSecurity http, ApiKeys keys, SecurityProblems problems) {
        // CSRF protects cookie and session credentials, which this API never issues: a bearer key is not sent by a
        // browser on its own, so a forged cross-site request cannot carry it.
        http.csrf(AbstractHttpConfigurer::disable)
                .sessionManagement(sessions -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(AbstractHttpConfigurer::disable)
                .formLogin(AbstractHttpConfigurer::disable)
                .httpBasic(AbstractHttpConfigurer::disable)
                .logout(AbstractHttpConfigurer::disable)
                .exceptionHandling(exceptions -> exceptions.authenticationEntryPoint(problems))
                .headers(headers -> headers.addHeaderWriter(new DelegatingRequestMatcherHeaderWriter(
                        paths("/", "/index.html"), new StaticHeadersWriter("Content-Security-Policy", PAGE_POLICY))));
        if (keys.isEmpty()) {
            return http.authorizeHttpRequests(requests -> requests.anyRequest().permitAll()).build();
        }
        AuthenticationFilter bearer = new AuthenticationFilter(new ProviderManager(keys), ApiKeys::fromRequest);
        // A health probe that happens to carry a stale key must still get its answer.
        bearer.setRequestMatcher(new NegatedRequestMatcher(paths(OPEN)));
        bearer.setSuccessHandler((request, response, authentication) -> {
        });
        bearer.setFailureHandler(new AuthenticationEntryPointFailureHandler(problems));
        return http.addFilterBefore(bearer, AuthorizationFilter.class)
                .authorizeHttpRequests(requests -> requests
                        // An error page is rendered only for a request that was already let through.
                        .dispatcherTypeMatchers(DispatcherType.ERROR).permitAll()
                        .requestMatchers(OPEN).permitAll()
                        .requestMatchers(HttpMethod.GET, PAGE).permitAll()
                        .anyRequest().authenticated())
                .build();
    }

    private static RequestMatcher paths(String... patterns) {
        return new OrRequestMatcher(Arrays.stream(patterns).<RequestMatcher>map(PathPatternRequestMatcher::pathPattern)
                .toList());
    }
}
