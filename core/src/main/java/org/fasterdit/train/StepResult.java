package org.fasterdit.train;

import java.util.Map;

/**
 * What one optimizer step did: the step number after it, the loss terms, the gradient norm and
 * whether it was skipped.
 */
public record StepResult(
    long step,
    double loss,
    Map<String, Double> terms,
    double gradNorm,
    boolean skipped,
    String skipReason) {}
