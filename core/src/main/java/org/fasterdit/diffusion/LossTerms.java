package org.fasterdit.diffusion;

import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * A training loss to differentiate ({@code total}) and its parts as detached scalars for logging
 * (FasterDiT's own code logged only the MSE while optimising MSE + direction, which confused users:
 * we log every term).
 */
public record LossTerms(Tensor total, Map<String, Tensor> parts) {}
