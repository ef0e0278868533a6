package io.uploadgateway.upload.process;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.upload.StepOutcome;
import io.uploadgateway.upload.Upload;

/**
 * One step of the processing stage: a verdict on an assembled object before it is served. A step
 * runs with no database connection held; it may take long (a scan streams the object), within its
 * own timeout, which the runner's lease outlasts.
 */
interface ProcessingStep {

    /** The step's name in the upload's record, events and metrics ({@code scan}, {@code webhook}). */
    String name();

    /** What the upload's processing record shows of this step's configuration, for the startup log. */
    String describe();

    /**
     * The verdict on the upload's object: PASSED, SKIPPED or FAILED. Fails with {@link Pending}
     * when there is none yet (the scanner unavailable, the app's verdict pending): the runner tries
     * again after a back-off.
     */
    Uni<StepOutcome> judge(Upload upload);

    /** No verdict yet; the step is tried again later. */
    final class Pending extends RuntimeException {
        Pending(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }
}
