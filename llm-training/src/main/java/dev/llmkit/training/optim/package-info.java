/** Optimisers: AdamW with decoupled weight decay on matrices only, and its checkpointable state. */
package dev.llmkit.training.optim;
