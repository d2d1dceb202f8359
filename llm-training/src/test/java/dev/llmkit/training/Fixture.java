package dev.llmkit.training;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reader of the golden fixtures written by {@code scripts/gen_training_fixtures.py}. */
final class Fixture {

  /** One named array with its shape. */
  record Entry(int[] shape, float[] data) {}

  private Fixture() {}

  /** Reads a fixture from the test class path. */
  static Map<String, Entry> load(String resource) throws IOException {
    byte[] bytes;
    try (InputStream in = Fixture.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("test resource " + resource + " not found");
      }
      bytes = in.readAllBytes();
    }
    ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    byte[] magic = new byte[8];
    bb.get(magic);
    if (!new String(magic, StandardCharsets.US_ASCII).equals("LLMKFIX1")) {
      throw new IOException(resource + " is not an LLMKFIX1 fixture");
    }
    int count = bb.getInt();
    Map<String, Entry> out = new LinkedHashMap<>();
    for (int r = 0; r < count; r++) {
      byte[] name = new byte[bb.getInt()];
      bb.get(name);
      int[] shape = new int[bb.getInt()];
      int n = 1;
      for (int d = 0; d < shape.length; d++) {
        shape[d] = bb.getInt();
        n *= shape[d];
      }
      float[] data = new float[n];
      bb.asFloatBuffer().get(data);
      bb.position(bb.position() + 4 * n);
      out.put(new String(name, StandardCharsets.UTF_8), new Entry(shape, data));
    }
    return out;
  }
}
