package io.uploadgateway.outbound;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What logs and startup messages may show of the app backend's URLs: never a credential. */
class SignedPostTest {

    @Test
    void userInfoAndTheQueryNeverShow() {
        assertEquals("https://app.example.com/hooks/upload?…",
                SignedPost.shown("https://alice:hunter2@app.example.com/hooks/upload?token=s3cr3t&x=1"));
        assertEquals("http://backend:8080/webhook", SignedPost.shown("http://backend:8080/webhook"));
        assertEquals("https://app.example.com", SignedPost.shown("https://app.example.com"));
        assertEquals("<unreadable URL>", SignedPost.shown("not a url with token=s3cr3t"));
        assertEquals("<unreadable URL>", SignedPost.shown("https://app.example.com/h?token=s3cr3t|bad"));
    }

    @Test
    void aBadUrlIsNamedWithoutWhatItCarries() {
        assertNull(SignedPost.urlProblem("https://app.example.com/hooks?token=s3cr3t"));
        String ftp = SignedPost.urlProblem("ftp://user:pw@app.example.com/x?token=s3cr3t");
        assertTrue(ftp.startsWith("must be an absolute http(s) URL"), ftp);
        assertFalse(ftp.contains("s3cr3t") || ftp.contains("pw"), ftp);
        String broken = SignedPost.urlProblem("https://app.example.com/h?token=s3cr3t|x");
        assertFalse(broken.contains("s3cr3t"), broken);
    }
}
