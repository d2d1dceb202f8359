package dev.llmkit.training.data;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A token file mapped into memory: headerless little-endian {@code uint16} or {@code uint32} ids
 * (nanoGPT's {@code train.bin}/{@code val.bin} layout), read through the operating system's page
 * cache so that a corpus may be larger than memory.
 *
 * <p>The file is mapped in segments of at most 1 GiB, so files beyond 2 GiB work.
 */
public final class MappedTokenFile implements TokenSequence {

  private static final long SEGMENT_BYTES = 1L << 30;

  private final Path path;
  private final TokenWidth width;
  private final long length;
  private final MappedByteBuffer[] segments;
  private final long tokensPerSegment;

  private MappedTokenFile(Path path, TokenWidth width, long length, MappedByteBuffer[] segments) {
    this.path = path;
    this.width = width;
    this.length = length;
    this.segments = segments;
    this.tokensPerSegment = SEGMENT_BYTES / width.bytes();
  }

  /**
   * Maps a token file read-only.
   *
   * @throws IllegalArgumentException when the file size is not a multiple of the token width
   * @throws IOException when the file cannot be read
   */
  public static MappedTokenFile open(Path path, TokenWidth width) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size % width.bytes() != 0) {
        throw new IllegalArgumentException(
            "token file " + path + " has " + size + " bytes, not a multiple of " + width.bytes()
                + " (" + width + ")");
      }
      int n = (int) ((size + SEGMENT_BYTES - 1) / SEGMENT_BYTES);
      MappedByteBuffer[] segs = new MappedByteBuffer[n];
      for (int i = 0; i < n; i++) {
        long start = i * SEGMENT_BYTES;
        segs[i] = ch.map(FileChannel.MapMode.READ_ONLY, start, Math.min(SEGMENT_BYTES, size - start));
        segs[i].order(ByteOrder.LITTLE_ENDIAN);
      }
      return new MappedTokenFile(path, width, size / width.bytes(), segs);
    }
  }

  /**
   * Writes {@code tokens} as a token file (to a temporary file, then renamed over {@code path}).
   *
   * @throws IllegalArgumentException naming the first id that is negative or too large for {@code width}
   * @throws IOException when the file cannot be written
   */
  public static void write(Path path, TokenSequence tokens, TokenWidth width) throws IOException {
    Path dir = path.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    // a sibling temporary file with default permissions (createTempFile would make it owner-only)
    Path tmp = dir.resolve(path.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
    try {
      try (OutputStream out = new BufferedOutputStream(
          Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), 1 << 16)) {
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        int[] chunk = new int[8192];
        for (long pos = 0; pos < tokens.length(); pos += chunk.length) {
          int count = (int) Math.min(chunk.length, tokens.length() - pos);
          tokens.copyTo(pos, chunk, 0, count);
          buf.clear();
          for (int i = 0; i < count; i++) {
            int id = chunk[i];
            if (id < 0 || (id & 0xFFFFFFFFL) > width.maxId()) {
              throw new IllegalArgumentException(
                  "token " + (pos + i) + " has id " + id + ", outside [0, " + width.maxId() + "] of "
                      + width);
            }
            if (width == TokenWidth.UINT16) {
              buf.putShort((short) id);
            } else {
              buf.putInt(id);
            }
          }
          out.write(buf.array(), 0, buf.position());
        }
      }
      Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** The file this maps. */
  public Path path() {
    return path;
  }

  /** The width of each stored id. */
  public TokenWidth width() {
    return width;
  }

  @Override
  public long length() {
    return length;
  }

  @Override
  public int get(long index) {
    if (index < 0 || index >= length) {
      throw new IndexOutOfBoundsException("token " + index + " of " + path + " (" + length + " tokens)");
    }
    MappedByteBuffer seg = segments[(int) (index / tokensPerSegment)];
    int at = (int) (index % tokensPerSegment) * width.bytes();
    return width == TokenWidth.UINT16 ? Short.toUnsignedInt(seg.getShort(at)) : seg.getInt(at);
  }

  @Override
  public String toString() {
    return "MappedTokenFile[" + path + ", " + width + ", " + length + " tokens]";
  }
}
