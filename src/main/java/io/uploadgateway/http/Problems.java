package io.uploadgateway.http;

import io.uploadgateway.problem.ErrorCode;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The problems a route can answer, named from the catalogue. On a resource class it applies to
 * every route of the class; on a method it adds to those. {@link ProblemResponses} turns them into
 * the OpenAPI {@code application/problem+json} responses, so no route spells one out by hand.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface Problems {
    ErrorCode[] value();
}
