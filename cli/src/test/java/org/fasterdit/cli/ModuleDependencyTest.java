package org.fasterdit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The module graph of docs/ARCHITECTURE.md: tensor-formats <- torch <- model <- core <- cli <-
 * benchmarks. Checked twice: the POM dependencies, and the imports of every main source file (a
 * module must not import a package of a module above it).
 */
class ModuleDependencyTest {
  static final List<String> ORDER =
      List.of("tensor-formats", "torch", "model", "core", "cli", "benchmarks");

  /** The packages each module owns. */
  static final Map<String, Set<String>> PACKAGES =
      Map.of(
          "tensor-formats", Set.of("io"),
          "torch", Set.of("torch"),
          "model", Set.of("model", "vae", "inception"),
          "core",
              Set.of(
                  "diffusion",
                  "snr",
                  "data",
                  "train",
                  "sample",
                  "eval",
                  "dist",
                  "tracking",
                  "latents"),
          "cli", Set.of("cli", "plot", "study"),
          "benchmarks", Set.of("bench"));

  static final Set<String> CLI_ONLY = Set.of("picocli", "jfreechart", "progressbar");
  static final Path ROOT = Path.of("..");

  @Test
  void pomsDependOnlyOnTheModuleBelow() throws IOException {
    for (int i = 0; i < ORDER.size(); i++) {
      String module = ORDER.get(i);
      String pom = Files.readString(ROOT.resolve(module).resolve("pom.xml"));
      List<String> internal = new ArrayList<>();
      Matcher m = Pattern.compile("<artifactId>fasterdit-([a-z-]+)</artifactId>").matcher(pom);
      while (m.find()) {
        if (m.group(1).equals(module) || m.group(1).equals("parent")) continue;
        // test helpers of a module further down (tensor-formats' shared fuzz mutator) may be used
        // by tests; main code still sees only the module below
        String rest = pom.substring(m.end(), pom.indexOf("</dependency>", m.end()));
        if (rest.contains("<type>test-jar</type>") && rest.contains("<scope>test</scope>")) {
          assertTrue(
              ORDER.indexOf(m.group(1)) >= 0 && ORDER.indexOf(m.group(1)) < i,
              module + " uses test helpers of " + m.group(1) + ", which is not below it");
          continue;
        }
        internal.add(m.group(1));
      }
      List<String> expected = i == 0 ? List.of() : List.of(ORDER.get(i - 1));
      assertEquals(
          expected, internal, module + "/pom.xml depends on fasterdit modules " + internal);
      if (i < ORDER.indexOf("cli")) {
        for (String lib : CLI_ONLY) {
          assertTrue(
              !pom.contains("<artifactId>" + lib + "</artifactId>"),
              module + " is a library module and must not depend on " + lib);
        }
      }
    }
  }

  @Test
  void sourcesImportNothingFromAModuleAbove() throws IOException {
    Pattern imp =
        Pattern.compile("^import (?:static )?org\\.fasterdit\\.([a-z]+)\\.", Pattern.MULTILINE);
    List<String> violations = new ArrayList<>();
    for (int i = 0; i < ORDER.size(); i++) {
      String module = ORDER.get(i);
      Path src = ROOT.resolve(module).resolve("src/main/java");
      if (!Files.isDirectory(src)) continue;
      Set<String> above = new java.util.HashSet<>();
      for (String m : ORDER.subList(i + 1, ORDER.size())) above.addAll(PACKAGES.get(m));
      try (Stream<Path> files = Files.walk(src)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          Matcher m = imp.matcher(Files.readString(f));
          while (m.find()) {
            if (above.contains(m.group(1)))
              violations.add(f + " imports org.fasterdit." + m.group(1));
          }
          String rel = src.relativize(f).toString().replace('\\', '/');
          String top = rel.startsWith("org/fasterdit/") ? rel.split("/")[2] : rel;
          assertTrue(
              PACKAGES.get(module).contains(top),
              f
                  + ": package org.fasterdit."
                  + top
                  + " is not one of "
                  + module
                  + "'s packages (add it to the table here and in docs/ARCHITECTURE.md)");
        }
      }
    }
    assertEquals(List.of(), violations);
  }
}
