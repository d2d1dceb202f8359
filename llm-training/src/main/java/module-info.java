/**
 * llm-training: training and fine-tuning. API: {@code dev.llmkit.training}, {@code .checkpoint},
 * {@code .data}, {@code .finetune}, {@code .optim} and {@code .schedule}; the loss kernels in
 * {@code .loss} are not exported.
 */
module dev.llmkit.training {
  requires transitive dev.llmkit.model;
  requires com.fasterxml.jackson.databind;
  requires org.slf4j;

  exports dev.llmkit.training;
  exports dev.llmkit.training.checkpoint;
  exports dev.llmkit.training.data;
  exports dev.llmkit.training.finetune;
  exports dev.llmkit.training.optim;
  exports dev.llmkit.training.schedule;
}
