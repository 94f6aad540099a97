package org.fasterdit.cli;

import org.fasterdit.train.ConfigException;
import org.fasterdit.train.NonFiniteLossException;
import org.fasterdit.train.Preemption;

/**
 * The exit codes scripts and schedulers can rely on (also in the README): 0 success, 1 a runtime
 * error (I/O, native, data), 2 a usage error (unknown option or config key, bad value, impossible
 * combination; picocli's own parse errors are 2 as well), 3 a run stopped because its loss kept
 * being non-finite (the last good checkpoint is kept), 75 a run stopped by SIGTERM after writing
 * its checkpoint ({@link Preemption#EXIT_CODE}; requeue it with {@code --resume}).
 */
final class ExitCodes {
  static final int RUNTIME_ERROR = 1;
  static final int USAGE = 2;
  static final int NON_FINITE = 3;
  static final int PREEMPTED = Preemption.EXIT_CODE;

  private ExitCodes() {}

  static int of(Throwable ex) {
    if (ex instanceof ConfigException) return USAGE;
    if (ex instanceof NonFiniteLossException) return NON_FINITE;
    return RUNTIME_ERROR;
  }
}
