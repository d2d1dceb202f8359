package dev.llmkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.model.io.LoadedModel;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CustomSamplerExampleTest {

  @Test
  void theForbiddenNameNeverAppearsInTheGeneratedStory() throws Exception {
    LoadedModel stories = BundledData.stories260K();
    // llama2.c's run.c, greedy: "Once upon a time, there was a little girl named Lily. ..."
    String plain = CustomSamplerExample.story(stories, "Once upon a time", null);
    assertThat(plain).startsWith(", there was a little girl named Lily.");
    String forbidden = CustomSamplerExample.story(stories, "Once upon a time",
        new CustomSamplerExample.ForbiddenWords(stories.tokenizer(), Set.of("Lily")));
    assertThat(forbidden).startsWith(", there was a little girl named ").doesNotContain("Lily");
  }
}
