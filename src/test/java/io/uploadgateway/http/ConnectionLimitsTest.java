package io.uploadgateway.http;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.uploadgateway.support.TestStack;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/**
 * A client that never finishes its request holds its connection only until it goes quiet: the
 * server closes a connection that moves no byte for {@code quarkus.http.idle-timeout} (30 s by
 * default, 2 s here), mid-headers included.
 */
@QuarkusTest
@WithTestResource(TestStack.class)
@TestProfile(ConnectionLimitsTest.ShortIdleTimeout.class)
class ConnectionLimitsTest {

    public static class ShortIdleTimeout implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.http.idle-timeout", "2S");
        }
    }

    @Test
    void clientsStalledMidHeadersAreCutOffOnceTheyGoQuiet() throws IOException {
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                Socket socket = new Socket("localhost", RestAssured.port);
                socket.getOutputStream().write("GET /api/v1/uploads HTTP/1.1\r\nHost: localhost\r\nX-Slow: "
                        .getBytes(StandardCharsets.ISO_8859_1));
                socket.getOutputStream().flush();
                stalled.add(socket);
            }
            await("the server closing every stalled connection").atMost(Duration.ofSeconds(15))
                    .until(() -> stalled.stream().allMatch(ConnectionLimitsTest::closedByServer));
        } finally {
            for (Socket socket : stalled) {
                socket.close();
            }
        }
    }

    private static boolean closedByServer(Socket socket) {
        try {
            socket.setSoTimeout(100);
            return socket.getInputStream().read() == -1;
        } catch (java.net.SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }
}
