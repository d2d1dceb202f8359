package dev.llmkit.examples.cli;

import dev.llmkit.model.InferenceSession;
import dev.llmkit.model.Models;
import dev.llmkit.tensor.Tensor;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code llm logits}: the logits of every position of a sequence of ids, written as a float32 NumPy
 * {@code .npy} array of shape [T, vocab] (row t: the prediction after ids 0..t).
 */
@Command(
    name = "logits",
    mixinStandardHelpOptions = true,
    header = "Write a model's logits for token ids to a .npy file.",
    description = {
      "Run a model on token ids and write the logits of every position to a float32 .npy file of"
          + " shape [T, vocab].",
      "Prints 'shape T V' on stdout."
    })
public final class LogitsCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--model", required = true,
      paramLabel = "MODEL",
      description = "Hugging Face folder, llama2.c .bin, GGUF file, bundled:stories260K or random:gpt2-124m.")
  String model;

  @Option(names = "--ids", required = true, description = "Token ids separated by spaces or commas.")
  String ids;

  @Option(names = "--out", required = true, description = "Output .npy file.")
  Path out;

  @Option(names = "--decoder-ids", paramLabel = "IDS",
      description = "Encoder-decoder models (T5): the decoder ids (--ids are then the encoder input);"
          + " the logits are the decoder's [T_dec, vocab].")
  String decoderIds;

  @Override
  public Integer call() throws Exception {
    int[] tokens = parseIds(ids);
    Tensor logits;
    if (Seq2Seq.isT5(model)) {
      if (decoderIds == null) {
        throw new IllegalArgumentException("--decoder-ids is required for the encoder-decoder model "
            + model + " (--ids are its encoder input)");
      }
      logits = Seq2Seq.logits(model, tokens, parseIds(decoderIds, "--decoder-ids"));
    } else {
      if (decoderIds != null) {
        throw new IllegalArgumentException(
            "--decoder-ids applies to encoder-decoder models; " + model + " is decoder-only");
      }
      Models.Ready loaded = ModelSource.load(model, null, false);
      try (InferenceSession s = loaded.model().newSession()) {
        logits = s.forwardAll(tokens, 0, tokens.length);
      }
    }
    writeNpy(out, logits);
    spec.commandLine().getOut().printf("shape %d %d%n", logits.dim(0), logits.dim(1));
    spec.commandLine().getOut().flush();
    return 0;
  }

  static int[] parseIds(String text) {
    return parseIds(text, "--ids");
  }

  /** Token ids separated by spaces or commas; errors name {@code option}. */
  static int[] parseIds(String text, String option) {
    String[] parts = text.trim().split("[\\s,]+");
    if (parts.length == 0 || parts[0].isEmpty()) {
      throw new IllegalArgumentException(option + " is empty; expected token ids separated by spaces");
    }
    int[] out = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        out[i] = Integer.parseInt(parts[i]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(option + ": '" + parts[i] + "' is not a token id");
      }
    }
    return out;
  }

  /** Writes a 2-D float32 tensor as NumPy format version 1.0, little-endian, C order. */
  static void writeNpy(Path file, Tensor t) throws IOException {
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': ("
        + t.dim(0) + ", " + t.dim(1) + "), }";
    int unpadded = 10 + dict.length() + 1;
    int padded = (unpadded + 63) / 64 * 64;
    String header = dict + " ".repeat(padded - unpadded) + "\n";
    try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        DataOutputStream out = new DataOutputStream(os)) {
      out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
      int len = header.length();
      out.write(len & 0xff);
      out.write(len >>> 8);
      out.write(header.getBytes(StandardCharsets.US_ASCII));
      ByteBuffer row = ByteBuffer.allocate(t.dim(1) * 4).order(ByteOrder.LITTLE_ENDIAN);
      float[] values = new float[t.dim(1)];
      for (int r = 0; r < t.dim(0); r++) {
        t.buffer().get(r * values.length, values);
        row.clear();
        row.asFloatBuffer().put(values);
        out.write(row.array());
      }
    }
  }
}
