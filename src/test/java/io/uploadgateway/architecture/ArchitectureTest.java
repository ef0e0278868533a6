package io.uploadgateway.architecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.ws.rs.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The rules of docs/architecture.md, held against the compiled main classes. */
class ArchitectureTest {

    private static final String BASE = "io.uploadgateway";
    /** Every room's repository: upload/ledger, events/ledger, … */
    private static final String LEDGER = BASE + "..ledger..";
    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages(BASE);
    }

    @Test
    void packagesHaveNoCycles() {
        slices().matching(BASE + ".(**)").should().beFreeOfCycles().check(main);
    }

    @Test
    void resourcesNeverTouchStorageTheLedgerOrTheSdk() {
        noClasses().that().areAnnotatedWith(Path.class)
                .should().dependOnClassesThat().resideInAnyPackage(BASE + ".storage..", LEDGER, "software.amazon..")
                .check(main);
    }

    @Test
    void onlyStorageSpeaksToTheAwsSdk() {
        noClasses().that().resideOutsideOfPackage(BASE + ".storage..")
                .should().dependOnClassesThat().resideInAPackage("software.amazon..")
                .check(main);
    }

    @Test
    void storageKnowsNothingOfTheRestOfTheGateway() {
        noClasses().that().resideInAPackage(BASE + ".storage..")
                .should().dependOnClassesThat().resideInAnyPackage(BASE + ".upload..", BASE + ".admin..", BASE + ".web..",
                        BASE + ".health..", BASE + ".security..")
                .check(main);
    }

    @Test
    void onlyOutboundCallsTheAppBackend() {
        noClasses().that().resideOutsideOfPackage(BASE + ".outbound..")
                .should().dependOnClassesThat().haveFullyQualifiedName("io.vertx.core.http.HttpClient")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("io.vertx.core.http.HttpClientRequest")
                .check(main);
    }

    @Test
    void queriesLiveOnlyInTheLedger() {
        noClasses().that().resideOutsideOfPackage(LEDGER)
                .should().dependOnClassesThat().resideInAnyPackage("org.hibernate.reactive..", "io.vertx.mutiny.sqlclient..",
                        "io.vertx.mutiny.pgclient..", "io.quarkus.panache.common..")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("io.quarkus.hibernate.reactive.panache.Panache")
                .orShould().callMethodWhere(panacheQueryOrWrite())
                .check(main);
    }

    @Test
    void theDomainDependsOnNoUseCaseNorPlumbing() {
        noClasses().that().resideInAPackage(BASE + ".upload")
                .should().dependOnClassesThat().resideInAnyPackage(LEDGER, BASE + ".upload.rest..", BASE + ".web..",
                        BASE + ".admin..", BASE + ".security..", BASE + ".health..", "jakarta.ws.rs..", "io.vertx..")
                .check(main);
    }

    @Test
    void httpPlumbingKnowsNoUseCase() {
        noClasses().that().resideInAPackage(BASE + ".web..")
                .should().dependOnClassesThat().resideInAnyPackage(BASE + ".upload..", BASE + ".admin..")
                .check(main);
    }

    @Test
    void onlyTheDevProfileWiringUsesTheEmbeddedStack() {
        noClasses().that().resideOutsideOfPackage(BASE + ".embedded..")
                .should().dependOnClassesThat().resideInAnyPackage(BASE + ".embedded..", "io.zonky..", "org.gaul..", "org.jclouds..")
                .check(main);
    }

    /** SQL and HQL name states through the enum's parameters, never as literals such as {@code 'UPLOADING'}. */
    @Test
    void noQuerySpellsAStateAsALiteral() throws IOException {
        Pattern stateLiteral = Pattern.compile("'(UPLOADING|COMPLETING|COMPLETED|ABORTING|ABORTED|EXPIRED)'");
        try (Stream<java.nio.file.Path> files = Files.walk(java.nio.file.Path.of("src/main/java"))) {
            List<String> offenders = files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> {
                        try {
                            return stateLiteral.matcher(Files.readString(f)).find();
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    })
                    .map(java.nio.file.Path::toString).toList();
            assertEquals(List.of(), offenders);
        }
    }

    /** Panache's active-record queries and writes (static finders, update, delete, persist) on ledger entities. */
    private static DescribedPredicate<JavaMethodCall> panacheQueryOrWrite() {
        List<String> names = List.of("find", "findAll", "findById", "list", "listAll", "stream", "streamAll", "count",
                "update", "delete", "deleteAll", "deleteById", "persist", "persistAndFlush", "flush", "getSession");
        return DescribedPredicate.describe("a Panache query or write on an entity",
                call -> call.getTargetOwner().isAssignableTo(PanacheEntityBase.class) && names.contains(call.getName()));
    }
}
