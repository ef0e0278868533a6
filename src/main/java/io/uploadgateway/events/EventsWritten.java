package io.uploadgateway.events;

/** A CDI event: a transaction that wrote upload events has committed on this replica (wakes its dispatcher). */
public record EventsWritten() {
}
