package io.uploadgateway.http.events;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.events.read.EventQueries;
import io.uploadgateway.http.Problems;
import io.uploadgateway.http.RequestParams;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import static io.uploadgateway.problem.ErrorCode.DATABASE_UNAVAILABLE;
import static io.uploadgateway.problem.ErrorCode.FORBIDDEN;
import static io.uploadgateway.problem.ErrorCode.INVALID_REQUEST;
import static io.uploadgateway.problem.ErrorCode.UNAUTHORIZED;

/**
 * The pull feed for backends that cannot receive webhooks: every upload event, in a stable order,
 * from a cursor. Tokens of the configured service group ({@code gateway.events.feed-group}) only.
 */
@Path("/api/v1/events")
@Tag(name = "events", description = "Upload events for backend services: the pull feed")
@Problems({INVALID_REQUEST, UNAUTHORIZED, FORBIDDEN, DATABASE_UNAVAILABLE})
@RolesAllowed("${gateway.events.feed-group}")
@Produces(MediaType.APPLICATION_JSON)
public class EventFeedResource {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    private final EventQueries events;

    public EventFeedResource(EventQueries events) {
        this.events = events;
    }

    @GET
    @Operation(operationId = "eventFeed", summary = "Upload events after a cursor, oldest first",
            description = "Pass nextCursor back as after. Never skips an event that commits late: an event appears once every "
                    + "transaction that started before it has ended.")
    @APIResponse(responseCode = "200", description = "A page of the feed", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = EventViews.FeedPage.class)))
    public Uni<EventViews.FeedPage> feed(@QueryParam("after") String after, @QueryParam("limit") String limit) {
        return events.feed(after, RequestParams.limit(limit, DEFAULT_LIMIT, MAX_LIMIT))
                .map(page -> new EventViews.FeedPage(page.items(), page.nextCursor(), page.more()));
    }
}
