package dev.llmkit.model.io.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmkit.model.chat.ChatMessage;
import dev.llmkit.model.chat.ChatTemplate;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A GGUF's tokenizer.chat_template, with bos/eos from tokenizer.ggml.*_token_id, as llama.cpp writes them. */
class GgufChatTemplateTest {

  // google/gemma-2-2b-it's chat_template (llama.cpp models/templates, MIT)
  static final String GEMMA2 = "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}";

  @Test
  void readsTheTemplateAndSpecialTokens(@TempDir Path dir) throws Exception {
    Path file = new GgufTestWriter()
        .string("general.architecture", "gemma2")
        .value("tokenizer.ggml.tokens", new String[] {"<pad>", "<eos>", "<bos>", "hi"})
        .uint32("tokenizer.ggml.bos_token_id", 2)
        .uint32("tokenizer.ggml.eos_token_id", 1)
        .string("tokenizer.chat_template", GEMMA2)
        .write(dir.resolve("m.gguf"));
    ChatTemplate t = ChatTemplate.fromModel(file);
    assertThat(t.specialTokens()).containsEntry("bos_token", "<bos>").containsEntry("eos_token", "<eos>");
    assertThat(t.render(List.of(ChatMessage.user(" Hi \n")), true))
        .isEqualTo("<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n");
    assertThatThrownBy(() -> t.render(List.of(ChatMessage.system("s"), ChatMessage.user("u")), true))
        .hasMessage("chat template raised: System role not supported");
    Path bare = new GgufTestWriter().string("general.architecture", "llama").write(dir.resolve("b.gguf"));
    assertThatThrownBy(() -> ChatTemplate.fromModel(bare)).hasMessageContaining("has no tokenizer.chat_template");
  }
}
