package io.uploadgateway.upload;

/**
 * Whose uploads a call may see. An owner sees only their own (someone else's upload is
 * indistinguishable from a missing one); an operator sees every owner's.
 */
public sealed interface Scope {

    static Scope owner(String owner) {
        return new Owner(owner);
    }

    static Scope operator() {
        return new Operator();
    }

    /** The caller whose token's {@code sub} owns the uploads it creates. */
    record Owner(String owner) implements Scope {
        public Owner {
            if (owner == null || owner.isBlank()) {
                throw new IllegalArgumentException("an owner scope needs an owner");
            }
        }
    }

    /** An operator (admin group) or the gateway itself (janitor). */
    record Operator() implements Scope {
    }
}
