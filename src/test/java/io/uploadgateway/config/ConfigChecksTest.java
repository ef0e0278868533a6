package io.uploadgateway.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checksum settings that cannot work together stop the gateway at startup, saying what to change. */
class ConfigChecksTest {

    private static List<String> problems(Map<String, String> values) {
        Map<String, String> all = new HashMap<>(values);
        all.put("gateway.bucket", "b");
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(GatewayConfig.class)
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withDefaultValues(all)
                .build();
        return ConfigChecks.problemsOf(config.getConfigMapping(GatewayConfig.class));
    }

    @Test
    void theDefaultsHaveNoChecksumProblem() {
        assertEquals(List.of(), problems(Map.of()));
        assertEquals(List.of(), problems(Map.of("gateway.checksum-algorithm", "CRC32C")));
        assertEquals(List.of(), problems(Map.of("gateway.store.additional-checksums", "false")));
    }

    @Test
    void aDefaultAlgorithmMustBeKnownAndTheStoreMustCheckIt() {
        List<String> unknown = problems(Map.of("gateway.checksum-algorithm", "MD5"));
        assertEquals(1, unknown.size(), unknown.toString());
        assertTrue(unknown.get(0).contains("GATEWAY_CHECKSUM_ALGORITHM (MD5) must be one of"), unknown.get(0));

        List<String> unsupported = problems(Map.of("gateway.checksum-algorithm", "SHA256",
                "gateway.store.additional-checksums", "false"));
        assertEquals(1, unsupported.size(), unsupported.toString());
        assertTrue(unsupported.get(0).contains("GATEWAY_STORE_ADDITIONAL_CHECKSUMS=false"), unsupported.get(0));
    }
}
