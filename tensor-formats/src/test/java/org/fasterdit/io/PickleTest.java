package org.fasterdit.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PickleTest {
  private static Object load(byte[] pickle) {
    return new RestrictedUnpickler(
            "t.pkl",
            pickle,
            pid -> {
              throw new TensorFormatException("t.pkl: no storages here");
            })
        .load();
  }

  private static Object load(PickleBuilder b) {
    return load(b.bytes());
  }

  @Test
  void decodesCPythonPicklesOfEveryProtocol() {
    for (int proto = 0; proto <= 5; proto++) {
      Map<?, ?> m = (Map<?, ?>) load(CPythonPickles.plain(proto));
      String p = "protocol " + proto;
      assertEquals(
          List.of(
              0L,
              1L,
              -1L,
              255L,
              256L,
              65535L,
              65536L,
              -(1L << 31),
              1L << 31,
              Long.MAX_VALUE,
              Long.MIN_VALUE,
              BigInteger.TWO.pow(70),
              BigInteger.TWO.pow(70).negate()),
          m.get("ints"),
          p);
      assertEquals(List.of(0.5, -1e300, Double.POSITIVE_INFINITY), m.get("floats"), p);
      assertEquals(PyTuple.of(true, false), m.get("bools"), p);
      assertTrue(m.containsKey("none"));
      assertNull(m.get("none"));
      assertEquals("u\u00e9\u4e2d\uD83D\uDE00 \"q\" \\ \n", m.get("text"), p);
      assertArrayEquals(new byte[] {0, (byte) 0xFF, 'a', 'b'}, (byte[]) m.get("bytes"), p);
      assertInstanceOf(PyOrderedDict.class, m.get("od"), p);
      assertEquals(List.of("z", "a"), List.copyOf(((Map<?, ?>) m.get("od")).keySet()));
      assertEquals(Set.of(3L), m.get("set"), p);
      assertEquals(Set.of(4L), m.get("fs"), p);
      List<?> nested = (List<?>) m.get("nested");
      assertEquals(
          List.of(
              List.of(),
              Map.of(),
              PyTuple.of(),
              PyTuple.of(1L),
              PyTuple.of(1L, 2L),
              PyTuple.of(1L, 2L, 3L),
              PyTuple.of(1L, 2L, 3L, 4L)),
          nested,
          p);
      assertEquals("tuplekey", m.get(PyTuple.of(1L, "k")), p);
    }
  }

  @Test
  void refusesEvilGlobalsBeforeRunningAnything() {
    AtomicInteger persistentLoads = new AtomicInteger();
    // A harmless-looking prefix that WOULD call persistent_load, then the evil global.
    byte[][] evil = {
      new PickleBuilder()
          .proto(2)
          .op(PickleOp.MARK)
          .str("storage")
          .op(PickleOp.TUPLE)
          .op(PickleOp.BINPERSID)
          .op(PickleOp.POP)
          .global("os", "system")
          .str("touch /tmp/fasterdit_pwned")
          .op(PickleOp.TUPLE1)
          .op(PickleOp.REDUCE)
          .stop()
          .bytes(),
      new PickleBuilder()
          .proto(2)
          .global("builtins", "eval")
          .str("1+1")
          .op(PickleOp.TUPLE1)
          .op(PickleOp.REDUCE)
          .stop()
          .bytes(),
      new PickleBuilder()
          .proto(4)
          .stackGlobal("subprocess", "Popen")
          .op(PickleOp.EMPTY_LIST)
          .op(PickleOp.TUPLE1)
          .op(PickleOp.REDUCE)
          .stop()
          .bytes(),
      // STACK_GLOBAL operands laundered through the memo.
      new PickleBuilder()
          .proto(4)
          .shortStr("posix")
          .op(PickleOp.MEMOIZE)
          .op(PickleOp.POP)
          .shortStr("system")
          .binput(9)
          .op(PickleOp.POP)
          .op(PickleOp.BINGET)
          .raw(0)
          .binget(9)
          .op(PickleOp.STACK_GLOBAL)
          .stop()
          .bytes(),
      // Python 2 spelling goes through the same normalisation and is still refused.
      new PickleBuilder().proto(2).global("__builtin__", "getattr").stop().bytes(),
    };
    String[] named = {
      "os.system", "builtins.eval", "subprocess.Popen", "posix.system", "__builtin__.getattr"
    };
    for (int i = 0; i < evil.length; i++) {
      byte[] pkl = evil[i];
      var e =
          assertThrows(
              TensorFormatException.class,
              () ->
                  new RestrictedUnpickler(
                          "p.pt: data.pkl",
                          pkl,
                          pid -> {
                            persistentLoads.incrementAndGet();
                            return null;
                          })
                      .load());
      assertTrue(
          e.getMessage()
              .startsWith("p.pt: data.pkl: global '" + named[i] + "' is not allowed (allowed: "),
          e.getMessage());
    }
    assertEquals(0, persistentLoads.get(), "nothing executed before the refusal");
    assertFalse(java.nio.file.Files.exists(java.nio.file.Path.of("/tmp/fasterdit_pwned")));
  }

  @Test
  void refusesUnresolvableStackGlobalAndCodeOpcodes() {
    // Operands come from a computed value (DUP of a tuple item), not string constants.
    byte[] computed =
        new PickleBuilder()
            .proto(4)
            .shortStr("os")
            .op(PickleOp.TUPLE1)
            .op(PickleOp.DUP)
            .op(PickleOp.STACK_GLOBAL)
            .stop()
            .bytes();
    var e = assertThrows(TensorFormatException.class, () -> load(computed));
    assertTrue(e.getMessage().contains("cannot be resolved statically"), e.getMessage());
    for (PickleOp op :
        new PickleOp[] {PickleOp.INST, PickleOp.OBJ, PickleOp.EXT1, PickleOp.NEXT_BUFFER}) {
      var r =
          assertThrows(
              TensorFormatException.class,
              () -> load(new PickleBuilder().proto(2).op(op).raw(1, '\n', 'x', '\n').stop()));
      assertTrue(r.getMessage().contains(op.name()), r.getMessage());
    }
    var ns1 = assertThrows(TensorFormatException.class, () -> load(CPythonPickles.nsProto1()));
    assertTrue(ns1.getMessage().contains("'copy_reg._reconstructor'"), ns1.getMessage());
  }

  @Test
  void executesTextOpcodesOfProtocol0() {
    String text =
        "(lp0\nI42\naI01\naL123456789012345678901234567890L\naF-2.5e-3\naS'a\\'b\\x41'"
            + "\np1\nag1\naVcaf\\u00e9\na(I1\nI2\ntp2\na(dp3\nS'k'\nNsaN0.";
    List<?> l = (List<?>) load(text.getBytes(StandardCharsets.ISO_8859_1));
    assertEquals(
        List.of(
            42L,
            true,
            new BigInteger("123456789012345678901234567890"),
            -2.5e-3,
            "a'bA",
            "a'bA",
            "café",
            PyTuple.of(1L, 2L),
            java.util.Collections.singletonMap("k", null)),
        l);
  }

  @Test
  void executesBinaryContainerAndMemoOpcodes() {
    byte[] b =
        new PickleBuilder()
            .proto(4)
            .op(PickleOp.EMPTY_DICT)
            .op(PickleOp.LONG_BINPUT)
            .le32(70000)
            .str("list")
            .op(PickleOp.MARK)
            .integer(1)
            .integer(-70000)
            .integer(1L << 40)
            .op(PickleOp.LIST)
            .op(PickleOp.SETITEM)
            .str("dup")
            .integer(5)
            .op(PickleOp.DUP)
            .op(PickleOp.TUPLE2)
            .op(PickleOp.SETITEM)
            .str("bytes")
            .op(PickleOp.BINBYTES)
            .le32(2)
            .raw(9, 8)
            .op(PickleOp.SETITEM)
            .str("b8")
            .op(PickleOp.BINBYTES8)
            .le32(1)
            .le32(0)
            .raw(7)
            .op(PickleOp.SETITEM)
            .str("u8")
            .op(PickleOp.BINUNICODE8)
            .le32(2)
            .le32(0)
            .text("hi")
            .op(PickleOp.SETITEM)
            .str("ba")
            .op(PickleOp.BYTEARRAY8)
            .le32(0)
            .le32(0)
            .op(PickleOp.SETITEM)
            .str("f")
            .op(PickleOp.BINFLOAT)
            .raw(0x3f, 0xf8, 0, 0, 0, 0, 0, 0)
            .op(PickleOp.SETITEM)
            .str("self")
            .op(PickleOp.LONG_BINGET)
            .le32(70000)
            .op(PickleOp.SETITEM)
            .str("popmark")
            .op(PickleOp.MARK)
            .integer(1)
            .integer(2)
            .op(PickleOp.POP_MARK)
            .op(PickleOp.NONE)
            .op(PickleOp.SETITEM)
            .str("fs")
            .op(PickleOp.MARK)
            .integer(3)
            .op(PickleOp.FROZENSET)
            .op(PickleOp.SETITEM)
            .str("ns")
            .global("argparse", "Namespace")
            .op(PickleOp.EMPTY_TUPLE)
            .op(PickleOp.EMPTY_DICT)
            .op(PickleOp.NEWOBJ_EX)
            .op(PickleOp.EMPTY_DICT)
            .str("lr")
            .op(PickleOp.BINFLOAT)
            .raw(0x3f, 0x1a, 0x36, 0xe2, 0xeb, 0x1c, 0x43, 0x2d)
            .op(PickleOp.SETITEM)
            .op(PickleOp.BUILD)
            .op(PickleOp.SETITEM)
            .str("dev")
            .global("torch", "device")
            .str("cuda")
            .integer(1)
            .op(PickleOp.TUPLE2)
            .op(PickleOp.REDUCE)
            .op(PickleOp.SETITEM)
            .stop()
            .bytes();
    Map<?, ?> m = (Map<?, ?>) load(b);
    assertEquals(List.of(1L, -70000L, 1L << 40), m.get("list"));
    assertEquals(PyTuple.of(5L, 5L), m.get("dup"));
    assertArrayEquals(new byte[] {9, 8}, (byte[]) m.get("bytes"));
    assertArrayEquals(new byte[] {7}, (byte[]) m.get("b8"));
    assertEquals("hi", m.get("u8"));
    assertEquals(0, ((byte[]) m.get("ba")).length);
    assertEquals(1.5, m.get("f"));
    assertSame(m, m.get("self"));
    assertNull(m.get("popmark"));
    assertEquals(Set.of(3L), m.get("fs"));
    assertEquals(1e-4, ((PyNamespace) m.get("ns")).get("lr"));
    assertEquals("cuda:1", m.get("dev"));
  }

  @Test
  void selfReferenceDoesNotLoop() {
    byte[] b =
        new PickleBuilder()
            .proto(2)
            .op(PickleOp.EMPTY_LIST)
            .binput(0)
            .binget(0)
            .op(PickleOp.APPEND)
            .stop()
            .bytes();
    List<?> l = (List<?>) load(b);
    assertSame(l, l.get(0));
    assertTrue(TorchCheckpoint.tensors(l).isEmpty());
  }

  @Test
  void refusesExponentialTupleKeysQuickly() {
    // t = (t, t) forty times: 2^40 leaves if unfolded; hashing it must not be attempted.
    PickleBuilder b = new PickleBuilder().proto(2).op(PickleOp.EMPTY_DICT).integer(1);
    for (int i = 0; i < 40; i++) {
      b.op(PickleOp.DUP).op(PickleOp.TUPLE2);
    }
    byte[] pkl = b.op(PickleOp.NONE).op(PickleOp.SETITEM).stop().bytes();
    long start = System.nanoTime();
    var e = assertThrows(TensorFormatException.class, () -> load(pkl));
    assertTrue(e.getMessage().contains("unhashable"), e.getMessage());
    assertTrue(System.nanoTime() - start < 2_000_000_000L);
  }

  @Test
  void rejectsMalformedStreams() {
    List<byte[]> bad = new ArrayList<>();
    bad.add(new byte[0]);
    bad.add(new PickleBuilder().proto(2).op(PickleOp.NONE).bytes()); // no STOP
    bad.add(new PickleBuilder().proto(2).binget(3).stop().bytes()); // missing memo
    bad.add(new PickleBuilder().proto(2).op(PickleOp.APPEND).stop().bytes()); // underflow
    bad.add(new PickleBuilder().proto(2).raw(0xFF).stop().bytes()); // unknown opcode
    bad.add(new PickleBuilder().proto(2).op(PickleOp.BINUNICODE).le32(-1).stop().bytes());
    bad.add(new PickleBuilder().proto(2).op(PickleOp.LONG4).le32(1 << 30).stop().bytes());
    bad.add(
        new PickleBuilder()
            .proto(2)
            .op(PickleOp.EMPTY_DICT)
            .op(PickleOp.EMPTY_LIST)
            .integer(1)
            .op(PickleOp.SETITEM)
            .stop()
            .bytes()); // unhashable key
    bad.add(new PickleBuilder().proto(2).op(PickleOp.POP_MARK).stop().bytes());
    bad.add(new PickleBuilder().proto(9).op(PickleOp.NONE).stop().bytes());
    bad.add(
        new PickleBuilder()
            .proto(2)
            .global("torch", "FloatStorage")
            .op(PickleOp.EMPTY_TUPLE)
            .op(PickleOp.REDUCE)
            .stop()
            .bytes()); // not callable
    bad.add(
        new PickleBuilder()
            .proto(2)
            .global("collections", "OrderedDict")
            .integer(3)
            .op(PickleOp.REDUCE)
            .stop()
            .bytes()); // args not a tuple
    bad.add(
        new PickleBuilder()
            .proto(2)
            .op(PickleOp.SHORT_BINUNICODE)
            .raw(2, 0xC3, 0x28)
            .stop()
            .bytes()); // invalid UTF-8
    bad.add(new PickleBuilder().op(PickleOp.INT).text("12x\n").stop().bytes());
    bad.add(new PickleBuilder().op(PickleOp.FLOAT).text("0x1p3\n").stop().bytes());
    bad.add(
        new PickleBuilder()
            .op(PickleOp.MARK)
            .integer(1)
            .op(PickleOp.PERSID)
            .text("0\n")
            .stop()
            .bytes()); // persistent id without a handler
    for (byte[] pkl : bad) {
      var e = assertThrows(TensorFormatException.class, () -> load(pkl));
      assertTrue(e.getMessage().startsWith("t.pkl: "), e.getMessage());
    }
  }
}
