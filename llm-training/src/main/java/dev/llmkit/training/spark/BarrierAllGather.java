package dev.llmkit.training.spark;

import java.util.concurrent.locks.LockSupport;
import org.apache.spark.BarrierTaskContext;

/**
 * {@link BarrierTaskContext#allGather(String)} for the calling barrier task, with an optional waker.
 *
 * <p>Spark 4.0's barrier calls send their message to the driver's coordinator and then check for the
 * answer once a second ({@code while (!future.isCompleted) Thread.sleep(1000)} in
 * {@code BarrierTaskContext.runBarrier}; an interrupt of that sleep only makes it check again). So
 * every all-gather costs up to a second however small the message: fine for a rendezvous, too slow
 * for a gradient exchange every step. With a poll interval {@code > 0}, a daemon "waker" thread
 * interrupts the task thread's sleep every interval while, and only while, the task is inside
 * {@code allGather} and sleeping ({@code TIMED_WAITING}); the pending interrupt is cleared before
 * {@code allGather} returns. Spark's kill path is unaffected: a killed task is recognised by its
 * kill reason, which the same loop checks after every wake-up.
 */
final class BarrierAllGather implements AllGatherReducer.AllGather, AutoCloseable {

  private final BarrierTaskContext ctx;
  private final Thread task;
  private final long pollNanos;
  private final Object lock = new Object();
  private final Thread waker;
  private volatile boolean inGather;
  private volatile boolean closed;

  /**
   * An all-gather of the current barrier task.
   *
   * @param pollMicros how often the waker checks for the answer; 0 leaves Spark's one-second poll
   */
  BarrierAllGather(BarrierTaskContext ctx, int pollMicros) {
    this.ctx = ctx;
    this.task = Thread.currentThread();
    this.pollNanos = pollMicros * 1000L;
    if (pollMicros > 0) {
      waker = new Thread(this::wake, "llmkit-allgather-waker-" + ctx.partitionId());
      waker.setDaemon(true);
      waker.start();
    } else {
      waker = null;
    }
  }

  @Override
  public String[] allGather(String message) {
    if (waker == null) {
      return ctx.allGather(message);
    }
    synchronized (lock) {
      inGather = true;
    }
    LockSupport.unpark(waker);
    try {
      return ctx.allGather(message);
    } finally {
      synchronized (lock) {
        inGather = false;
      }
      // a wake-up that arrived after the answer must not reach the caller
      Thread.interrupted();
    }
  }

  private void wake() {
    while (!closed) {
      if (inGather) {
        synchronized (lock) {
          if (inGather && task.getState() == Thread.State.TIMED_WAITING) {
            task.interrupt();
          }
        }
        LockSupport.parkNanos(this, pollNanos);
      } else {
        LockSupport.park(this);
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    if (waker != null) {
      LockSupport.unpark(waker);
    }
  }
}
