package dev.llmkit.examples;

import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.Tokenizers;
import dev.llmkit.tokenizer.trainer.BpeTrainer;
import java.util.Arrays;

/**
 * Text becomes tokens: the same sentence through GPT-4o's encoding (o200k_base), GPT-2's
 * (r50k_base) and a byte-level BPE that this example trains on Tiny Shakespeare, showing each
 * token's id and text and that decoding gives the sentence back.
 *
 * <p>Run: {@code ./llm example tokenization}
 */
public final class TokenizationExample {

  public static void main(String[] args) throws Exception {
    String text = args.length > 0 ? String.join(" ", args) : "I love pizza!";
    show("o200k_base (GPT-4o)", Tokenizers.encoding("o200k_base"), text);
    show("r50k_base (GPT-2)", Tokenizers.encoding("r50k_base"), text);

    // Learn 256 merges from 200 KB of Shakespeare: ids 0..255 are bytes, 256.. are the merges.
    String corpus = BundledData.tinyShakespeare().substring(0, 200_000);
    long t0 = System.nanoTime();
    Tokenizer trained = BpeTrainer.train(corpus, 256);
    System.out.printf("(trained 256 merges on 200 KB of Shakespeare in %.1f s)%n",
        (System.nanoTime() - t0) / 1e9);
    show("BPE trained here (vocabulary " + trained.vocabSize() + ")", trained, text);
  }

  static void show(String name, Tokenizer tokenizer, String text) {
    int[] ids = tokenizer.encode(text);
    System.out.println(name + ": " + ids.length + " tokens " + Arrays.toString(ids));
    StringBuilder pieces = new StringBuilder("  ");
    for (int id : ids) {
      pieces.append('[').append(tokenizer.decode(new int[] {id}).replace("\n", "\\n")).append("] ");
    }
    System.out.println(pieces);
    System.out.println("  decoded back: \"" + tokenizer.decode(ids) + "\"");
  }
}
