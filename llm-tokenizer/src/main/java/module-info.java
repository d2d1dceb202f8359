/**
 * llm-tokenizer: text to token ids and back. API: {@code dev.llmkit.tokenizer}, the BERT-style encodings
 * (ids, type ids, attention masks) in {@code dev.llmkit.tokenizer.encoding} and the trainers in
 * {@code dev.llmkit.tokenizer.trainer}. The algorithms and file readers (BPE merge tables, byte
 * maps, pre-tokenizers, tokenizer.json / SentencePiece / tiktoken / WordPiece parsers) are not
 * exported; the GGUF vocabulary reader is exported only to {@code dev.llmkit.model}, which reads
 * the rest of a GGUF file.
 */
module dev.llmkit.tokenizer {
  requires com.fasterxml.jackson.databind;

  exports dev.llmkit.tokenizer;
  exports dev.llmkit.tokenizer.encoding;
  exports dev.llmkit.tokenizer.trainer;
  exports dev.llmkit.tokenizer.gguf to dev.llmkit.model;
}
