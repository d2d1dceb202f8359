/**
 * Losses: next-token cross-entropy with a mask (negative targets are ignored) and per-position
 * log-probabilities for preference objectives.
 */
package dev.llmkit.training.loss;
