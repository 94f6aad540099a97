package org.fasterdit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.fasterdit.train.ConfigException;
import org.junit.jupiter.api.Test;

class OverridesTest {
  @Test
  void bareBooleansValuesAndAliases() {
    assertEquals(
        List.of("tf32=true", "flip=false", "batch=8", "global-batch-size=16", "tf32=false"),
        Overrides.parse(
            List.of(
                "--tf32",
                "--no-flip",
                "--batch",
                "8",
                "--global-batch-size=16",
                "--tf32",
                "false")));
    assertThrows(ConfigException.class, () -> Overrides.parse(List.of("--steps")));
  }
}
