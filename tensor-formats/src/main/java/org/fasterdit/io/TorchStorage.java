package org.fasterdit.io;

import java.lang.foreign.MemorySegment;

/**
 * One torch storage ({@code <archive>/data/<key>}): typed, little-endian, {@code numel} elements.
 * {@code data} is a zero-copy slice of the mapped archive for stored zip entries.
 */
public record TorchStorage(
    String key, DType dtype, long numel, String location, MemorySegment data) {}
