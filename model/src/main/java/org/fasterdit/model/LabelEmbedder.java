package org.fasterdit.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Class labels to vectors through {@code embedding_table} of (classes + 1) rows: the last row is
 * the null label that classifier-free guidance uses. Label dropout for CFG training is the
 * trainer's job (it swaps labels for the null label before calling the model), so this forward is
 * deterministic.
 */
final class LabelEmbedder {
  final Tensor table;
  private final int numClasses;

  LabelEmbedder(Params p, int numClasses, int hidden) {
    this.numClasses = numClasses;
    this.table = p.child("embedding_table").create("weight", true, numClasses + 1, hidden);
  }

  void init(WeightInit init) {
    init.normal(table, 0.02);
  }

  int nullLabel() {
    return numClasses;
  }

  Tensor forward(Tensor y) {
    return torch.embedding(table, y); // (N, D)
  }
}
