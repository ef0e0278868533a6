package io.uploadgateway.storage.presign;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock the test sets by hand. */
final class MutableClock extends Clock {

    private volatile long millis;

    MutableClock(Instant start) {
        set(start);
    }

    void set(Instant instant) {
        millis = instant.toEpochMilli();
    }

    void setMillis(long epochMillis) {
        millis = epochMillis;
    }

    void advanceSeconds(long seconds) {
        millis += seconds * 1000;
    }

    @Override
    public long millis() {
        return millis;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException();
    }
}
