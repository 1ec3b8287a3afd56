package io.fetchline.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * Packages point one way (DESIGN.md): {@code api → job ← pipeline → fetch, storage}, and {@code webhook → api, job,
 * fetch}; {@code job} depends on no other package of ours, {@code fetch}, {@code storage} and {@code metrics} know
 * nothing of jobs, and no cycle joins any two packages. The application's root package wires them and is in none of the slices.
 */
@AnalyzeClasses(packages = "io.fetchline", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTests {

    @ArchTest
    static final ArchRule noCycleBetweenPackages = slices().matching("io.fetchline.(*)..").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule jobDependsOnNothingOfOurs = noClasses().that().resideInAPackage("io.fetchline.job..")
            .should().dependOnClassesThat().resideInAnyPackage("io.fetchline.api..", "io.fetchline.pipeline..",
                    "io.fetchline.fetch..", "io.fetchline.storage..", "io.fetchline.metrics..",
                    "io.fetchline.security..", "io.fetchline.config..", "io.fetchline.webhook..");

    @ArchTest
    static final ArchRule fetchAndStorageKnowNothingOfJobs = noClasses()
            .that().resideInAnyPackage("io.fetchline.fetch..", "io.fetchline.storage..")
            .should().dependOnClassesThat().resideInAnyPackage("io.fetchline.job..", "io.fetchline.pipeline..",
                    "io.fetchline.api..", "io.fetchline.webhook..");

    @ArchTest
    static final ArchRule metricsReadsThroughWhatOthersBind = noClasses().that().resideInAPackage("io.fetchline.metrics..")
            .should().dependOnClassesThat().resideInAnyPackage("io.fetchline.job..", "io.fetchline.pipeline..",
                    "io.fetchline.fetch..", "io.fetchline.storage..", "io.fetchline.api..", "io.fetchline.webhook..");

    @ArchTest
    static final ArchRule onlyTheApiServesHttp = noClasses().that().resideOutsideOfPackages("io.fetchline.api..",
            "io.fetchline.security..")
            .should().dependOnClassesThat().resideInAPackage("org.springframework.web.bind.annotation..");
}
