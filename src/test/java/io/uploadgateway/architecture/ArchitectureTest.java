package io.uploadgateway.architecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import io.uploadgateway.storage.MultipartStorage;
import io.uploadgateway.storage.Store;
import io.uploadgateway.storage.StoreCapabilities;
import io.uploadgateway.storage.UrlSigner;
import io.uploadgateway.upload.Ending;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.finish.Finisher;
import jakarta.ws.rs.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noFields;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The rules of docs/architecture.md, numbered as there, held against the compiled main classes. */
class ArchitectureTest {

    private static final String BASE = "io.uploadgateway";
    /** Every room's repository: upload/ledger, events/ledger. */
    private static final String LEDGER = BASE + "..ledger..";
    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages(BASE);
    }

    /** 1. The top-level rooms form no cycle: each stands above what it imports. */
    @Test
    void topLevelRoomsFormNoCycle() {
        slices().matching(BASE + ".(*)..").should().beFreeOfCycles().check(main);
    }

    /** 2. No package cycles, sub-packages counted on their own. */
    @Test
    void packagesHaveNoCycles() {
        slices().matching(BASE + ".(**)").should().beFreeOfCycles().check(main);
    }

    /** 3. HTTP is one layer on top: every resource lives in {@code http}, and nothing below imports it. */
    @Test
    void httpIsOneLayerOnTop() {
        classes().that().areAnnotatedWith(Path.class).should().resideInAPackage(BASE + ".http..").check(main);
        noClasses().that().resideOutsideOfPackage(BASE + ".http..")
                .should().dependOnClassesThat().resideInAPackage(BASE + ".http..")
                .check(main);
    }

    /** 4. Resources never touch storage, a ledger or the SDK: they map HTTP to a use case and back. */
    @Test
    void resourcesNeverTouchStorageTheLedgerOrTheSdk() {
        noClasses().that().areAnnotatedWith(Path.class)
                .should().dependOnClassesThat().resideInAnyPackage(BASE + ".storage..", LEDGER, "software.amazon..")
                .check(main);
    }

    /** 5. Only storage speaks to the AWS SDK. */
    @Test
    void onlyStorageSpeaksToTheAwsSdk() {
        noClasses().that().resideOutsideOfPackage(BASE + ".storage..")
                .should().dependOnClassesThat().resideInAPackage("software.amazon..")
                .check(main);
    }

    /** 6. Storage imports nothing of the gateway but configuration and the worker pool. */
    @Test
    void storageImportsOnlyConfigAndTheWorker() {
        classes().that().resideInAPackage(BASE + ".storage..")
                .should().onlyDependOnClassesThat(DescribedPredicate.describe("outside the gateway, or in storage, config or reactive",
                        c -> !c.getPackageName().startsWith(BASE) || c.getPackageName().startsWith(BASE + ".storage")
                                || c.getPackageName().startsWith(BASE + ".config") || c.getPackageName().startsWith(BASE + ".reactive")))
                .check(main);
    }

    /** 7. Only outbound calls the app backend and the scanner. */
    @Test
    void onlyOutboundCallsTheAppBackendAndTheScanner() {
        noClasses().that().resideOutsideOfPackage(BASE + ".outbound..")
                .should().dependOnClassesThat().haveFullyQualifiedName("io.vertx.core.http.HttpClient")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("io.vertx.core.http.HttpClientRequest")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("io.vertx.core.net.NetClient")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("io.vertx.core.net.NetSocket")
                .check(main);
    }

    /** 8. Queries only in the ledgers. */
    @Test
    void queriesLiveOnlyInTheLedger() {
        noClasses().that().resideOutsideOfPackage(LEDGER)
                .should().dependOnClassesThat().resideInAnyPackage("org.hibernate.reactive..", "io.vertx.mutiny.sqlclient..",
                        "io.vertx.mutiny.pgclient..", "io.quarkus.panache.common..")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("io.quarkus.hibernate.reactive.panache.Panache")
                .orShould().callMethodWhere(panacheQueryOrWrite())
                .check(main);
    }

    /**
     * 8. No source spells a state or a kind as an SQL literal such as {@code 'UPLOADING'}: SQL binds them
     * from the enums, or inlines them from the enums (SqlLiterals) where the planner must see constants.
     */
    @Test
    void noQuerySpellsAStateOrAKindAsALiteral() throws IOException {
        Pattern literal = Pattern.compile("'(UPLOADING|COMPLETING|COMPLETED|ABORTING|ABORTED|EXPIRED|REJECTED|PROCESSING"
                + "|QUARANTINED|PLANNED|OPEN_SIZED|SINGLE_REQUEST)'");
        try (Stream<java.nio.file.Path> files = Files.walk(java.nio.file.Path.of("src/main/java"))) {
            List<String> offenders = files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> {
                        try {
                            return literal.matcher(Files.readString(f)).find();
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    })
                    .map(java.nio.file.Path::toString).toList();
            assertEquals(List.of(), offenders);
        }
    }

    /** 9. The domain depends on no use case and no plumbing. */
    @Test
    void theDomainDependsOnNoUseCaseNorPlumbing() {
        noClasses().that().resideInAPackage(BASE + ".upload")
                .should().dependOnClassesThat().resideInAnyPackage(BASE + ".upload.(*)..", BASE + ".http..", BASE + ".events..",
                        BASE + ".hook..", BASE + ".outbound..", BASE + ".health..", "jakarta.ws.rs..", "io.vertx..")
                .check(main);
    }

    /** 10. A state changes only on {@link Upload}: no other class writes its fields, and a new one comes from its factories. */
    @Test
    void onlyUploadWritesItsFields() {
        noClasses().that().doNotHaveFullyQualifiedName(Upload.class.getName())
                .should().setFieldWhere(DescribedPredicate.describe("a field of Upload",
                        access -> access.getTarget().getOwner().isEquivalentTo(Upload.class)))
                .orShould().callConstructor(Upload.class)
                .check(main);
    }

    /** 11. Every ending goes through the one finishing write: only {@link Finisher} ends an upload. */
    @Test
    void onlyTheFinisherEndsAnUpload() {
        noClasses().that().doNotHaveFullyQualifiedName(Finisher.class.getName())
                .should().callMethod(Upload.class, "end", Ending.class, Instant.class)
                .check(main);
    }

    /**
     * 16. Only the processing stage moves an upload through it: Upload's processing transitions are
     * called from {@code upload.process} alone (each inside a change it hands to the Finisher).
     */
    @Test
    void onlyTheProcessingStageMovesAnUploadThroughIt() {
        Set<String> transitions = Set.of("ready", "quarantine", "releaseFromQuarantine", "quarantineDeleted", "stepDone", "stepLater",
                "verdictArrived");
        noClasses().that().resideOutsideOfPackage(BASE + ".upload.process..").and().doNotHaveFullyQualifiedName(Upload.class.getName())
                .should().callMethodWhere(DescribedPredicate.describe("a processing transition of Upload",
                        call -> call.getTarget().getOwner().isEquivalentTo(Upload.class) && transitions.contains(call.getTarget().getName())))
                .check(main);
    }

    /** 12. The outbox knows nothing of uploads. */
    @Test
    void theOutboxKnowsNothingOfUploads() {
        noClasses().that().resideInAPackage(BASE + ".events..")
                .should().dependOnClassesThat().resideInAPackage(BASE + ".upload..")
                .check(main);
    }

    /** 13. HTTP plumbing knows no use case. */
    @Test
    void httpPlumbingKnowsNoUseCase() {
        noClasses().that().resideInAPackage(BASE + ".http")
                .should().dependOnClassesThat().resideInAnyPackage(BASE + ".upload..", BASE + ".events..")
                .check(main);
    }

    /** 14. Nothing in main depends on the embedded stack but the dev profile's wiring. */
    @Test
    void onlyTheDevProfileWiringUsesTheEmbeddedStack() {
        noClasses().that().resideOutsideOfPackage(BASE + ".embedded..")
                .should().dependOnClassesThat().resideInAnyPackage(BASE + ".embedded..", "io.zonky..", "org.gaul..", "org.jclouds..")
                .check(main);
    }

    /**
     * 15. Every step goes to the upload's store: no class of the use cases or the HTTP layer keeps a
     * store, its calls, signer or capabilities in a field; each reaches them through {@code Stores} by
     * the name the upload records.
     */
    @Test
    void storesAreReachedByNameNeverHeld() {
        noFields().that().areDeclaredInClassesThat().resideInAnyPackage(BASE + ".upload..", BASE + ".http..")
                .should().haveRawType(MultipartStorage.class)
                .orShould().haveRawType(UrlSigner.class)
                .orShould().haveRawType(StoreCapabilities.class)
                .orShould().haveRawType(Store.class)
                .check(main);
    }

    /**
     * 17. Nothing relies on thread-context propagation: it is off (application.properties), so no class
     * may capture or restore contexts through MicroProfile or SmallRye Context Propagation; what a
     * request needs travels with its Vert.x context.
     */
    @Test
    void nothingReliesOnContextPropagation() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("org.eclipse.microprofile.context..", "io.smallrye.context..")
                .check(main);
    }

    /** Panache's active-record queries and writes (static finders, update, delete, persist) on ledger entities. */
    private static DescribedPredicate<JavaMethodCall> panacheQueryOrWrite() {
        List<String> names = List.of("find", "findAll", "findById", "list", "listAll", "stream", "streamAll", "count",
                "update", "delete", "deleteAll", "deleteById", "persist", "persistAndFlush", "flush", "getSession");
        return DescribedPredicate.describe("a Panache query or write on an entity",
                call -> call.getTargetOwner().isAssignableTo(PanacheEntityBase.class) && names.contains(call.getName()));
    }
}
