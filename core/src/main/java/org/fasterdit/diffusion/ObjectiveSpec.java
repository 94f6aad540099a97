package org.fasterdit.diffusion;

/**
 * What a model was trained to do: objective, flow path or DDPM betas, prediction, timestep sampler
 * and direction-loss weight. Training builds its {@link Objective} from it; sampling picks its
 * samplers from it.
 */
public record ObjectiveSpec(
    ObjectiveKind kind,
    FlowPath path,
    Prediction prediction,
    TimestepSampler timesteps,
    double directionWeight,
    DdpmSchedule.Kind betaSchedule,
    int diffusionSteps) {}
