/**
 * Pure-Java (no LibTorch) readers and writers for tensor files: .npy, .npz, safetensors, PyTorch
 * zip checkpoints (.pt) and IDX (Fashion-MNIST), written from the format specs.
 *
 * <p>Conventions shared by every reader:
 *
 * <ul>
 *   <li>Every problem with the input is a {@link org.fasterdit.io.TensorFormatException} whose
 *       message starts with the file name (and the member, e.g. {@code "x.pt: data.pkl: "}).
 *   <li>Declared sizes and shapes are checked against the real input length (with overflow-safe
 *       arithmetic) before anything is allocated; compressed data is inflated only up to its
 *       declared, plausibility-checked size.
 *   <li>Zero-copy results (safetensors tensors, contiguous tensors of stored .pt storages) are
 *       read-only slices of a file mapping owned by the caller's {@link java.lang.foreign.Arena};
 *       they become inaccessible when the arena closes. Npy/Npz/Idx results are independent copies.
 *   <li>Pickles are never executed: {@link org.fasterdit.io.RestrictedUnpickler} refuses any global
 *       outside a fixed allow-list in a scan that precedes execution.
 * </ul>
 *
 * Writers replace their target atomically (temp file, fsync, atomic rename).
 */
package org.fasterdit.io;
