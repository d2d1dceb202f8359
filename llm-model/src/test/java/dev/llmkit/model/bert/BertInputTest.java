package dev.llmkit.model.bert;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.model.io.Fixtures;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad batches are refused with a message naming the input and what was expected. */
class BertInputTest {

  static BertModel model;

  @BeforeAll
  static void load() throws IOException {
    model = new BertModel(BertCheckpoint.load(Fixtures.fixture("bert-cls-tiny")).weights());
  }

  @Test
  void emptyBatch() {
    assertThatThrownBy(() -> model.encode(new int[0][]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty batch");
  }

  @Test
  void longerThanThePositionTable() {
    assertThatThrownBy(() -> model.encode(new int[][] {{1, 2}, new int[17]}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sequence 1 has 17 tokens, expected 1..16 (max_position_embeddings)");
  }

  @Test
  void unknownTokenTypeId() {
    assertThatThrownBy(() -> model.encode(new int[][] {{1, 2, 3}}, new int[][] {{0, 3, 0}}, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("token 1 has type id 3, expected 0..2");
  }

  @Test
  void idOutsideTheVocabulary() {
    assertThatThrownBy(() -> model.encode(new int[][] {{1, 40}}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has id 40, expected 0..39");
  }

  @Test
  void headsThatAreNotThere() {
    assertThatThrownBy(() -> model.mlmLogits(model.encode(new int[][] {{1}}).hidden()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("no masked-LM head");
  }
}
