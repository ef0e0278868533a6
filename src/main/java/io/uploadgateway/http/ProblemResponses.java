package io.uploadgateway.http;

import io.quarkus.smallrye.openapi.OpenApiFilter;
import io.uploadgateway.problem.ErrorCode;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.media.Schema.SchemaType;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.jboss.jandex.AnnotationInstance;
import org.jboss.jandex.AnnotationTarget;
import org.jboss.jandex.AnnotationValue;
import org.jboss.jandex.DotName;
import org.jboss.jandex.IndexView;
import org.jboss.jandex.MethodInfo;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Writes every route's problem responses into the OpenAPI document from its {@link Problems}
 * and the {@link ErrorCode} catalogue, and the {@code Problem} schema with the catalogue's codes.
 * Runs once at build time, where SmallRye hands it the class index.
 */
@OpenApiFilter(stages = OpenApiFilter.RunStage.BUILD)
public class ProblemResponses implements OASFilter {

    static final String SCHEMA = "Problem";
    private static final DotName OPERATION = DotName.createSimple(org.eclipse.microprofile.openapi.annotations.Operation.class);
    private static final DotName PROBLEMS = DotName.createSimple(Problems.class);

    private final Map<String, Set<ErrorCode>> problemsByOperationId = new HashMap<>();

    public ProblemResponses(IndexView index) {
        for (AnnotationInstance operation : index.getAnnotations(OPERATION)) {
            AnnotationValue id = operation.value("operationId");
            if (id == null || operation.target().kind() != AnnotationTarget.Kind.METHOD) {
                continue;
            }
            MethodInfo method = operation.target().asMethod();
            Set<ErrorCode> codes = new LinkedHashSet<>();
            codes.addAll(codesOf(method.declaringClass().declaredAnnotation(PROBLEMS)));
            codes.addAll(codesOf(method.declaredAnnotation(PROBLEMS)));
            problemsByOperationId.put(id.asString(), codes);
        }
    }

    private static List<ErrorCode> codesOf(AnnotationInstance problems) {
        return problems == null ? List.of() : Arrays.stream(problems.value().asEnumArray()).map(ErrorCode::valueOf).toList();
    }

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() == null) {
            openAPI.setComponents(OASFactory.createComponents());
        }
        openAPI.getComponents().addSchema(SCHEMA, problemSchema());
        if (openAPI.getPaths() == null) {
            return;
        }
        openAPI.getPaths().getPathItems().values().forEach(path -> path.getOperations().values().forEach(this::addProblems));
    }

    private void addProblems(Operation operation) {
        Set<ErrorCode> codes = problemsByOperationId.get(operation.getOperationId());
        if (codes == null || codes.isEmpty()) {
            return;
        }
        if (operation.getResponses() == null) {
            operation.setResponses(OASFactory.createAPIResponses());
        }
        Map<Integer, List<ErrorCode>> byStatus = codes.stream()
                .collect(Collectors.groupingBy(ErrorCode::status, TreeMap::new, Collectors.toList()));
        byStatus.forEach((status, sameStatus) -> operation.getResponses().addAPIResponse(String.valueOf(status), response(sameStatus)));
    }

    private static APIResponse response(List<ErrorCode> codes) {
        String description = codes.stream().map(c -> c.code() + ": " + c.meaning()).collect(Collectors.joining(" "));
        return OASFactory.createAPIResponse().description(description)
                .content(OASFactory.createContent().addMediaType(ProblemMappers.PROBLEM_JSON,
                        OASFactory.createMediaType().schema(OASFactory.createSchema().ref(SCHEMA))));
    }

    private static Schema problemSchema() {
        List<Object> codes = Arrays.stream(ErrorCode.values()).map(ErrorCode::code).collect(Collectors.toList());
        return object("RFC 9457 problem details with a stable machine-readable `code`")
                .addProperty("type", text("URN naming the problem kind, e.g. urn:upload-gateway:problem:not_found"))
                .addProperty("title", text("Short human-readable summary"))
                .addProperty("status", OASFactory.createSchema().addType(SchemaType.INTEGER).description("HTTP status code"))
                .addProperty("detail", text("What went wrong and, for a 4xx, what to change"))
                .addProperty("code", text("Stable machine word from the error catalogue").enumeration(codes))
                .addProperty("missingParts", OASFactory.createSchema().addType(SchemaType.ARRAY)
                        .items(OASFactory.createSchema().addType(SchemaType.INTEGER))
                        .description("With parts_missing: the part numbers storage does not hold yet"))
                .addProperty("mismatchedParts", OASFactory.createSchema().addType(SchemaType.ARRAY)
                        .items(object("partNumber, field, expected, actual"))
                        .description("With part_mismatch: per part, what differs"))
                .addProperty("hookMessage", text("With rejected_by_hook: the application's reason"))
                .addProperty("hookStatus", OASFactory.createSchema().addType(SchemaType.INTEGER)
                        .description("With rejected_by_hook: the status the application's hook answered"));
    }

    private static Schema object(String description) {
        return OASFactory.createSchema().addType(SchemaType.OBJECT).description(description);
    }

    private static Schema text(String description) {
        return OASFactory.createSchema().addType(SchemaType.STRING).description(description);
    }
}
