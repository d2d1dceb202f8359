package dev.llmkit.tokenizer.sentencepiece;

import dev.llmkit.tokenizer.TokenizerFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A minimal reader of the protobuf wire format, enough for SentencePiece's {@code ModelProto}.
 *
 * <p>Hand-written on purpose: llm-tokenizer's only dependency is Jackson, and pulling
 * protobuf-java (with generated classes for one message) into every tokenizer user's class path
 * for a single file format is not worth it. Only the wire types of proto2 messages are read
 * (varint, 64-bit, length-delimited, 32-bit); unknown fields are skipped, so newer
 * SentencePiece files still load. Every malformed length, unterminated or over-long varint and
 * unknown wire type throws a {@link TokenizerFormatException} naming the file and the byte offset.
 */
final class ProtoReader {
  static final int VARINT = 0;
  static final int I64 = 1;
  static final int LEN = 2;
  static final int I32 = 5;

  private final byte[] buf;
  private final int end;
  private final String fileName;
  private int pos;
  private int tag;

  ProtoReader(byte[] buf, int start, int end, String fileName) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.fileName = fileName;
  }

  /** Moves to the next field; false at the end of the message. */
  boolean next() {
    if (pos >= end) {
      return false;
    }
    long key = varint();
    tag = (int) key;
    if (fieldNumber() == 0) {
      throw bad("field number 0");
    }
    return true;
  }

  int fieldNumber() {
    return tag >>> 3;
  }

  int wireType() {
    return tag & 7;
  }

  long varint() {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= end) {
        throw bad("varint runs past the end");
      }
      int b = buf[pos++] & 0xFF;
      v |= (long) (b & 0x7F) << shift;
      if (b < 0x80) {
        return v;
      }
    }
    throw bad("varint longer than 10 bytes");
  }

  float float32() {
    expect(I32);
    if (end - pos < 4) {
      throw bad("float runs past the end");
    }
    float f = ByteBuffer.wrap(buf, pos, 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
    pos += 4;
    return f;
  }

  /** The value of a varint field (bool, enum, int32). */
  long varintField() {
    expect(VARINT);
    return varint();
  }

  /** A length-delimited field as a sub-reader over its bytes. */
  ProtoReader message() {
    int[] r = lengthDelimited();
    return new ProtoReader(buf, r[0], r[1], fileName);
  }

  byte[] bytes() {
    int[] r = lengthDelimited();
    return java.util.Arrays.copyOfRange(buf, r[0], r[1]);
  }

  /** A string field, which must be well-formed UTF-8 (protobuf's rule for {@code string}). */
  String string() {
    int[] r = lengthDelimited();
    try {
      return java.nio.charset.StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(buf, r[0], r[1] - r[0])).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      pos = r[0];
      throw bad("field " + fieldNumber() + " is not valid UTF-8");
    }
  }

  private int[] lengthDelimited() {
    expect(LEN);
    long n = varint();
    if (n < 0 || n > end - pos) {
      throw bad("field " + fieldNumber() + " claims " + n + " bytes but " + (end - pos) + " remain");
    }
    int s = pos;
    pos += (int) n;
    return new int[] {s, pos};
  }

  void skip() {
    switch (wireType()) {
      case VARINT:
        varint();
        break;
      case I64:
        advance(8);
        break;
      case LEN:
        lengthDelimited();
        break;
      case I32:
        advance(4);
        break;
      default:
        throw bad("unsupported wire type " + wireType() + " of field " + fieldNumber());
    }
  }

  private void advance(int n) {
    if (end - pos < n) {
      throw bad("field " + fieldNumber() + " runs past the end");
    }
    pos += n;
  }

  private void expect(int wire) {
    if (wireType() != wire) {
      throw bad("field " + fieldNumber() + " has wire type " + wireType() + ", expected " + wire);
    }
  }

  TokenizerFormatException bad(String what) {
    return new TokenizerFormatException(
        fileName + ": not a SentencePiece model (protobuf ModelProto expected): " + what
            + " at byte " + pos);
  }
}
