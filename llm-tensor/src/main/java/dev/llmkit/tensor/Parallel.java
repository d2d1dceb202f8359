package dev.llmkit.tensor;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;

/**
 * The shared thread pool of the kernels, sized to the machine's cores (or to the system property
 * {@code llmkit.threads}).
 *
 * <p>Work is split into {@link #threads()} contiguous chunks by a fixed rule that depends only on
 * the range and the thread count, never on timing, and no kernel reduces across chunks in an order
 * that timing could change. So, for a given thread count, results are bit-for-bit reproducible.
 */
public final class Parallel {

  /** Work below this many inner-loop operations runs on the calling thread. */
  public static final long MIN_WORK_PER_TASK = 32_768;

  private static final int THREADS =
      Integer.getInteger("llmkit.threads", Runtime.getRuntime().availableProcessors());

  private static final ForkJoinPool POOL =
      THREADS <= 1
          ? null
          : new ForkJoinPool(
              THREADS,
              pool -> {
                var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
                t.setName("llmkit-kernel-" + t.getPoolIndex());
                t.setDaemon(true);
                return t;
              },
              null,
              false);

  private Parallel() {}

  /** Number of threads the kernels use. */
  public static int threads() {
    return THREADS;
  }

  /** Body of a parallel loop over the index range {@code [from, to)}. */
  @FunctionalInterface
  public interface RangeBody {
    /** Processes indices {@code from} (inclusive) to {@code to} (exclusive). */
    void run(int from, int to);
  }

  /**
   * Runs {@code body} over {@code [0, n)} split into at most {@link #threads()} contiguous chunks.
   *
   * @param n number of indices
   * @param workPerIndex rough number of inner-loop operations per index; small totals run serially
   * @param body the loop body; must only write memory owned by its index range
   */
  public static void forRange(int n, long workPerIndex, RangeBody body) {
    int chunks = (int) Math.min(THREADS, Math.max(1, (n * Math.max(1, workPerIndex)) / MIN_WORK_PER_TASK));
    chunks = Math.min(chunks, Math.max(n, 1));
    if (chunks <= 1 || POOL == null || insidePool()) {
      if (n > 0) {
        body.run(0, n);
      }
      return;
    }
    final int c = chunks;
    POOL.invoke(
        new RecursiveAction() {
          @Override
          protected void compute() {
            ForkJoinTask<?>[] tasks = new ForkJoinTask<?>[c - 1];
            for (int i = 1; i < c; i++) {
              final int from = chunkStart(n, c, i);
              final int to = chunkStart(n, c, i + 1);
              tasks[i - 1] = ForkJoinTask.adapt(() -> body.run(from, to)).fork();
            }
            body.run(0, chunkStart(n, c, 1));
            for (int i = c - 2; i >= 0; i--) {
              tasks[i].join();
            }
          }
        });
  }

  /** Nested parallel loops run serially on the worker that reached them. */
  private static boolean insidePool() {
    return Thread.currentThread() instanceof ForkJoinWorkerThread w && w.getPool() == POOL;
  }

  /** Start of chunk {@code i} of {@code c} over {@code [0, n)}: a fixed, timing-free split. */
  static int chunkStart(int n, int c, int i) {
    return (int) ((long) n * i / c);
  }
}
