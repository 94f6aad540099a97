package org.fasterdit.snr;

/**
 * Summary of the log-SNR distribution training visits, computed from the distribution itself (not
 * from a truncated grid): mean and std of log SNR, and the mass inside the grid (tells whether the
 * plot shows it all).
 */
public record LogSnrStats(double dataStd, double mean, double std, double massInGrid) {}
