package dev.llmkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The translate example's synthetic task: English number words and their digits. */
class TranslateExampleTest {

  @Test
  void numberWordsFollowEnglish() {
    assertThat(TranslateExample.words(0)).isEqualTo("zero");
    assertThat(TranslateExample.words(15)).isEqualTo("fifteen");
    assertThat(TranslateExample.words(40)).isEqualTo("forty");
    assertThat(TranslateExample.words(342)).isEqualTo("three hundred forty two");
    assertThat(TranslateExample.words(700)).isEqualTo("seven hundred");
    assertThat(TranslateExample.words(911)).isEqualTo("nine hundred eleven");
    assertThatThrownBy(() -> TranslateExample.words(1000)).hasMessageContaining("0..999");
  }

  @Test
  void tokensAreVocabularyIdsWithEos() {
    assertThat(TranslateExample.digits(342)).isEqualTo("3 4 2");
    // ids: 0 pad, 1 EOS, 2..11 the digits
    assertThat(TranslateExample.ids("3 4 2")).containsExactly(5, 6, 4, 1);
    assertThat(TranslateExample.ids("zero")).containsExactly(12, 1);
  }
}
