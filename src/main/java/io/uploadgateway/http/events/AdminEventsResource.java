package io.uploadgateway.http.events;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.events.EventStatus;
import io.uploadgateway.events.EventTypes;
import io.uploadgateway.events.read.EventQueries;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.Errors;
import io.uploadgateway.http.Problems;
import io.uploadgateway.http.RequestParams;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.UUID;
import java.util.regex.Pattern;

import static io.uploadgateway.problem.ErrorCode.DATABASE_UNAVAILABLE;
import static io.uploadgateway.problem.ErrorCode.FORBIDDEN;
import static io.uploadgateway.problem.ErrorCode.INVALID_REQUEST;
import static io.uploadgateway.problem.ErrorCode.NOT_FOUND;
import static io.uploadgateway.problem.ErrorCode.UNAUTHORIZED;
import static io.uploadgateway.problem.ErrorCode.WEBHOOKS_OFF;

/** Operators (the group gateway.admin-role names): the events' outbox, its delivery state, and redelivery. */
@Path("/api/v1/admin/events")
@Tag(name = "admin", description = "Operators (JWT group 'admin'): stalled uploads, stats, aborting anyone's upload")
@Problems({INVALID_REQUEST, UNAUTHORIZED, FORBIDDEN, DATABASE_UNAVAILABLE})
@RolesAllowed("${gateway.admin-role}")
@Produces(MediaType.APPLICATION_JSON)
public class AdminEventsResource {

    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;
    private static final Pattern UUID_TEXT =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private final EventQueries events;
    private final EventTypes types;

    public AdminEventsResource(EventQueries events, EventTypes types) {
        this.events = events;
        this.types = types;
    }

    @GET
    @Operation(operationId = "adminListEvents", summary = "Upload events and their webhook delivery, oldest first",
            description = "status=pending|delivered|dead|skipped, type=upload.completed etc. Keyset-paginated: pass nextCursor back as after.")
    @APIResponse(responseCode = "200", description = "A page of events", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = EventViews.AdminEventPage.class)))
    public Uni<EventViews.AdminEventPage> list(@QueryParam("status") String status, @QueryParam("type") String type,
                                               @QueryParam("after") String after, @QueryParam("limit") String limit) {
        EventStatus wanted = status == null || status.isBlank() ? null : parseStatus(status);
        String kind = type == null || type.isBlank() ? null : types.named(type).orElseThrow(() ->
                ApiProblem.invalid("type must be one of " + String.join(", ", types.names()) + ", got '" + type + "'"));
        int size = RequestParams.limit(limit, DEFAULT_LIMIT, MAX_LIMIT);
        return events.list(wanted, kind, after, size).map(page -> new EventViews.AdminEventPage(
                page.items().stream().map(EventViews.AdminEventView::of).toList(), page.nextCursor()));
    }

    @GET
    @Path("/{id}")
    @Operation(operationId = "adminGetEvent", summary = "One event and its webhook delivery")
    @APIResponse(responseCode = "200", description = "The event", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = EventViews.AdminEventView.class)))
    @Problems(NOT_FOUND)
    public Uni<EventViews.AdminEventView> get(@PathParam("id") String id) {
        return events.find(eventId(id)).map(EventViews.AdminEventView::of);
    }

    @POST
    @Path("/{id}/redeliver")
    @Operation(operationId = "adminRedeliverEvent", summary = "Send an event again (same webhook-id), now, with a fresh max age")
    @APIResponse(responseCode = "200", description = "The event, pending again", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = EventViews.AdminEventView.class)))
    @Problems({NOT_FOUND, WEBHOOKS_OFF})
    public Uni<EventViews.AdminEventView> redeliver(@PathParam("id") String id) {
        return events.redeliver(eventId(id)).map(EventViews.AdminEventView::of);
    }

    private static EventStatus parseStatus(String status) {
        try {
            return EventStatus.ofWire(status.strip());
        } catch (IllegalArgumentException e) {
            throw ApiProblem.invalid("status must be one of " + EventStatus.names() + ", got '" + status + "'");
        }
    }

    private static UUID eventId(String id) {
        if (id == null || !UUID_TEXT.matcher(id).matches()) {
            throw Errors.noSuchEvent(id);
        }
        return UUID.fromString(id);
    }
}
