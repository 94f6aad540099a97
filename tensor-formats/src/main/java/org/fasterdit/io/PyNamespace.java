package org.fasterdit.io;

import java.util.LinkedHashMap;

/** An {@code argparse.Namespace} from a checkpoint (e.g. the training args), as plain data. */
public record PyNamespace(LinkedHashMap<String, Object> attributes) {
  public Object get(String name) {
    return attributes.get(name);
  }
}
