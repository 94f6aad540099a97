package org.fasterdit.io;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * First, non-executing pass over a pickle: decodes every opcode and its argument, refuses
 * unknown/unsupported opcodes, and checks every GLOBAL and STACK_GLOBAL against the allow-list
 * BEFORE the VM runs anything. STACK_GLOBAL takes module and name from the stack, so the scanner
 * tracks which stack slots hold string constants (directly or via the memo); if the operands cannot
 * be resolved that way the pickle is refused.
 */
final class PickleScanner {
  private PickleScanner() {}

  /** Returns the offset just past the STOP opcode (a stream may hold several pickles). */
  static int scan(String where, byte[] pickle) {
    PickleCursor c = new PickleCursor(where, pickle);
    // Top-of-stack strings known statically (null = unknown value). Cleared by any opcode
    // whose stack effect is not a plain push, so it only ever describes the real top.
    List<String> tail = new ArrayList<>();
    Map<Long, String> memo = new HashMap<>();
    while (true) {
      if (c.atEnd()) {
        throw c.fail("pickle ends without STOP");
      }
      int at = c.position();
      int code = c.u1();
      PickleOp op = PickleOp.of(code);
      if (op == null) {
        throw new TensorFormatException(
            where + ": unknown pickle opcode 0x" + Integer.toHexString(code) + " at offset " + at);
      }
      if (!op.supported) {
        throw new TensorFormatException(
            where + ": pickle opcode " + op + " is not supported (refused) at offset " + at);
      }
      String strConst = null;
      long intArg = 0;
      switch (op.arg) {
        case NONE -> {}
        case FIXED1 -> intArg = c.u1();
        case FIXED2 -> intArg = c.u2();
        case FIXED4 -> intArg = c.u4();
        case FIXED8 -> c.skip(8);
        case LINE -> strConst = c.line();
        case TWO_LINES -> {
          String module = c.line();
          String name = c.line();
          PickleAllowList.check(where, module, name);
        }
        case LEN1 -> strConst = text(c.bytes(c.u1()));
        case LEN4 -> {
          long n = op == PickleOp.BINSTRING || op == PickleOp.LONG4 ? c.s4() : c.u4();
          strConst = text(c.bytes(n));
        }
        case LEN8 -> strConst = text(c.bytes(c.s8()));
      }
      switch (op) {
        case STOP -> {
          return c.position();
        }
        case PROTO, FRAME -> {} // no stack effect
        case PUT, BINPUT, LONG_BINPUT, MEMOIZE -> {
          long idx =
              op == PickleOp.MEMOIZE
                  ? memo.size()
                  : op == PickleOp.PUT ? PickleStrings.parseMemoIndex(c, strConst) : intArg;
          memo.put(idx, tail.isEmpty() ? null : tail.get(tail.size() - 1));
        }
        case GET, BINGET, LONG_BINGET ->
            tail.add(
                memo.get(op == PickleOp.GET ? PickleStrings.parseMemoIndex(c, strConst) : intArg));
        case STACK_GLOBAL -> {
          int n = tail.size();
          if (n < 2 || tail.get(n - 1) == null || tail.get(n - 2) == null) {
            throw new TensorFormatException(
                where
                    + ": STACK_GLOBAL at offset "
                    + at
                    + " has operands that cannot be resolved statically (refused)");
          }
          PickleAllowList.check(where, tail.get(n - 2), tail.get(n - 1));
          tail.clear();
        }
        default -> {
          if (op.pushesString()) {
            tail.add(
                op == PickleOp.STRING
                    ? PickleStrings.unquote(where, strConst)
                    : op == PickleOp.UNICODE
                        ? PickleStrings.rawUnicodeEscape(where, strConst)
                        : strConst);
          } else {
            tail.clear();
          }
        }
      }
    }
  }

  private static String text(byte[] raw) {
    return new String(raw, StandardCharsets.UTF_8);
  }
}
