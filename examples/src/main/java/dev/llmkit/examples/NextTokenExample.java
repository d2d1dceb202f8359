package dev.llmkit.examples;

import dev.llmkit.model.Models;
import dev.llmkit.model.Probabilities;
import dev.llmkit.model.TokenProbability;
import dev.llmkit.model.generate.Bos;
import dev.llmkit.model.nn.Transformer;
import dev.llmkit.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;

/**
 * Logits become probabilities: the model's softmax distribution over the next token of a prompt, as
 * a top-10 table ("Once upon a time, there was a little ___").
 *
 * <p>Run: {@code ./llm example next-token [prompt]}
 */
public final class NextTokenExample {

  public static void main(String[] args) throws Exception {
    String prompt = args.length > 0 ? String.join(" ", args) : "Once upon a time, there was a little";
    Models.Ready stories = BundledData.stories260KReady();
    Transformer model = stories.model();
    Tokenizer tok = stories.tokenizer();
    int[] ids = Bos.prepend(model.config(), tok, tok.encode(prompt));
    System.out.println("prompt: \"" + prompt + "\" -> ids " + Arrays.toString(ids));
    List<TokenProbability> top = Probabilities.nextToken(model, ids, 10);
    System.out.printf("%-4s %-14s %-11s %s%n", "#", "next token", "probability", "logit");
    double sum = 0;
    for (int i = 0; i < top.size(); i++) {
      TokenProbability t = top.get(i);
      sum += t.probability();
      String bar = "#".repeat(Math.round(t.probability() * 50));
      System.out.printf("%-4d %-14s %-11.4f %-7.3f %s%n", i + 1,
          TokenText.quoted(TokenText.continuation(tok, ids, t.token())), t.probability(), t.logit(), bar);
    }
    System.out.printf("the top 10 hold %.1f%% of the probability; the other %d tokens share the rest%n",
        100 * sum, model.vocabSize() - 10);
  }
}
