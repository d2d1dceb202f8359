package dev.llmkit.training.spark;

import dev.llmkit.model.weights.ModelWeights;
import dev.llmkit.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * Averages gradients across replicas with a ring all-reduce over direct TCP connections between
 * the replicas (Baidu's / Horovod's ring: a reduce-scatter, then an all-gather, each N-1 steps).
 *
 * <p>Set-up, once per run ({@link #connect}): every replica opens a server socket, the replicas
 * exchange their addresses through one all-gather of the cluster engine (Spark's
 * {@code BarrierTaskContext.allGather}, which also lines up their start), and replica r connects
 * to replica r+1 (mod N) and accepts replica r-1. Every optimiser step then moves gradients only
 * between neighbours, never through the driver.
 *
 * <p>One reduction: the flattened gradient (canonical order of {@link ModelWeights#named()}) is cut
 * into N chunks. Reduce-scatter step s = 0..N-2: replica r sends chunk r-s to r+1 and adds the
 * chunk r-s-1 it receives from r-1 into its own; afterwards replica r holds the sum of chunk r+1.
 * All-gather step s: replica r sends chunk r+1-s and stores the chunk r-s it receives. Every sum is
 * computed once, by the chunk's owner, and copied to the others, so all replicas end with
 * bit-for-bit the same mean. The losses travel in the reduce-scatter messages' headers (replica r
 * forwards the loss of r-s at step s), so every replica sums all N losses in rank order.
 *
 * <p>Per step a replica sends {@code 2 (N-1)/N P} values plus N-1 headers of 8 bytes and receives
 * as much, whatever N (see docs/distributed-training.md). In {@link GradientPrecision#BF16} the
 * partial sums travel rounded to bfloat16, and each owner rounds its finished chunk so that it
 * keeps exactly what the others receive.
 *
 * <p>Faults: a replica that fails closes its connections, so its neighbours fail at their next
 * read instead of waiting; a neighbour that goes silent fails the step after {@code timeoutMillis};
 * and the wait stops as soon as {@code cancelled} says so (Spark: the task was killed).
 */
public final class RingAllReduce extends MeasuredReducer implements AutoCloseable {

  /** Bytes in front of every reduce-scatter message: the value count and one replica's loss. */
  static final int HEADER = 8;

  private static final int SOCKET_BUFFER = 4 << 20;

  private final int rank;
  private final int worldSize;
  private final GradientPrecision precision;
  private final SocketChannel next;
  private final SocketChannel prev;
  private final Selector selector;
  private final SelectionKey nextKey;
  private final SelectionKey prevKey;
  private final long timeoutMillis;
  private final BooleanSupplier cancelled;
  private float[] flat = new float[0];
  private float[] scratch = new float[0];
  private ByteBuffer out = ByteBuffer.allocateDirect(0);
  private ByteBuffer in = ByteBuffer.allocateDirect(0);
  private final float[] losses;
  private long waitNanos;
  private long firstWaitNanos;

  private RingAllReduce(int rank, int worldSize, GradientPrecision precision, SocketChannel next,
      SocketChannel prev, long timeoutMillis, BooleanSupplier cancelled) throws IOException {
    this.rank = rank;
    this.worldSize = worldSize;
    this.precision = precision;
    this.next = next;
    this.prev = prev;
    this.timeoutMillis = timeoutMillis;
    this.cancelled = cancelled;
    this.losses = new float[worldSize];
    if (worldSize > 1) {
      selector = Selector.open();
      next.configureBlocking(false);
      prev.configureBlocking(false);
      nextKey = next.register(selector, 0);
      prevKey = prev.register(selector, 0);
    } else {
      selector = null;
      nextKey = null;
      prevKey = null;
    }
  }

  /**
   * Joins the ring of {@code worldSize} replicas: opens a server socket on {@code host}, publishes
   * {@code host:port} through {@code rendezvous} (which every replica must call once, together),
   * connects to replica {@code rank + 1} and accepts replica {@code rank - 1}.
   *
   * @param host the address the other replicas reach this one at (Spark: the executor's host)
   * @param timeoutMillis how long a replica waits for a neighbour's connection or bytes
   * @param cancelled polled while waiting; true stops the wait with an exception
   * @throws UncheckedIOException when the ring cannot be built
   */
  public static RingAllReduce connect(AllGatherReducer.AllGather rendezvous, int rank,
      int worldSize, String host, GradientPrecision precision, long timeoutMillis,
      BooleanSupplier cancelled) {
    Objects.requireNonNull(rendezvous, "rendezvous");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(precision, "precision");
    Objects.requireNonNull(cancelled, "cancelled");
    if (worldSize < 1 || rank < 0 || rank >= worldSize) {
      throw new IllegalArgumentException(
          "rank " + rank + " is not in [0, " + worldSize + ") replicas");
    }
    if (timeoutMillis < 1) {
      throw new IllegalArgumentException("timeoutMillis must be >= 1, got " + timeoutMillis);
    }
    if (worldSize == 1) {
      try {
        return new RingAllReduce(0, 1, precision, null, null, timeoutMillis, cancelled);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    SocketChannel next = null;
    SocketChannel prev = null;
    try (ServerSocketChannel server = ServerSocketChannel.open()) {
      server.bind(new InetSocketAddress(InetAddress.getByName(host), 0), worldSize);
      int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
      String[] addresses = rendezvous.allGather(host + ":" + port);
      if (addresses.length != worldSize) {
        throw new IllegalStateException("address exchange returned " + addresses.length
            + " addresses for " + worldSize + " replicas");
      }
      int to = (rank + 1) % worldSize;
      // the peer's server socket queues the connection before it accepts: no ordering deadlock
      next = SocketChannel.open(address(addresses[to], to));
      tune(next);
      ByteBuffer hello = ByteBuffer.allocate(4).putInt(0, rank);
      while (hello.hasRemaining()) {
        next.write(hello);
      }
      server.configureBlocking(false);
      long deadline = System.currentTimeMillis() + timeoutMillis;
      int from = (rank + worldSize - 1) % worldSize;
      while (prev == null) {
        SocketChannel c = server.accept();
        if (c == null) {
          if (cancelled.getAsBoolean() || System.currentTimeMillis() > deadline) {
            throw new IOException("replica " + from + " did not connect to replica " + rank
                + " at " + host + ":" + port + " within " + timeoutMillis + " ms");
          }
          Thread.sleep(1);
          continue;
        }
        c.configureBlocking(true);
        ByteBuffer who = ByteBuffer.allocate(4);
        while (who.hasRemaining()) {
          if (c.read(who) < 0) {
            break;
          }
        }
        if (who.hasRemaining() || who.getInt(0) != from) {
          c.close(); // not our neighbour: someone else's connection
          continue;
        }
        tune(c);
        prev = c;
      }
      return new RingAllReduce(rank, worldSize, precision, next, prev, timeoutMillis, cancelled);
    } catch (IOException e) {
      closeQuietly(next, prev);
      throw new UncheckedIOException("replica " + rank + " could not join the ring of "
          + worldSize + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      closeQuietly(next, prev);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("replica " + rank + " interrupted while joining the ring", e);
    } catch (RuntimeException e) {
      closeQuietly(next, prev);
      throw e;
    }
  }

  private static InetSocketAddress address(String hostPort, int rank) {
    int colon = hostPort.lastIndexOf(':');
    if (colon < 1) {
      throw new IllegalStateException(
          "replica " + rank + " published no host:port address but '" + hostPort + "'");
    }
    return new InetSocketAddress(hostPort.substring(0, colon),
        Integer.parseInt(hostPort.substring(colon + 1)));
  }

  private static void tune(SocketChannel c) throws IOException {
    c.setOption(StandardSocketOptions.TCP_NODELAY, true);
    c.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
    c.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
  }

  private static void closeQuietly(SocketChannel... channels) {
    for (SocketChannel c : channels) {
      if (c != null) {
        try {
          c.close();
        } catch (IOException ignored) {
          // closing after a failure: the first failure is the one reported
        }
      }
    }
  }

  @Override
  protected float reduce(ModelWeights gradients, float loss) {
    List<Tensor> tensors = FlatGradients.tensors(gradients);
    int total = FlatGradients.length(tensors);
    if (flat.length != total) {
      flat = new float[total];
      int chunk = total / worldSize + 1;
      scratch = new float[chunk];
      int bytes = HEADER + chunk * precision.bytesPerValue();
      out = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
      in = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
    float mean;
    if (worldSize == 1) {
      mean = loss;
    } else {
      FlatGradients.flatten(tensors, flat);
      try {
        ring(total, loss);
      } catch (IOException e) {
        throw new UncheckedIOException("replica " + rank + " of " + worldSize
            + ": gradient exchange failed: " + e.getMessage(), e);
      }
      double lossSum = 0;
      for (int r = 0; r < worldSize; r++) {
        lossSum += losses[r];
      }
      mean = (float) (lossSum / worldSize);
      FlatGradients.writeMean(tensors, flat, worldSize);
    }
    return mean;
  }

  /** Start of chunk {@code c} (any integer, taken mod N) of {@code total} values; chunk N is the end. */
  private int chunkStart(int total, int c) {
    return (int) ((long) total * c / worldSize);
  }

  private int mod(int c) {
    return Math.floorMod(c, worldSize);
  }

  /** The ring over {@link #flat}: reduce-scatter then all-gather; fills {@link #losses}. */
  private void ring(int total, float loss) throws IOException {
    int n = worldSize;
    losses[rank] = loss;
    // reduce-scatter: after step s, chunk r-s-1 holds the sum of s+2 replicas
    for (int s = 0; s < n - 1; s++) {
      int send = mod(rank - s);
      int recv = mod(rank - s - 1);
      int sendOff = chunkStart(total, send);
      int sendLen = chunkStart(total, send + 1) - sendOff;
      out.clear();
      out.putInt(total).putFloat(losses[send]);
      encode(sendOff, sendLen);
      out.flip();
      int recvOff = chunkStart(total, recv);
      int recvLen = chunkStart(total, recv + 1) - recvOff;
      exchange(HEADER + recvLen * precision.bytesPerValue(), s == 0);
      int count = in.getInt();
      if (count != total) {
        throw new IllegalStateException("replica " + mod(rank - 1) + " sent gradients of " + count
            + " values, replica " + rank + " has " + total + ": the replicas do not hold the same "
            + "model");
      }
      losses[recv] = in.getFloat();
      decode(recvLen);
      for (int i = 0; i < recvLen; i++) {
        flat[recvOff + i] += scratch[i];
      }
    }
    int owned = mod(rank + 1);
    if (precision == GradientPrecision.BF16) {
      // keep exactly what the others will receive
      int off = chunkStart(total, owned);
      int end = chunkStart(total, owned + 1);
      for (int i = off; i < end; i++) {
        flat[i] = GradientCodec.fromBf16(GradientCodec.toBf16(flat[i]));
      }
    }
    // all-gather: after step s, chunk r-s is final here too
    for (int s = 0; s < n - 1; s++) {
      int send = mod(rank + 1 - s);
      int recv = mod(rank - s);
      int sendOff = chunkStart(total, send);
      out.clear();
      encode(sendOff, chunkStart(total, send + 1) - sendOff);
      out.flip();
      int recvOff = chunkStart(total, recv);
      int recvLen = chunkStart(total, recv + 1) - recvOff;
      exchange(recvLen * precision.bytesPerValue(), false);
      decode(recvLen);
      System.arraycopy(scratch, 0, flat, recvOff, recvLen);
    }
  }

  /** Appends {@code flat[off, off + len)} to {@link #out} in the wire precision. */
  private void encode(int off, int len) {
    if (precision == GradientPrecision.FLOAT32) {
      FloatBuffer f = out.asFloatBuffer();
      f.put(flat, off, len);
      out.position(out.position() + 4 * len);
    } else {
      ShortBuffer h = out.asShortBuffer();
      for (int i = 0; i < len; i++) {
        h.put(i, GradientCodec.toBf16(flat[off + i]));
      }
      out.position(out.position() + 2 * len);
    }
  }

  /** Reads {@code len} values from {@link #in} into {@link #scratch}. */
  private void decode(int len) {
    if (precision == GradientPrecision.FLOAT32) {
      in.asFloatBuffer().get(scratch, 0, len);
    } else {
      ShortBuffer h = in.asShortBuffer();
      for (int i = 0; i < len; i++) {
        scratch[i] = GradientCodec.fromBf16(h.get(i));
      }
    }
  }

  /**
   * Sends {@link #out} to the next replica while receiving {@code bytes} from the previous one
   * into {@link #in} (both at once: a ring of blocking writes could wait on each other forever).
   * With {@code first}, the time until the first bytes arrive counts as waiting for the others.
   */
  private void exchange(int bytes, boolean first) throws IOException {
    in.clear().limit(bytes);
    sent(out.remaining());
    long idleSince = System.currentTimeMillis();
    long waitStart = first ? System.nanoTime() : 0;
    while (out.hasRemaining() || in.hasRemaining()) {
      boolean moved = false;
      if (out.hasRemaining() && next.write(out) > 0) {
        moved = true;
      }
      if (in.hasRemaining()) {
        int got = prev.read(in);
        if (got < 0) {
          throw new IOException("replica " + mod(rank - 1) + " closed its connection to replica "
              + rank + " (it failed or stopped)");
        }
        moved |= got > 0;
        if (first && got > 0) {
          long w = System.nanoTime() - waitStart;
          if (steps() == 0) {
            firstWaitNanos = w;
          }
          waitNanos += w;
          first = false;
        }
      }
      if (moved) {
        idleSince = System.currentTimeMillis();
        continue;
      }
      nextKey.interestOps(out.hasRemaining() ? SelectionKey.OP_WRITE : 0);
      prevKey.interestOps(in.hasRemaining() ? SelectionKey.OP_READ : 0);
      selector.select(50);
      selector.selectedKeys().clear();
      if (cancelled.getAsBoolean() || Thread.currentThread().isInterrupted()) {
        throw new IOException("replica " + rank + " was cancelled during the gradient exchange");
      }
      if (System.currentTimeMillis() - idleSince > timeoutMillis) {
        throw new IOException("replica " + rank + " got no bytes from replica " + mod(rank - 1)
            + " (or could not send to replica " + mod(rank + 1) + ") for " + timeoutMillis + " ms");
      }
    }
    in.flip();
  }

  /** Number of replicas. */
  public int worldSize() {
    return worldSize;
  }

  /**
   * Seconds of {@link #seconds()} spent waiting for the previous replica's first bytes of a step:
   * mostly the replicas' difference in compute time, not the network's.
   */
  @Override
  public double waitSeconds() {
    return waitNanos / 1e9;
  }

  /** Seconds of {@link #firstSeconds()} spent waiting for the previous replica. */
  @Override
  public double firstWaitSeconds() {
    return firstWaitNanos / 1e9;
  }

  /** Closes the connections; the neighbours' next exchange fails instead of waiting. */
  @Override
  public void close() {
    try {
      if (selector != null) {
        selector.close();
      }
    } catch (IOException ignored) {
      // nothing left to release
    }
    closeQuietly(next, prev);
  }
}
