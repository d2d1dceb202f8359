package dev.llmkit.tensor.kernel;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The kernels' thread team, sized to the machine's cores (or to the system property {@code
 * llmkit.threads}).
 *
 * <p>Work is split into {@link #threads()} contiguous chunks by a fixed rule that depends only on
 * the range and the thread count, never on timing, and no kernel reduces across chunks in an order
 * that timing could change. So, for a given thread count, results are bit-for-bit reproducible; a
 * kernel's result for an index never depends on which chunk computed it, so a loop may also run
 * whole on one thread with the same result.
 *
 * <p>Latency matters more than throughput here: a decode step issues about a hundred parallel loops
 * of 10–300 µs each. So the calling thread runs the first chunk itself, and the {@code threads-1}
 * daemon workers, once woken, spin for {@link #SPIN_NANOS} waiting for the next loop before they
 * park. A fork/join pool's hand-off (park, unpark, steal) measured about 48 µs per loop on the
 * development machine's VM; this team's about 1–2 µs when warm (see benchmarks/README.md).
 *
 * <p>{@link #forBlocks} splits a loop into many fixed blocks that the threads claim as they finish
 * them, for the memory-bound products of decoding: on a shared VM one core is often slower than the
 * other for a while, and with one fixed chunk per thread the caller then waited about 10% of a
 * decode step for the slower one. The blocks are fixed by the range alone, so results stay
 * reproducible.
 *
 * <p>One loop runs on the team at a time. A thread that finds the team busy (another thread's
 * loop), or a loop nested inside a chunk, runs its loop whole on its own thread: many sessions on
 * many threads still make progress and never wait for each other.
 */
public final class Parallel {

  /** Work below this many inner-loop operations runs on the calling thread. */
  public static final long MIN_WORK_PER_TASK = 32_768;

  /** How long an idle worker spins for the next loop before it parks. */
  static final long SPIN_NANOS = 100_000;

  private static final int THREADS =
      Math.max(1, Integer.getInteger("llmkit.threads", Runtime.getRuntime().availableProcessors()));

  private static final Team TEAM = THREADS > 1 ? new Team(THREADS - 1) : null;

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
    if (chunks <= 1 || TEAM == null || !TEAM.tryRun(n, chunks, 0, 1, body)) {
      if (n > 0) {
        body.run(0, n);
      }
    }
  }

  /**
   * Runs {@code body} over {@code [0, n)} in blocks that the team's threads claim one at a time
   * until none is left: blocks of a multiple of {@code grain} indices (the last one takes the rest),
   * up to {@link #BLOCKS_PER_THREAD} per thread and each of at least {@link #MIN_WORK_PER_TASK}
   * work where the range allows, fixed by {@code n}, the work and the thread count alone. The
   * body's calls cover each index once, on whichever thread claimed its block.
   *
   * @param n number of indices
   * @param workPerIndex rough number of inner-loop operations per index; small totals run serially
   * @param grain block sizes are multiples of this (e.g. the rows a kernel handles at once)
   * @param body the loop body; must only write memory owned by its index range
   */
  public static void forBlocks(int n, long workPerIndex, int grain, RangeBody body) {
    int chunks = (int) Math.min(THREADS, Math.max(1, (n * Math.max(1, workPerIndex)) / MIN_WORK_PER_TASK));
    int units = Math.max(1, n / Math.max(1, grain));
    chunks = Math.min(chunks, units);
    // enough blocks that a slow thread leaves little behind, each still at least MIN_WORK_PER_TASK
    int blocks = (int) Math.min(Math.min(units, BLOCKS_PER_THREAD * chunks),
        Math.max(chunks, (long) n * Math.max(1, workPerIndex) / MIN_WORK_PER_TASK));
    if (chunks <= 1 || TEAM == null || !TEAM.tryRun(n, chunks, blocks, grain, body)) {
      if (n > 0) {
        body.run(0, n);
      }
    }
  }

  /** Most blocks per thread of {@link #forBlocks}. */
  static final int BLOCKS_PER_THREAD = 16;

  /** Start of block {@code i} of {@code b} over {@code [0, n)}: a multiple of grain, or n for i = b. */
  static int blockStart(int n, int b, int grain, int i) {
    if (i >= b) {
      return n;
    }
    return (int) ((long) (n / grain) * i / b) * grain;
  }

  /** Start of chunk {@code i} of {@code c} over {@code [0, n)}: a fixed, timing-free split. */
  static int chunkStart(int n, int c, int i) {
    return (int) ((long) n * i / c);
  }

  /** The caller plus {@code size} workers; one loop at a time. */
  private static final class Team {

    private final Worker[] workers;
    /** Held by the thread whose loop runs; not reentrant, so a nested loop runs serially. */
    private final AtomicBoolean busy = new AtomicBoolean();
    /** Chunks of the current loop not yet finished by workers. */
    private final AtomicInteger pending = new AtomicInteger();
    // the current loop, published to the workers by the volatile write of Worker.epoch
    private RangeBody body;
    private int n;
    private int chunks;
    /** Blocks of a {@link #forBlocks} loop (0: one fixed chunk per thread), their grain, the next unclaimed. */
    private int blocks;
    private int grain;
    private final AtomicInteger nextBlock = new AtomicInteger();
    private Throwable failure;

    Team(int size) {
      workers = new Worker[size];
      for (int i = 0; i < size; i++) {
        workers[i] = new Worker(this, i + 1);
        workers[i].start();
      }
    }

    /**
     * Runs the loop on the team, in one fixed chunk per thread or, when {@code blocks > 0}, in
     * claimed blocks; false when the team is busy or the caller is one of its workers.
     */
    boolean tryRun(int n, int chunks, int blocks, int grain, RangeBody body) {
      if (Thread.currentThread() instanceof Worker || !busy.compareAndSet(false, true)) {
        return false;
      }
      try {
        this.body = body;
        this.n = n;
        this.chunks = chunks;
        this.blocks = blocks;
        this.grain = grain;
        this.failure = null;
        nextBlock.set(0);
        pending.set(chunks - 1);
        for (int i = 1; i < chunks; i++) {
          workers[i - 1].give();
        }
        Throwable own = null;
        try {
          if (blocks > 0) {
            runBlocks(body);
          } else {
            body.run(0, chunkStart(n, chunks, 1));
          }
        } catch (Throwable t) {
          own = t;
        }
        while (pending.get() != 0) {
          Thread.onSpinWait();
        }
        this.body = null;
        Throwable t = own != null ? own : failure;
        if (t instanceof RuntimeException r) {
          throw r;
        }
        if (t instanceof Error e) {
          throw e;
        }
        return true;
      } finally {
        busy.set(false);
      }
    }

    /** Claims and runs blocks of the current loop until none is left. */
    private void runBlocks(RangeBody body) {
      for (int b = nextBlock.getAndIncrement(); b < blocks; b = nextBlock.getAndIncrement()) {
        body.run(blockStart(n, blocks, grain, b), blockStart(n, blocks, grain, b + 1));
      }
    }

    /** Worker {@code index}'s chunk of the current loop, or its share of the blocks. */
    void runChunk(int index) {
      try {
        if (blocks > 0) {
          runBlocks(body);
        } else {
          body.run(chunkStart(n, chunks, index), chunkStart(n, chunks, index + 1));
        }
      } catch (Throwable t) {
        failure = t;
      } finally {
        pending.decrementAndGet();
      }
    }
  }

  /** A daemon thread that runs chunk {@code index} of each loop it is given. */
  private static final class Worker extends Thread {

    private final int index;
    /** Loops given so far; the volatile write that publishes a loop. */
    private volatile long epoch;
    private volatile boolean parked;
    private final Team team;

    Worker(Team team, int index) {
      super("llmkit-kernel-" + index);
      this.team = team;
      this.index = index;
      setDaemon(true);
    }

    /** Hands this worker the team's current loop. */
    void give() {
      epoch = epoch + 1; // only the thread holding the team writes
      if (parked) {
        LockSupport.unpark(this);
      }
    }

    @Override
    public void run() {
      long seen = 0;
      while (true) {
        long deadline = System.nanoTime() + SPIN_NANOS;
        while (epoch == seen) {
          if (System.nanoTime() - deadline > 0) {
            parked = true;
            while (epoch == seen) {
              LockSupport.park(this);
            }
            parked = false;
            break;
          }
          Thread.onSpinWait();
        }
        seen = epoch;
        team.runChunk(index);
      }
    }
  }
}
