package org.fasterdit.io;

/**
 * A reference to an allow-listed Python global (e.g. {@code torch.FloatStorage}) as it appears in
 * the pickle; it is never resolved to code, only matched by name.
 */
public record PyGlobal(String module, String name) {
  public String qualifiedName() {
    return module + "." + name;
  }

  @Override
  public String toString() {
    return qualifiedName();
  }
}
