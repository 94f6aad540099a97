package org.fasterdit.io;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@code collections.OrderedDict} (e.g. a state_dict). The map holds only the dict items;
 * instance attributes restored by pickle's BUILD (such as a state_dict's {@code _metadata}) are
 * kept apart in {@link #attributes()} so iterating the map yields exactly the tensors.
 */
public final class PyOrderedDict extends LinkedHashMap<Object, Object> {
  private static final long serialVersionUID = 1L;
  private final LinkedHashMap<String, Object> attributes = new LinkedHashMap<>();

  public Map<String, Object> attributes() {
    return attributes;
  }
}
