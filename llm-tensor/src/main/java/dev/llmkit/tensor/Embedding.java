package dev.llmkit.tensor;

import dev.llmkit.tensor.kernel.Parallel;

import java.nio.FloatBuffer;

/**
 * Embedding lookup: token ids select rows of a table (token embeddings {@code wte}, learned position
 * embeddings {@code wpe}), and the backward pass scatters the gradients back into those rows.
 */
public final class Embedding {

  private Embedding() {}

  /**
   * {@code out[j, :] = table[ids[offset + j], :]} for {@code j < count}.
   *
   * <p>table: (V, C), ids[offset .. offset+count) -> out: (count, C) (or any shape with count·C
   * elements and last dimension C, e.g. (B, T, C) with B·T = count).
   *
   * @throws IllegalArgumentException if an id is outside [0, V), naming the id, its index and V
   */
  public static void gather(Tensor table, int[] ids, int offset, int count, Tensor out) {
    final String op = "Embedding.gather";
    int c = checkTable(op, table);
    int v = ShapeChecks.rows(table);
    checkIds(op, ids, offset, count, v);
    checkRows(op, "out", out, count, c, table);
    FloatBuffer pt = table.buffer();
    FloatBuffer po = out.buffer();
    Parallel.forRange(count, c, (j0, j1) -> {
      for (int j = j0; j < j1; j++) {
        po.put(j * c, pt, ids[offset + j] * c, c);
      }
    });
  }

  /**
   * Convenience: a new {@code (ids.length, C)} tensor of the rows for all ids.
   *
   * <p>table: (V, C), ids: (N) -> (N, C).
   */
  public static Tensor gather(Tensor table, int[] ids) {
    int c = checkTable("Embedding.gather", table);
    if (ids == null) {
      throw new NullPointerException("Embedding.gather: ids must not be null");
    }
    Tensor out = Tensor.zeros(ids.length, c);
    gather(table, ids, 0, ids.length, out);
    return out;
  }

  /**
   * Backward of {@link #gather}; ADDS: {@code dtable[ids[offset + j], :] += dout[j, :]}. Repeated ids
   * accumulate, in order of j.
   *
   * <p>dout: (count, C), ids[offset .. offset+count), dtable: (V, C).
   */
  public static void scatterAddBackward(Tensor dout, int[] ids, int offset, int count, Tensor dtable) {
    final String op = "Embedding.scatterAddBackward";
    int c = checkTable(op, dtable);
    int v = ShapeChecks.rows(dtable);
    checkIds(op, ids, offset, count, v);
    checkRows(op, "dout", dout, count, c, dtable);
    FloatBuffer pg = dout.buffer();
    FloatBuffer pt = dtable.buffer();
    // Split by columns, not by tokens: the same id may occur in several places, and each column of
    // dtable is then updated by one thread in token order (reproducible whatever the thread count).
    Parallel.forRange(c, count, (c0, c1) -> {
      for (int j = 0; j < count; j++) {
        int src = j * c;
        int dst = ids[offset + j] * c;
        for (int i = c0; i < c1; i++) {
          pt.put(dst + i, pt.get(dst + i) + pg.get(src + i));
        }
      }
    });
  }

  private static int checkTable(String op, Tensor table) {
    ShapeChecks.nonNull(op, "table", table);
    if (table.rank() != 2) {
      throw new IllegalArgumentException(op + ": table must be (V, C), got " + table.shapeString());
    }
    return table.dim(1);
  }

  private static void checkRows(String op, String name, Tensor t, int count, int c, Tensor table) {
    ShapeChecks.nonNull(op, name, t);
    if (t.length() != (long) count * c || (count > 0 && ShapeChecks.cols(t) != c)) {
      throw new IllegalArgumentException(
          op + ": " + name + " has shape " + t.shapeString() + " but expected (" + count + ", " + c
              + ") for " + count + " ids and a table of shape " + table.shapeString());
    }
  }

  private static void checkIds(String op, int[] ids, int offset, int count, int v) {
    if (ids == null) {
      throw new NullPointerException(op + ": ids must not be null");
    }
    if (offset < 0 || count < 0 || (long) offset + count > ids.length) {
      throw new IllegalArgumentException(
          op + ": ids range [" + offset + ", " + ((long) offset + count) + ") is outside the "
              + ids.length + " ids given");
    }
    for (int j = offset; j < offset + count; j++) {
      int id = ids[j];
      if (id < 0 || id >= v) {
        throw new IllegalArgumentException(
            op + ": id " + id + " at index " + j + " is outside the vocabulary [0, " + v + ")");
      }
    }
  }
}
