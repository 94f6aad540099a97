package org.fasterdit.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MiniJsonTest {
  @Test
  void parsesTheWholeGrammar() {
    Object v =
        MiniJson.parse(
            "j",
            " {\"a\": [1, -2.5e3, true, false, null, \"x\\u00e9\\n\"],"
                + " \"b\": {}, \"c\": 123456789012345678901234567890, \"d\": -0} ");
    Map<?, ?> m = (Map<?, ?>) v;
    assertEquals(
        List.of(1L, -2500.0, true, false, "xé\n"),
        ((List<?>) m.get("a")).stream().filter(x -> x != null).toList());
    assertEquals(new BigInteger("123456789012345678901234567890"), m.get("c"));
    assertEquals(0L, m.get("d"));
    assertEquals("\"a\\\"b\\\\c\\u0001\"", MiniJson.quote("a\"b\\c\u0001"));
  }

  @Test
  void rejectsSloppyJson() {
    for (String bad :
        new String[] {
          "",
          "{",
          "{'a':1}",
          "[1,]",
          "01",
          "1.",
          "-",
          "\"\t\"",
          "tru",
          "{\"a\":1} x",
          "\"\\x\"",
          "[".repeat(100) + "]".repeat(100),
          "{\"a\" 1}"
        }) {
      assertThrows(TensorFormatException.class, () -> MiniJson.parse("j", bad), bad);
    }
  }
}
