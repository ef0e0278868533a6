package io.uploadgateway.upload;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/** A part the ledger knows of: its number, ETag and size as S3 stored it. */
@Entity
@Table(name = "upload_parts")
@IdClass(UploadPart.Key.class)
public class UploadPart extends PanacheEntityBase {

    @Id
    @Column(name = "upload_id")
    public UUID uploadId;

    @Id
    @Column(name = "part_number")
    public int partNumber;

    public String etag;

    public long size;

    @Column(name = "uploaded_at")
    public Instant uploadedAt;

    public static UploadPart of(UUID uploadId, int partNumber, String etag, long size, Instant uploadedAt) {
        UploadPart part = new UploadPart();
        part.uploadId = uploadId;
        part.partNumber = partNumber;
        part.etag = etag;
        part.size = size;
        part.uploadedAt = uploadedAt;
        return part;
    }

    public static class Key implements Serializable {
        public UUID uploadId;
        public int partNumber;

        public Key() {
        }

        public Key(UUID uploadId, int partNumber) {
            this.uploadId = uploadId;
            this.partNumber = partNumber;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.partNumber == partNumber && Objects.equals(k.uploadId, uploadId);
        }

        @Override
        public int hashCode() {
            return Objects.hash(uploadId, partNumber);
        }
    }
}
