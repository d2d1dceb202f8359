/**
 * Kernel plumbing shared by the llmkit modules, not API: {@link dev.llmkit.tensor.kernel.Parallel}
 * (the library's spin-then-park thread team). On the module path this package is exported only to
 * {@code dev.llmkit.model} and {@code dev.llmkit.training}; on the class path it is visible but not
 * supported for users.
 */
package dev.llmkit.tensor.kernel;
