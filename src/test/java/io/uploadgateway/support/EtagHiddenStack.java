package io.uploadgateway.support;

import io.uploadgateway.embedded.EmbeddedStack;

/** A bucket whose CORS rule allows PUT but does not expose ETag: what breaks browser uploads first in practice. */
public class EtagHiddenStack extends PrivateStack {

    @Override
    protected EmbeddedStack startStack() throws Exception {
        return EmbeddedStack.start(null, false);
    }
}
