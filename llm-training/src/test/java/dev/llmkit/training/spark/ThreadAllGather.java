package dev.llmkit.training.spark;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/** An all-gather among {@code n} threads of this JVM: Spark's collective without Spark, for tests. */
final class ThreadAllGather {
  final int n;
  final CyclicBarrier arrive;
  final CyclicBarrier leave;
  final AtomicReferenceArray<String> slots;

  ThreadAllGather(int n) {
    this.n = n;
    this.arrive = new CyclicBarrier(n);
    this.leave = new CyclicBarrier(n);
    this.slots = new AtomicReferenceArray<>(n);
  }

  AllGatherReducer.AllGather forRank(int rank) {
    return message -> {
      try {
        slots.set(rank, message);
        arrive.await(60, TimeUnit.SECONDS);
        String[] all = new String[n];
        for (int r = 0; r < n; r++) {
          all[r] = slots.get(r);
        }
        leave.await(60, TimeUnit.SECONDS);
        return all;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
  }
}
