/**
 * Training of encoder-only (BERT) models: masked-LM pretraining with BERT's 80/10/10 masking
 * ({@link dev.llmkit.training.encoder.MlmMasking}), and fine-tuning of a sequence-classification
 * head, frozen encoder or whole model ({@link dev.llmkit.training.encoder.EncoderTrainer}).
 */
package dev.llmkit.training.encoder;
