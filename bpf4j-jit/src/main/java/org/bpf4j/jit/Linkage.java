package org.bpf4j.jit;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which hidden class of a compilation unit defines each generated method, so that a call from one
 * class to another links (once, through {@link JitRuntime#link}) to a constant call site. Filled
 * as the unit's classes are defined, before any of them runs.
 */
final class Linkage {
    private final Map<String, MethodHandles.Lookup> owners = new ConcurrentHashMap<>();

    void define(String method, MethodHandles.Lookup owner) {
        owners.put(method, owner);
    }

    MethodHandle find(String method, MethodType type) throws ReflectiveOperationException {
        MethodHandles.Lookup owner = owners.get(method);
        if (owner == null) {
            throw new NoSuchMethodException("no compiled method " + method);
        }
        return owner.findStatic(owner.lookupClass(), method, type);
    }
}
