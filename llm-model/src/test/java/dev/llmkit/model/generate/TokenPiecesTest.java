package dev.llmkit.model.generate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.tokenizer.Tokenizer;
import dev.llmkit.tokenizer.Tokenizers;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The pieces a grammar matches are the bytes the tokens write mid-text. */
class TokenPiecesTest {

  @Test
  void piecesOfATextConcatenateToTheText() {
    Tokenizer t = Tokenizers.encoding("r50k_base");
    byte[][] pieces = TokenPieces.of(t);
    assertThat(pieces.length).isEqualTo(t.vocabSize());
    String text = "Hello world, {\"name\": \"Ada\", \"age\": 36} \u00e9t\u00e9";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int id : t.encode(text)) {
      assertThat(pieces[id]).as("piece of %d", id).isNotNull();
      out.writeBytes(pieces[id]);
    }
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(text);
    assertThat(new String(pieces[262], StandardCharsets.UTF_8)).isEqualTo(" the"); // GPT-2 id 262
    assertThat(pieces[t.eosId().getAsInt()]).isNull(); // <|endoftext|>
  }
}
