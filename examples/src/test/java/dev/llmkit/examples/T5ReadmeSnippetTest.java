package dev.llmkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmkit.model.generate.GenerationOptions;
import dev.llmkit.model.generate.GenerationResult;
import dev.llmkit.model.generate.Generator;
import dev.llmkit.model.t5.T5Config;
import dev.llmkit.model.t5.T5Decoder;
import dev.llmkit.model.t5.T5Model;
import dev.llmkit.model.t5.T5Weights;
import dev.llmkit.sampling.Samplers;
import dev.llmkit.sampling.SamplingContext;
import dev.llmkit.tensor.Tensor;
import dev.llmkit.tokenizer.CharTokenizer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** README.md's "Encoder–decoder models (T5)" snippet, line for line, on a random T5 folder. */
class T5ReadmeSnippetTest {

  @Test
  void encoderDecoderSnippet(@TempDir Path dir) throws Exception {
    CharTokenizer tok = CharTokenizer.of("\u0000\u0004abcdefgh".codePoints().toArray());
    T5Weights.random(T5Config.builder().vocabSize(tok.vocabSize()).dModel(16).dKv(4).numHeads(4)
        .dFf(32).numLayers(2).build(), 1).save(dir);
    int[] encoderIds = tok.encode("abcab");
    int[] decoderIds = {0, 3, 4};

    T5Model t5 = T5Model.load(dir);                              // a Hugging Face T5 folder (config.json, safetensors)
    T5Decoder decoder = t5.conditionedOn(encoderIds);            // the encoder runs once; cross K/V computed once
    Generator g = new Generator(decoder, tok, Samplers.greedy()); // the decoder is a LanguageModel: any sampler
    GenerationResult r = g.generate(decoder.startIds(), GenerationOptions.maxTokens(20), new SamplingContext(1), null);
    Tensor logits = t5.logits(encoderIds, decoderIds);           // teacher forcing: (T_dec, V)
    T5Model.Attentions a = t5.attentions(encoderIds, decoderIds); // encoder self, decoder self and cross, per layer

    assertThat(r.generatedTokens()).isBetween(1, 20);
    assertThat(logits.shape()).containsExactly(3, tok.vocabSize());
    assertThat(a.cross()[1].shape()).containsExactly(4, 3, 5);
  }
}
