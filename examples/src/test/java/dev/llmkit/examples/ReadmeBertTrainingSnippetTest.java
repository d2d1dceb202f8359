package dev.llmkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.model.bert.BertCheckpoint;
import dev.llmkit.model.bert.BertConfig;
import dev.llmkit.model.bert.BertInit;
import dev.llmkit.model.bert.BertWeights;
import dev.llmkit.model.nn.Activation;
import dev.llmkit.training.encoder.EncoderTrainer;
import dev.llmkit.training.encoder.EncoderTrainingConfig;
import dev.llmkit.training.encoder.MlmMasking;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README.md's BERT training snippet, line for line (two steps instead of 400, tiny made-up data;
 * "sentiment" is written under a temporary folder).
 */
class ReadmeBertTrainingSnippetTest {

  @TempDir Path tmp;

  @Test
  void bertTraining() throws Exception {
    List<String> vocab = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "c");
    int padId = 0;
    int clsId = 2;
    int sepId = 3;
    int maskId = 4;
    List<int[]> sequences = new ArrayList<>(List.of(new int[] {2, 5, 6, 7, 3}, new int[] {2, 7, 6, 3}));
    List<int[]> validation = List.of(new int[] {2, 5, 5, 3});
    List<int[]> texts = sequences;
    int[] labels = {0, 1};
    List<int[]> valTexts = validation;
    int[] valLabels = {1};

    BertConfig config = new BertConfig(vocab.size(), 64, 2, 4, 256, 64, 2, 1e-12f, Activation.GELU_ERF, 0, List.of());
    BertWeights bert = BertInit.random(config, 1, false, true);          // seed, pooler?, MLM head?
    EncoderTrainingConfig settings = new EncoderTrainingConfig(16, 2, 2e-3, 2e-4, 30, 0.01f, 0.99f, 1f, 8, 1);
    new EncoderTrainer(bert, settings).trainMlm(sequences, validation,  // [CLS] ... [SEP] id arrays
        new MlmMasking(config.vocabSize(), maskId, padId, clsId, sepId), null);
    BertWeights classifier = BertInit.withClassifier(bert, List.of("negative", "positive"), 2);
    new EncoderTrainer(classifier, settings).trainClassifier(texts, labels, valTexts, valLabels,
        true, null);                                                      // true: the encoder stays frozen
    BertCheckpoint.save(tmp.resolve("sentiment"), classifier, null, false);  // BertForSequenceClassification

    assertThat(BertCheckpoint.load(tmp.resolve("sentiment")).weights().config().labels())
        .containsExactly("negative", "positive");
  }
}
