package org.fasterdit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fasterdit.train.ConfigKey;
import org.fasterdit.train.ConfigKeys;
import org.junit.jupiter.api.Test;

/** The key table is the one source: README and train --help show exactly its keys. */
class ConfigKeyTableTest {
  static final String BEGIN =
      "<!-- config-keys:begin (generated from ConfigKeys; ConfigKeyTableTest checks it) -->\n";
  static final String END = "<!-- config-keys:end -->";

  @Test
  void readmeKeyTableIsTheGeneratedOne() throws Exception {
    Path readme = Path.of("..", "README.md");
    String text = Files.readString(readme);
    int b = text.indexOf(BEGIN), e = text.indexOf(END);
    assertTrue(b >= 0 && e > b, "README.md lacks the config-keys markers");
    String expected = ConfigKeys.markdownTable();
    if (Boolean.getBoolean("fasterdit.updateReadme")) { // mvn test -Dfasterdit.updateReadme=true
      Files.writeString(
          readme, text.substring(0, b + BEGIN.length()) + expected + text.substring(e));
      return;
    }
    assertEquals(
        expected,
        text.substring(b + BEGIN.length(), e),
        "README key table is stale: run mvn -pl cli test -Dtest=ConfigKeyTableTest"
            + " -Dfasterdit.updateReadme=true");
  }

  @Test
  void trainHelpListsEveryKeyWithItsDefault() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PrintStream old = System.out;
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      assertEquals(0, Main.run("train", "--help"));
    } finally {
      System.setOut(old);
    }
    String help = buf.toString(StandardCharsets.UTF_8);
    for (ConfigKey k : ConfigKeys.all()) {
      assertTrue(help.contains("--" + k.name()), "train --help lacks " + k.name());
      assertTrue(
          help.contains(
              "[default: " + (k.defaultValue().isEmpty() ? "\"\"" : k.defaultValue()) + "]"),
          "train --help lacks the default of " + k.name());
    }
  }
}
