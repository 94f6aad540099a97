# Process settings for running FasterDiT on CPU, sourced by ./fasterdit and the benchmark scripts. Every
# variable keeps a value already set by the user.
# fp32 GEMM runs in OpenBLAS's own thread pool and fights ATen's OpenMP pool when both are busy. Measured here
# (benchmarks/RESULTS.md): all cores to OpenBLAS and one ATen thread is fastest on this CPU (no AVX-512 bf16).
# Training then splits each micro-batch over as many worker threads as OpenBLAS has, with one BLAS thread each
# while they run (the trainer's workers key). Override either variable to change it.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-$(nproc 2>/dev/null || echo 1)}"
export FASTERDIT_TORCH_THREADS="${FASTERDIT_TORCH_THREADS:-1}"
# glibc hands tensors above its (moving) mmap threshold fresh pages from the OS and returns them on free, so every
# step paid for zeroing pages: 3.8% of a DiT-S/2 step's CPU time in the kernel, 0.6% with these settings
# (benchmarks/profile-step.sh, benchmarks/RESULTS.md). The step workers' own malloc arenas are mmap'd heaps that glibc
# shrinks and regrows regardless of those thresholds: one arena for the process took the page zeroing of a bf16 DiT-S/2
# step from 3.2% to 0.3% of its CPU time and its peak RSS from 2.8 to 2.0 GB (benchmarks/RESULTS.md).
# Set GLIBC_TUNABLES yourself to override.
export GLIBC_TUNABLES="${GLIBC_TUNABLES:-glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=17179869184:glibc.malloc.arena_max=1}"
