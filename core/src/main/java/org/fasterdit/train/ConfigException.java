package org.fasterdit.train;

/**
 * A config the run cannot start with: an unknown key, a value that does not parse, an impossible
 * combination. The message names the key; the CLI reports it as a usage error (exit code 2).
 */
public final class ConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
