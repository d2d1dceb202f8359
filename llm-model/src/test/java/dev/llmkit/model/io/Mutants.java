package dev.llmkit.model.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded mutants of a valid file for the readers' fuzz tests, and the tally of what a reader did
 * with them against an independent oracle. Mutations aim at the header (sizes, offsets, types,
 * lengths): a byte set at random, a little-endian int or long nudged by a small delta or set to an
 * edge value, bytes inserted or deleted, the file truncated or extended, a data byte changed.
 *
 * <p>The number of mutants is {@code base * scale}, where {@code -Dllmkit.fuzz.scale=N} (default 1)
 * lengthens the run for developers (see README.md, "Hostile files and crashes").
 */
public final class Mutants {

  private static final long[] EDGES = {0, 1, -1, 2, 7, 8, 31, 32, 255, 0x7fffffffL, 0x80000000L,
      0xffffffffL, 1L << 32, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE};

  private Mutants() {}

  /** How many mutants to make of a format whose in-build share is {@code base}. */
  public static int count(int base) {
    return base * Integer.getInteger("llmkit.fuzz.scale", 1);
  }

  /**
   * One mutant of {@code base}.
   *
   * @param header bytes at the start that hold the header (where most mutations go)
   */
  public static byte[] mutate(byte[] base, int header, SplittableRandom r) {
    byte[] b = base.clone();
    int h = Math.max(1, Math.min(header, b.length));
    int kind = r.nextInt(10);
    switch (kind) {
      case 0, 1 -> b[r.nextInt(h)] = (byte) r.nextInt(256);
      case 2, 3 -> { // nudge an int32 or int64
        boolean wide = r.nextBoolean();
        int w = wide ? 8 : 4;
        if (h >= w) {
          int at = r.nextInt(h - w + 1);
          ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
          long delta = new long[] {-1, 1, -2, 2, -4, 4, -8, 8, 32, -32}[r.nextInt(10)];
          if (wide) {
            bb.putLong(at, bb.getLong(at) + delta);
          } else {
            bb.putInt(at, (int) (bb.getInt(at) + delta));
          }
        }
      }
      case 4 -> { // an edge value
        boolean wide = r.nextBoolean();
        int w = wide ? 8 : 4;
        if (h >= w) {
          int at = r.nextInt(h - w + 1);
          long v = EDGES[r.nextInt(EDGES.length)];
          ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
          if (wide) {
            bb.putLong(at, v);
          } else {
            bb.putInt(at, (int) v);
          }
        }
      }
      case 5 -> b = Arrays.copyOf(b, r.nextInt(b.length)); // truncated
      case 6 -> { // trailing bytes
        b = Arrays.copyOf(b, b.length + 1 + r.nextInt(64));
      }
      case 7 -> { // bytes inserted in the header
        int at = r.nextInt(h);
        int n = 1 + r.nextInt(16);
        byte[] out = new byte[b.length + n];
        System.arraycopy(b, 0, out, 0, at);
        for (int i = 0; i < n; i++) {
          out[at + i] = (byte) r.nextInt(256);
        }
        System.arraycopy(b, at, out, at + n, b.length - at);
        b = out;
      }
      case 8 -> { // bytes deleted from the header
        int at = r.nextInt(h);
        int n = Math.min(1 + r.nextInt(16), b.length - at);
        byte[] out = new byte[b.length - n];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(b, at + n, out, at, b.length - at - n);
        b = out;
      }
      default -> { // a data byte: the file stays structurally valid
        if (b.length > h) {
          b[h + r.nextInt(b.length - h)] ^= (byte) (1 + r.nextInt(255));
        }
      }
    }
    return b;
  }

  /** What the reader did with a format's mutants. */
  public static final class Tally {
    final String format;
    public int mutants;
    public int invalid;
    public int invalidAccepted;
    public int validRejected;
    public final List<String> problems = new ArrayList<>();

    public Tally(String format) {
      this.format = format;
    }

    /**
     * Records one mutant: {@code valid} is the oracle's verdict, {@code failure} what opening and
     * reading threw (null when it succeeded).
     */
    public void record(Path file, boolean valid, Throwable failure) {
      mutants++;
      if (!valid) {
        invalid++;
      }
      if (failure == null) {
        if (!valid) {
          invalidAccepted++;
          problem("structurally invalid mutant accepted: " + file.getFileName());
        }
        return;
      }
      if (valid) {
        validRejected++;
        problem("valid mutant rejected: " + failure);
      }
      String m = String.valueOf(failure.getMessage());
      if (!(failure instanceof IOException) && !(failure instanceof IllegalArgumentException)) {
        problem("unexpected " + failure.getClass().getName() + ": " + m);
      } else if (!m.contains(file.getFileName().toString())) {
        problem("message without the file name: " + m);
      } else if (m.length() > 1100 || m.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
        problem("unbounded or raw message (" + m.length() + " chars)");
      }
    }

    /**
     * Records a mutant whose validity is not known by construction (random byte flips): it may load,
     * but a failure must still be a format exception with a bounded, printable message naming the
     * file.
     */
    public void recordUnknown(Path file, Throwable failure) {
      if (failure == null) {
        mutants++;
      } else {
        record(file, false, failure);
      }
    }

    private void problem(String p) {
      if (problems.size() < 20) {
        problems.add(format + ": " + p);
      }
    }

    /** Asserts the numbers of issue 19 and that the oracle saw both kinds. */
    public void check() {
      assertThat(problems).as(format + ": " + this).isEmpty();
      assertThat(invalid).as(format + " invalid mutants").isGreaterThan(mutants / 4);
      assertThat(mutants - invalid).as(format + " valid mutants").isGreaterThan(0);
    }

    @Override
    public String toString() {
      return mutants + " mutants, " + invalid + " invalid, " + invalidAccepted + " invalid accepted, "
          + validRejected + " valid rejected";
    }
  }

  /** Opens (and reads) one file, throwing what the reader throws. */
  @FunctionalInterface
  public interface Reader {
    void read(Path file) throws Exception;
  }

  /**
   * Makes {@code count(base)} seeded mutants of {@code file}, has {@code reader} open each one and
   * tallies the outcome against {@code oracle}.
   */
  public static Tally run(String format, byte[] file, int header, int base, Path dir, String suffix,
      java.util.function.Predicate<byte[]> oracle, Reader reader) throws IOException {
    SplittableRandom r = new SplittableRandom(19);
    Tally tally = new Tally(format);
    int n = count(base);
    for (int i = 0; i < n; i++) {
      byte[] m = mutate(file, header, r);
      Path f = write(dir, "m" + (i % 16) + suffix, m);
      Throwable failure = null;
      try {
        reader.read(f);
      } catch (Exception | StackOverflowError e) {
        failure = e;
      }
      tally.record(f, oracle.test(m), failure);
    }
    System.out.println(format + " fuzz: " + tally);
    return tally;
  }

  /** Writes a mutant to a fresh file in {@code dir}. */
  public static Path write(Path dir, String name, byte[] bytes) throws IOException {
    return Files.write(dir.resolve(name), bytes);
  }
}
