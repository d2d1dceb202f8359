package dev.llmkit.tokenizer.sentencepiece;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.tokenizer.FuzzTally;
import dev.llmkit.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutants of SentencePiece {@code .model} files (protobuf {@code ModelProto}), built by an
 * independent protobuf encoder in this test so that each mutant's validity is known by construction,
 * with SentencePiece's own load-time rules ({@code model_interface.cc}) as the reference: truncated
 * and over-long varints, cuts inside a field, wire types that do not fit the field, piece types
 * outside 1..6, empty, non-UTF-8 and duplicated pieces (within the normal or within the reserved
 * kinds), a second UNKNOWN piece, {@code unk_id} and {@code model_type} out of range, BYTE pieces
 * without {@code byte_fallback} (and the reverse), malformed byte pieces, broken
 * {@code precompiled_charsmap} headers; plus unknown fields (valid, skipped) and random byte flips
 * (may load; must never fail with anything but a {@code TokenizerFormatException} naming the file).
 */
class SentencePieceModelFuzzTest {

  private static final String TEXT = "the quick brown fox, jumps over the lazy dog 123 é€";

  @TempDir Path tmp;

  /** One protobuf field: number, wire type and its encoded value (payload for LEN). */
  record Field(int number, int wire, byte[] value) {}

  @Test
  @Timeout(60)
  void modelMutants() throws Exception {
    List<List<Field>> bases = new ArrayList<>();
    for (String name : new String[] {"bpe-plain.model", "unigram-bytes.model"}) {
      try (InputStream in = getClass().getResourceAsStream("/sentencepiece/" + name)) {
        bases.add(parse(in.readAllBytes()));
      }
    }
    SplittableRandom r = new SplittableRandom(19);
    FuzzTally tally = new FuzzTally("sentencepiece .model");
    for (int i = 0; i < 1500 * FuzzTally.SCALE; i++) {
      boolean bytesModel = r.nextBoolean();
      List<Field> m = new ArrayList<>(bases.get(bytesModel ? 1 : 0));
      Boolean valid = mutate(m, bytesModel, r);
      byte[] bytes = encode(m);
      int kind = r.nextInt(12);
      if (valid != null && kind == 0) { // cut inside a top-level field
        int cut = cutInsideField(m, r);
        bytes = java.util.Arrays.copyOf(bytes, cut);
        valid = false;
      } else if (valid != null && kind == 1) { // a key whose varint never ends
        bytes = concat(bytes, r.nextBoolean() ? new byte[] {(byte) 0x80}
            : new byte[] {(byte) 0x8a, (byte) 0x80, (byte) 0x80});
        valid = false;
      } else if (valid != null && kind == 2) { // a varint of 11 bytes
        byte[] v = new byte[11];
        java.util.Arrays.fill(v, (byte) 0xff);
        v[10] = 1;
        bytes = concat(bytes, v);
        valid = false;
      }
      Path f = Files.write(tmp.resolve("m" + (i % 16) + ".model"), bytes);
      Throwable failure = FuzzTally.attempt(() -> {
        Tokenizer t = SentencePieceModelFile.load(f);
        int[] ids = t.encode(TEXT);
        assertThat(ids).isNotEmpty();
        t.decode(ids);
      });
      if (valid == null) {
        tally.recordUnknown(f, failure);
      } else {
        tally.record(f, valid, failure);
      }
    }
    tally.check();
  }

  /** Mutates the top-level fields; returns whether the model is still valid (null: unknown). */
  private static Boolean mutate(List<Field> m, boolean bytesModel, SplittableRandom r) {
    List<Integer> pieces = new ArrayList<>();
    for (int i = 0; i < m.size(); i++) {
      if (m.get(i).number() == 1) {
        pieces.add(i);
      }
    }
    // normal pieces sit after <unk>, <s>, </s> and, in the byte model, the 256 byte pieces
    int firstNormal = bytesModel ? 3 + 256 : 3;
    int a = pieces.get(firstNormal + r.nextInt(pieces.size() - firstNormal));
    int b = pieces.get(firstNormal + r.nextInt(pieces.size() - firstNormal));
    switch (r.nextInt(18)) {
      case 0 -> { // a wire type that does not fit, or does not exist
        int at = r.nextInt(m.size());
        Field f = m.get(at);
        m.set(at, new Field(f.number(), new int[] {0, 1, 3, 4, 5, 6, 7}[r.nextInt(7)], f.value()));
        return false;
      }
      case 1 -> {
        setPiece(m, a, 3, varint(new long[] {0, 7, 100, 1L << 31}[r.nextInt(4)]), VARINT);
        return false;
      }
      case 2 -> { // the text of another normal piece
        setPiece(m, a, 1, text(m.get(b)), LEN);
        return a == b;
      }
      case 3 -> { // the text of a control piece: another kind, allowed by SentencePiece
        setPiece(m, a, 1, "</s>".getBytes(StandardCharsets.UTF_8), LEN);
        return true;
      }
      case 4 -> {
        setPiece(m, a, 1, new byte[0], LEN);
        return false;
      }
      case 5 -> {
        setPiece(m, a, 1, new byte[][] {{(byte) 0xc3}, {'a', (byte) 0xff}, {(byte) 0xed,
            (byte) 0xa0, (byte) 0x80}}[r.nextInt(3)], LEN);
        return false;
      }
      case 6 -> { // a second UNKNOWN piece
        setPiece(m, a, 3, varint(2), VARINT);
        return false;
      }
      case 7 -> {
        int n = pieces.size();
        setTrainer(m, 40, varint(new long[] {n, n + 5, 1, -1}[r.nextInt(4)]));
        return false;
      }
      case 8 -> {
        int type = new int[] {0, 3, 4, 9, bytesModel ? 1 : 2}[r.nextInt(5)];
        setTrainer(m, 3, varint(type));
        return type == (bytesModel ? 1 : 2);
      }
      case 9 -> { // byte pieces need byte_fallback, and byte_fallback needs all 256
        setTrainer(m, 35, varint(bytesModel ? 0 : 1));
        return false;
      }
      case 10 -> {
        if (!bytesModel) {
          setPiece(m, a, 3, varint(6), VARINT); // a BYTE piece in a model without byte_fallback
          return false;
        }
        int at = pieces.get(3 + r.nextInt(256));
        setPiece(m, at, 1, List.of("<0xZZ>", "<0x100>", "0x41", "<0x4>", "a")
            .get(r.nextInt(5)).getBytes(StandardCharsets.UTF_8), LEN);
        return false;
      }
      case 11 -> {
        byte[] blob = switch (r.nextInt(4)) {
          case 0 -> new byte[1 + r.nextInt(4)];
          case 1 -> new byte[] {6, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
          case 2 -> new byte[] {12, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
          default -> new byte[] {(byte) 0xfc, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2, 3, 4, 5};
        };
        setNormalizer(m, blob);
        return false;
      }
      case 12 -> { // an unknown field of each wire type: skipped, as protobuf does
        int wire = new int[] {0, 1, 2, 5}[r.nextInt(4)];
        byte[] v = switch (wire) {
          case 0 -> varint(r.nextLong(1L << 40));
          case 1 -> new byte[8];
          case 5 -> new byte[4];
          default -> "extra".getBytes(StandardCharsets.UTF_8);
        };
        m.add(r.nextInt(m.size() + 1), new Field(100 + r.nextInt(50), wire, v));
        return true;
      }
      case 13 -> { // a random byte of a random field's value
        int at = r.nextInt(m.size());
        Field f = m.get(at);
        if (f.value().length == 0) {
          return true;
        }
        byte[] v = f.value().clone();
        v[r.nextInt(v.length)] = (byte) r.nextInt(256);
        m.set(at, new Field(f.number(), f.wire(), v));
        return null;
      }
      default -> {
        return true;
      }
    }
  }

  static final int VARINT = 0;
  static final int LEN = 2;

  private static byte[] text(Field piece) {
    for (Field f : parse(piece.value())) {
      if (f.number() == 1) {
        return f.value();
      }
    }
    throw new AssertionError("piece without text");
  }

  /** Replaces (or adds) sub-field {@code number} of the piece at {@code at}. */
  private static void setPiece(List<Field> m, int at, int number, byte[] value, int wire) {
    m.set(at, new Field(1, LEN, setSub(m.get(at).value(), number, wire, value)));
  }

  private static void setTrainer(List<Field> m, int number, byte[] value) {
    setIn(m, 2, number, VARINT, value);
  }

  private static void setNormalizer(List<Field> m, byte[] charsmap) {
    setIn(m, 3, 2, LEN, charsmap);
  }

  private static void setIn(List<Field> m, int message, int number, int wire, byte[] value) {
    for (int i = 0; i < m.size(); i++) {
      if (m.get(i).number() == message) {
        m.set(i, new Field(message, LEN, setSub(m.get(i).value(), number, wire, value)));
        return;
      }
    }
    throw new AssertionError("no field " + message);
  }

  private static byte[] setSub(byte[] message, int number, int wire, byte[] value) {
    List<Field> sub = new ArrayList<>();
    for (Field f : parse(message)) {
      if (f.number() != number) {
        sub.add(f);
      }
    }
    sub.add(new Field(number, wire, value));
    return encode(sub);
  }

  /** A position strictly inside one of the top-level fields' encodings. */
  private static int cutInsideField(List<Field> m, SplittableRandom r) {
    int at = r.nextInt(m.size());
    int start = 0;
    for (int i = 0; i < at; i++) {
      start += encode(List.of(m.get(i))).length;
    }
    int len = encode(List.of(m.get(at))).length;
    return start + 1 + r.nextInt(len - 1);
  }

  /** An independent parse of the protobuf wire format (the trusted fixtures only). */
  static List<Field> parse(byte[] b) {
    List<Field> out = new ArrayList<>();
    int[] pos = {0};
    while (pos[0] < b.length) {
      long key = readVarint(b, pos);
      int wire = (int) (key & 7);
      int number = (int) (key >>> 3);
      int start = pos[0];
      switch (wire) {
        case 0 -> readVarint(b, pos);
        case 1 -> pos[0] += 8;
        case 5 -> pos[0] += 4;
        case 2 -> {
          int n = (int) readVarint(b, pos);
          start = pos[0];
          pos[0] += n;
        }
        default -> throw new AssertionError("wire type " + wire);
      }
      out.add(new Field(number, wire, java.util.Arrays.copyOfRange(b, start, pos[0])));
    }
    return out;
  }

  static byte[] encode(List<Field> fields) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    for (Field f : fields) {
      o.writeBytes(varint(((long) f.number() << 3) | f.wire()));
      if (f.wire() == LEN) {
        o.writeBytes(varint(f.value().length));
      }
      o.writeBytes(f.value());
    }
    return o.toByteArray();
  }

  private static long readVarint(byte[] b, int[] pos) {
    long v = 0;
    for (int shift = 0; ; shift += 7) {
      int x = b[pos[0]++] & 0xff;
      v |= (long) (x & 0x7f) << shift;
      if (x < 0x80) {
        return v;
      }
    }
  }

  static byte[] varint(long v) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    while ((v & ~0x7fL) != 0) {
      o.write((int) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    o.write((int) v);
    return o.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
