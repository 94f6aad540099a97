package org.fasterdit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code sample --atol/--rtol} set dopri5's tolerances; without them SiT's defaults apply. */
class SampleCommandTest {
  @Test
  void toleranceOptionsAndTheirDefaults() {
    SampleCommand given = new SampleCommand();
    new CommandLine(given)
        .parseArgs("--checkpoint", "c", "--out", "o.npz", "--atol", "1e-4", "--rtol", "0.01");
    assertEquals(1e-4, given.atol);
    assertEquals(0.01, given.rtol);
    SampleCommand defaults = new SampleCommand();
    new CommandLine(defaults).parseArgs("--checkpoint", "c", "--out", "o.npz");
    assertEquals(1e-6, defaults.atol);
    assertEquals(1e-3, defaults.rtol);
  }
}
