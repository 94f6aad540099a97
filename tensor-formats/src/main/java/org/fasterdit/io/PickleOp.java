package org.fasterdit.io;

/**
 * Pickle opcodes of protocols 0-5 with the shape of their inline argument. Opcodes marked
 * unsupported are refused by the scanner before anything is executed.
 */
enum PickleOp {
  MARK('(', Arg.NONE),
  STOP('.', Arg.NONE),
  POP('0', Arg.NONE),
  POP_MARK('1', Arg.NONE),
  DUP('2', Arg.NONE),
  FLOAT('F', Arg.LINE),
  INT('I', Arg.LINE),
  BININT('J', Arg.FIXED4),
  BININT1('K', Arg.FIXED1),
  LONG('L', Arg.LINE),
  BININT2('M', Arg.FIXED2),
  NONE('N', Arg.NONE),
  PERSID('P', Arg.LINE),
  BINPERSID('Q', Arg.NONE),
  REDUCE('R', Arg.NONE),
  STRING('S', Arg.LINE),
  BINSTRING('T', Arg.LEN4),
  SHORT_BINSTRING('U', Arg.LEN1),
  UNICODE('V', Arg.LINE),
  BINUNICODE('X', Arg.LEN4),
  APPEND('a', Arg.NONE),
  BUILD('b', Arg.NONE),
  GLOBAL('c', Arg.TWO_LINES),
  DICT('d', Arg.NONE),
  EMPTY_DICT('}', Arg.NONE),
  APPENDS('e', Arg.NONE),
  GET('g', Arg.LINE),
  BINGET('h', Arg.FIXED1),
  INST('i', Arg.TWO_LINES, false),
  LONG_BINGET('j', Arg.FIXED4),
  LIST('l', Arg.NONE),
  EMPTY_LIST(']', Arg.NONE),
  OBJ('o', Arg.NONE, false),
  PUT('p', Arg.LINE),
  BINPUT('q', Arg.FIXED1),
  LONG_BINPUT('r', Arg.FIXED4),
  SETITEM('s', Arg.NONE),
  TUPLE('t', Arg.NONE),
  EMPTY_TUPLE(')', Arg.NONE),
  SETITEMS('u', Arg.NONE),
  BINFLOAT('G', Arg.FIXED8),
  // protocol 2
  PROTO(0x80, Arg.FIXED1),
  NEWOBJ(0x81, Arg.NONE),
  EXT1(0x82, Arg.FIXED1, false),
  EXT2(0x83, Arg.FIXED2, false),
  EXT4(0x84, Arg.FIXED4, false),
  TUPLE1(0x85, Arg.NONE),
  TUPLE2(0x86, Arg.NONE),
  TUPLE3(0x87, Arg.NONE),
  NEWTRUE(0x88, Arg.NONE),
  NEWFALSE(0x89, Arg.NONE),
  LONG1(0x8a, Arg.LEN1),
  LONG4(0x8b, Arg.LEN4),
  // protocol 3
  BINBYTES('B', Arg.LEN4),
  SHORT_BINBYTES('C', Arg.LEN1),
  // protocol 4
  SHORT_BINUNICODE(0x8c, Arg.LEN1),
  BINUNICODE8(0x8d, Arg.LEN8),
  BINBYTES8(0x8e, Arg.LEN8),
  EMPTY_SET(0x8f, Arg.NONE),
  ADDITEMS(0x90, Arg.NONE),
  FROZENSET(0x91, Arg.NONE),
  NEWOBJ_EX(0x92, Arg.NONE),
  STACK_GLOBAL(0x93, Arg.NONE),
  MEMOIZE(0x94, Arg.NONE),
  FRAME(0x95, Arg.FIXED8),
  // protocol 5 (out-of-band buffers make no sense in a file)
  BYTEARRAY8(0x96, Arg.LEN8),
  NEXT_BUFFER(0x97, Arg.NONE, false),
  READONLY_BUFFER(0x98, Arg.NONE, false);

  /** How the inline argument is encoded. LENn: an n-byte little-endian length then data. */
  enum Arg {
    NONE,
    FIXED1,
    FIXED2,
    FIXED4,
    FIXED8,
    LINE,
    TWO_LINES,
    LEN1,
    LEN4,
    LEN8
  }

  private static final PickleOp[] BY_CODE = new PickleOp[256];

  static {
    for (PickleOp op : values()) {
      BY_CODE[op.code] = op;
    }
  }

  final int code;
  final Arg arg;

  /** False for opcodes that can run arbitrary constructors or need out-of-band data. */
  final boolean supported;

  PickleOp(int code, Arg arg) {
    this(code, arg, true);
  }

  PickleOp(int code, Arg arg, boolean supported) {
    this.code = code;
    this.arg = arg;
    this.supported = supported;
  }

  /** The opcode for {@code b}, or null if {@code b} is not a pickle opcode. */
  static PickleOp of(int b) {
    return BY_CODE[b & 0xFF];
  }

  boolean pushesString() {
    return this == STRING
        || this == BINSTRING
        || this == SHORT_BINSTRING
        || this == UNICODE
        || this == BINUNICODE
        || this == SHORT_BINUNICODE
        || this == BINUNICODE8;
  }
}
