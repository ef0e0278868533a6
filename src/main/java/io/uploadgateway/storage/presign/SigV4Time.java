package io.uploadgateway.storage.presign;

/**
 * SigV4's UTC timestamps ({@code yyyyMMdd} and {@code yyyyMMdd'T'HHmmss'Z'}) written straight
 * into byte arrays, without java.time objects or formatters.
 */
final class SigV4Time {

    static final long SECONDS_PER_DAY = 86_400;
    /** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: four-digit years only. */
    static final long MIN_EPOCH_SECOND = -62_135_596_800L;
    static final long MAX_EPOCH_SECOND = 253_402_300_799L;

    private SigV4Time() {
    }

    /** Writes {@code yyyyMMdd} of the given day (days since 1970-01-01) at {@code offset}. */
    static void writeDate(long epochDay, byte[] out, int offset) {
        // Days to civil date (proleptic Gregorian), after Howard Hinnant's days_from_civil inverse.
        long z = epochDay + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long doe = z - era * 146_097;
        long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        long year = yoe + era * 400;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        long day = doy - (153 * mp + 2) / 5 + 1;
        long month = mp < 10 ? mp + 3 : mp - 9;
        if (month <= 2) {
            year++;
        }
        digits(year, 4, out, offset);
        digits(month, 2, out, offset + 4);
        digits(day, 2, out, offset + 6);
    }

    /** Writes {@code yyyyMMdd'T'HHmmss'Z'} (16 bytes) of the given epoch second at {@code offset}. */
    static void writeDateTime(long epochSecond, byte[] out, int offset) {
        long day = Math.floorDiv(epochSecond, SECONDS_PER_DAY);
        long secondOfDay = epochSecond - day * SECONDS_PER_DAY;
        writeDate(day, out, offset);
        out[offset + 8] = 'T';
        digits(secondOfDay / 3600, 2, out, offset + 9);
        digits(secondOfDay / 60 % 60, 2, out, offset + 11);
        digits(secondOfDay % 60, 2, out, offset + 13);
        out[offset + 15] = 'Z';
    }

    private static void digits(long value, int width, byte[] out, int offset) {
        long v = value;
        for (int i = offset + width - 1; i >= offset; i--) {
            out[i] = (byte) ('0' + (int) (v % 10));
            v /= 10;
        }
    }
}
