package io.uploadgateway.bench;

import io.uploadgateway.embedded.EmbeddedStack;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.crt.AwsCrtAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * Puts the bench's S3Proxy back where the create cells started, between cells of
 * {@code bench/http.sh}: S3Proxy's in-memory store keeps every multipart upload a create makes,
 * and its CPU per CreateMultipartUpload grows with what it holds (docs/benchmarks.md, run 13),
 * so without a sweep every create cell would be measured against a slower S3Proxy than the one
 * before it.
 * <ul>
 *   <li>{@code MultipartSweep keep <endpoint> <bucket> <file>}: writes the multipart uploads that
 *       exist now (the sign cells' targets) to {@code file}, one upload id per line;</li>
 *   <li>{@code MultipartSweep abort <endpoint> <bucket> <file>}: aborts every other multipart
 *       upload in the bucket and prints how many and how long it took.</li>
 * </ul>
 * Not measured: the script runs it outside every cell's seconds.
 */
public final class MultipartSweep {

    private MultipartSweep() {
    }

    public static void main(String[] args) throws Exception {
        BenchLogging.infoAndAbove();
        if (args.length != 4 || !List.of("keep", "abort").contains(args[0])) {
            System.err.println("usage: MultipartSweep keep|abort ENDPOINT BUCKET FILE");
            System.exit(2);
        }
        String bucket = args[2];
        Path file = Path.of(args[3]);
        try (S3AsyncClient s3 = S3AsyncClient.builder()
                .httpClientBuilder(AwsCrtAsyncHttpClient.builder().maxConcurrency(32))
                .endpointOverride(URI.create(args[1])).forcePathStyle(true).region(Region.of(EmbeddedStack.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(EmbeddedStack.ACCESS_KEY, EmbeddedStack.SECRET_KEY)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build()) {
            long started = System.nanoTime();
            List<MultipartUpload> uploads = list(s3, bucket);
            if (args[0].equals("keep")) {
                Files.write(file, uploads.stream().map(MultipartUpload::uploadId).toList());
                System.out.println("kept " + uploads.size() + " multipart upload(s)");
                return;
            }
            Set<String> keep = new HashSet<>(Files.readAllLines(file));
            Semaphore inFlight = new Semaphore(32);
            List<CompletableFuture<?>> aborts = new ArrayList<>();
            for (MultipartUpload upload : uploads) {
                if (keep.contains(upload.uploadId())) {
                    continue;
                }
                inFlight.acquire();
                aborts.add(s3.abortMultipartUpload(r -> r.bucket(bucket).key(upload.key()).uploadId(upload.uploadId()))
                        .whenComplete((ignored, failure) -> inFlight.release()));
            }
            CompletableFuture.allOf(aborts.toArray(CompletableFuture[]::new)).join();
            System.out.printf("aborted %d multipart upload(s) in %.1f s%n", aborts.size(), (System.nanoTime() - started) / 1e9);
        }
    }

    private static List<MultipartUpload> list(S3AsyncClient s3, String bucket) {
        List<MultipartUpload> all = new ArrayList<>();
        String keyMarker = null;
        String uploadIdMarker = null;
        while (true) {
            String key = keyMarker;
            String id = uploadIdMarker;
            ListMultipartUploadsResponse page = s3.listMultipartUploads(r -> r.bucket(bucket).keyMarker(key).uploadIdMarker(id)).join();
            all.addAll(page.uploads());
            // As S3MultipartStorage's listing (not callable here, outside the application): stop
            // when S3 says it is done or hands back markers that do not move.
            if (!Boolean.TRUE.equals(page.isTruncated()) || page.nextKeyMarker() == null
                    || (page.nextKeyMarker().equals(key) && Objects.equals(page.nextUploadIdMarker(), id))) {
                return all;
            }
            keyMarker = page.nextKeyMarker();
            uploadIdMarker = page.nextUploadIdMarker();
        }
    }
}
