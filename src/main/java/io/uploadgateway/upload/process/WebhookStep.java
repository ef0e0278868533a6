package io.uploadgateway.upload.process;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.outbound.SignedPost;
import io.uploadgateway.upload.StepOutcome;
import io.uploadgateway.upload.StepOutcome.Verdict;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.events.UploadEvents;

import java.time.Clock;
import java.time.Duration;

/**
 * Asks the app backend for its verdict (its own scanner, moderation): POSTs the signed
 * {@code upload.processing} event (Standard Webhooks, like every webhook; one message id per
 * upload, so the app can tell a repeat). It answers {@code 200 {"verdict": "pass"}} or
 * {@code 200 {"verdict": "fail", "reason": "…"}} at once, or {@code 202} to decide later: then
 * the gateway asks again after a back-off (the poll), unless the app posts its verdict first
 * ({@code POST /v1/admin/uploads/{id}/verdict}, the callback). Anything else — a timeout, a 5xx,
 * an answer it cannot read — is no verdict yet, asked again the same way: a step never passes by
 * default.
 */
final class WebhookStep implements ProcessingStep {

    static final String NAME = "webhook";
    private static final int MAX_ANSWER_BYTES = 16 * 1024;
    private static final int MAX_REASON = 300;

    private final SignedPost http;
    private final String url;
    private final byte[] key;
    private final Duration timeout;
    private final UploadEvents events;
    private final ObjectMapper json;
    private final Clock clock;

    WebhookStep(SignedPost http, String url, byte[] key, Duration timeout, UploadEvents events, ObjectMapper json, Clock clock) {
        this.http = http;
        this.url = url;
        this.key = key;
        this.timeout = timeout;
        this.events = events;
        this.json = json;
        this.clock = clock;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String describe() {
        return "webhook (" + SignedPost.shown(url) + ")";
    }

    @Override
    public Uni<StepOutcome> judge(Upload upload) {
        String body = events.json(upload, UploadEvents.Type.PROCESSING, clock.instant());
        return http.post(url, key, "processing_" + upload.id, body, timeout, MAX_ANSWER_BYTES)
                .onFailure().transform(failure -> new Pending("the processing webhook " + SignedPost.shown(url)
                        + (failure instanceof SignedPost.DeadlineExceeded ? " did not answer within " + timeout
                        : " could not be reached: " + failure.getMessage()), failure))
                .map(this::verdictOf);
    }

    private StepOutcome verdictOf(SignedPost.Answer answer) {
        if (answer.status() == 202) {
            throw new Pending("the app's verdict is pending (202)", null);
        }
        if (answer.status() != 200) {
            throw new Pending("the processing webhook answered HTTP " + answer.status(), null);
        }
        try {
            return verdict(json.readTree(answer.body() == null ? "" : answer.body()), clock);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new Pending("the processing webhook answered 200 with a body that is not {\"verdict\": \"pass\"|\"fail\", "
                    + "\"reason\": \"…\"}", e);
        }
    }

    /** The webhook's answer {@code {"verdict": "pass"|"fail", "reason": "…"}} as this step's outcome. */
    static StepOutcome verdict(JsonNode answer, Clock clock) {
        JsonNode verdict = answer == null ? null : answer.get("verdict");
        JsonNode reason = answer == null ? null : answer.get("reason");
        if (verdict == null || !verdict.isTextual() || (reason != null && !reason.isNull() && !reason.isTextual())) {
            throw new IllegalArgumentException("not {\"verdict\": \"pass\"|\"fail\", \"reason\": \"…\"}");
        }
        return outcome(verdict.asText(), reason == null || reason.isNull() ? null : reason.asText(), clock);
    }

    /** The app's verdict ({@code pass} or {@code fail}, with its reason) as this step's outcome: its answer, or its callback. */
    static StepOutcome outcome(String verdict, String reason, Clock clock) {
        String why = reason == null ? null : reason.replaceAll("[\\p{Cntrl}\\s]+", " ").strip();
        if (why != null && why.length() > MAX_REASON) {
            why = why.substring(0, MAX_REASON - 1) + "…";
        }
        return switch (verdict) {
            case "pass" -> StepOutcome.of(NAME, Verdict.PASSED, why, clock.instant());
            case "fail" -> StepOutcome.of(NAME, Verdict.FAILED, why == null || why.isEmpty() ? "the app refused it" : why,
                    clock.instant());
            default -> throw new IllegalArgumentException("verdict must be \"pass\" or \"fail\", got \"" + verdict + "\"");
        };
    }
}
