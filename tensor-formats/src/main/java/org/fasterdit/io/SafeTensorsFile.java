package org.fasterdit.io;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A parsed safetensors file. The tensors' data segments are zero-copy read-only views of the mapped
 * file and are valid only while the Arena given to {@link SafeTensors#read} is open.
 *
 * @param tensors tensors in header order
 * @param metadata the optional {@code __metadata__} string map (empty if absent)
 */
public record SafeTensorsFile(
    LinkedHashMap<String, HostTensor> tensors, Map<String, String> metadata) {}
