package dev.llmkit.examples;

import dev.llmkit.model.io.LoadedModel;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Tokens become vectors: every token of the pretrained stories260K model has a learned embedding
 * (a row of 64 numbers). Tokens used alike end up pointing alike, so the nearest neighbours of a
 * word by cosine similarity are related words.
 *
 * <p>Run: {@code ./llm example embeddings [word ...]}
 */
public final class EmbeddingsExample {

  public static void main(String[] args) throws Exception {
    LoadedModel stories = BundledData.stories260K();
    Tensor table = stories.weights().tokenEmbedding(); // (V, C)
    Tokenizer tok = stories.tokenizer();
    // By default, words that are a single token of this small vocabulary.
    String[] words = args.length > 0 ? args
        : java.util.stream.Stream.of("happy", "mom", "ball", "said", "big", "dog", "tree", "friend", "day")
            .filter(w -> tok.encode(w).length == 1).limit(5).toArray(String[]::new);
    System.out.printf("token embedding table: %d tokens x %d dimensions%n",
        table.dim(0), table.dim(1));
    for (String word : words) {
      int[] ids = tok.encode(word);
      if (ids.length != 1) {
        System.out.printf("%n'%s' is %d tokens in this %d-token vocabulary; pick a word that is one%n",
            word, ids.length, tok.vocabSize());
        continue;
      }
      int id = ids[0];
      System.out.printf("%nnearest to '%s' (id %d):%n", tok.decode(new int[] {id}), id);
      for (Neighbour n : nearest(table, id, 8)) {
        System.out.printf("  %-12s cosine %.3f%n", "'" + tok.decode(new int[] {n.id}) + "'", n.cosine);
      }
    }
  }

  record Neighbour(int id, double cosine) {}

  /** The k rows most similar to row {@code id} by cosine similarity, most similar first. */
  static List<Neighbour> nearest(Tensor table, int id, int k) {
    int v = table.dim(0);
    int c = table.dim(1);
    float[] e = table.toArray();
    List<Neighbour> all = new ArrayList<>();
    for (int j = 0; j < v; j++) {
      if (j == id) {
        continue;
      }
      double dot = 0;
      double na = 0;
      double nb = 0;
      for (int i = 0; i < c; i++) {
        double a = e[id * c + i];
        double b = e[j * c + i];
        dot += a * b;
        na += a * a;
        nb += b * b;
      }
      all.add(new Neighbour(j, dot / Math.sqrt(na * nb + 1e-30)));
    }
    all.sort(Comparator.comparingDouble(Neighbour::cosine).reversed());
    return all.subList(0, Math.min(k, all.size()));
  }
}
