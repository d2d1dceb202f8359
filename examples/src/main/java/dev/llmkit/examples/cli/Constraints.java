package dev.llmkit.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmkit.model.generate.TokenPieces;
import dev.llmkit.sampling.LogitsProcessor;
import dev.llmkit.sampling.Sampler;
import dev.llmkit.sampling.SamplerConfig;
import dev.llmkit.sampling.Samplers;
import dev.llmkit.sampling.grammar.Grammar;
import dev.llmkit.sampling.grammar.GrammarConstraint;
import dev.llmkit.sampling.grammar.JsonSchemaGrammar;
import dev.llmkit.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code --grammar FILE.gbnf} and {@code --json-schema FILE.json}: a GrammarConstraint first in the chain. */
final class Constraints {

  private Constraints() {}

  static Sampler withGrammar(SamplerConfig sampling, Tokenizer tokenizer, Path gbnf, Path schema)
      throws IOException {
    if (gbnf != null && schema != null) {
      throw new IllegalArgumentException("--grammar and --json-schema were both given; expected one");
    }
    if (gbnf == null && schema == null) {
      return sampling.sampler();
    }
    Grammar grammar;
    if (gbnf != null) {
      grammar = Grammar.parse(Files.readString(gbnf, StandardCharsets.UTF_8));
    } else {
      Object parsed = new ObjectMapper().readValue(schema.toFile(), Object.class);
      grammar = JsonSchemaGrammar.toGrammar(parsed);
    }
    int[] eos = tokenizer.eosId().isPresent() ? new int[] {tokenizer.eosId().getAsInt()} : new int[0];
    List<LogitsProcessor> chain = new ArrayList<>();
    chain.add(new GrammarConstraint(grammar, TokenPieces.of(tokenizer), eos));
    chain.addAll(sampling.processors());
    return Samplers.chain(sampling.temperature() == 0f ? Samplers.greedy() : Samplers.random(), chain);
  }
}
