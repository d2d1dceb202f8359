/**
 * llm-training: train and fine-tune the models of llm-model. API: this package ({@link
 * dev.llmkit.training.Trainer}, {@link dev.llmkit.training.TrainableModel}, {@link
 * dev.llmkit.training.TrainerConfig}, listeners and events), {@code .checkpoint}, {@code .data},
 * {@code .finetune}, {@code .optim}, {@code .schedule} and, for Spark users, {@code .spark}
 * (data-parallel training in a barrier stage, batch scoring, and batch inference over a Dataset
 * column); {@code .loss} is internal by convention.
 *
 * <p>JPMS: unlike the other library modules this one has no {@code module-info}; it is the
 * automatic module {@code dev.llmkit.training} (its manifest's {@code Automatic-Module-Name}).
 * Spark 4's jars have no module names and none can be derived from their file names
 * ({@code spark-core_2.13-4.0.1.jar} gives "spark.core.2.13", not a valid name), so a descriptor
 * cannot require Spark, not even statically; a named module reading Spark from the class path
 * needs {@code --add-reads dev.llmkit.training=ALL-UNNAMED} at compile and run time (tried: without
 * it {@code javac} says "package org.apache.spark is not visible" and the JVM throws
 * {@code IllegalAccessError}), while an automatic module reads the class path by itself. See the
 * README's module table.
 */
package dev.llmkit.training;
