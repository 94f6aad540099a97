package org.fasterdit.torch;

import java.util.ArrayDeque;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorBase;
import org.bytedeco.pytorch.TensorTensorHook;

/**
 * Backwards written in Java for fused ops, on gradient hooks (docs/libtorch-from-java.md, "Gradient
 * hooks"). A fused op records one node whose own backward passes the gradient on unchanged, hooks
 * it, and pushes what its backward needs onto this thread's stack; the hook pops it and returns the
 * gradient the fused backward computed, which replaces the one the node would have passed on.
 *
 * <p>Why one stack per thread is enough: a CPU backward runs on the thread that called it, and it
 * runs the nodes in decreasing order of creation (LibTorch's ready queue takes the latest-created
 * ready node first, and the latest-created node not yet run is always ready), so hooks come in the
 * reverse order of the forward that pushed them. That holds when the backward reaches every hooked
 * node; a backward that left one out would pop the wrong context, so {@link Scope#close} refuses to
 * end with contexts left over. Fused ops record a backward only inside a {@link Scope} (the
 * trainer's forward and backward); elsewhere they run LibTorch's ops, or their forward alone
 * without grad. One hook instance serves every op and thread, because the presets allow only 10.
 */
public final class FusedBackward {
  private FusedBackward() {}

  /** What one recorded op keeps for its backward. */
  interface Pending {
    /**
     * The gradient to pass on in place of {@code grad} (same sizes and dtype), or an undefined
     * tensor to pass {@code grad} on unchanged.
     */
    Tensor backward(Tensor grad);

    /** Frees what it holds; called once, after {@link #backward} or instead of it. */
    void release();
  }

  /** Where fused ops may record a backward on this thread: one forward and its backward. */
  public static final class Scope implements AutoCloseable {
    private final PerThread state = STATE.get();
    private boolean closed;

    private Scope() {
      state.depth++;
    }

    /**
     * The loss to run the backward from: {@code loss} plus a zero that depends on what the fused
     * ops of this scope need the backward to reach ({@link #reach}); {@code loss} itself when there
     * is none.
     */
    public Tensor loss(Tensor loss) {
      if (state.unreached == null) return loss;
      Tensor withZero = loss.add(state.unreached);
      NativeScope.release(state.unreached);
      state.unreached = null;
      return withZero;
    }

    /**
     * Ends the scope. Throws if a recorded op never got its backward (the backward did not reach
     * it, or none ran); what those ops held is freed either way.
     */
    @Override
    public void close() {
      if (closed) return;
      closed = true;
      if (--state.depth > 0) return;
      state.releaseLastReturned();
      boolean unreached = state.unreached != null;
      NativeScope.release(state.unreached);
      state.unreached = null;
      int left = state.pending.size();
      while (!state.pending.isEmpty()) state.pending.pollLast().release();
      if (left > 0)
        throw new IllegalStateException(
            left
                + " fused op(s) recorded in the forward got no backward: a fused backward needs"
                + " one backward over the whole forward inside the scope"
                + (unreached ? ", from a loss passed through Scope.loss" : ""));
    }
  }

  /** Opens a recording scope on this thread (scopes nest; the outermost one checks). */
  public static Scope open() {
    return new Scope();
  }

  /** Whether an op on this thread should record a fused backward now. */
  static boolean recording() {
    return STATE.get().depth > 0 && GradMode.is_enabled();
  }

  /**
   * Hooks {@code t}'s gradient to {@code pending}. Call in forward order, right after creating
   * {@code t}'s node: the pops in the backward rely on it.
   */
  static void record(Tensor t, Pending pending) {
    t.register_hook(HOOK);
    STATE.get().pending.addLast(pending);
  }

  /**
   * Makes the backward reach {@code t}'s node although no op of the graph reads {@code t} (a
   * conditioning whose readers are all fused, a bias a fused pass adds): a zero that depends on t
   * goes into the loss ({@link Scope#loss}). Why not into the op's own output: the zero's gradient
   * is the sum of the gradient of what it was added to, a pass over an activation per op, where the
   * loss is one number.
   */
  static void reach(Tensor t) {
    PerThread state = STATE.get();
    Tensor zero = t.narrow(0, 0, 0).sum(); // 0 in t's dtype: exact in any
    state.unreached =
        state.unreached == null
            ? NativeScope.retain(zero)
            : NativeScope.swap(state.unreached, state.unreached.add(zero));
  }

  private static final class PerThread {
    final ArrayDeque<Pending> pending = new ArrayDeque<>();
    int depth;

    /** The zero for {@link Scope#loss}, retained; null when nothing is left to reach. */
    Tensor unreached;

    /**
     * The native side copies a returned tensor, so our handle is released at the next call (a scope
     * around the call would free it before the copy).
     */
    Tensor lastReturned;

    void releaseLastReturned() {
      NativeScope.release(lastReturned);
      lastReturned = null;
    }
  }

  private static final ThreadLocal<PerThread> STATE = ThreadLocal.withInitial(PerThread::new);

  private static final class Hook extends TensorTensorHook {
    @Override
    public TensorBase call(TensorBase grad) {
      PerThread state = STATE.get();
      state.releaseLastReturned();
      Pending p = state.pending.pollLast();
      if (p == null)
        throw new IllegalStateException(
            "a fused op's backward ran on a thread that recorded none (a backward on another"
                + " thread than its forward?)");
      try (var scope = NativeScope.open()) {
        Tensor out = p.backward(new Tensor(grad));
        state.lastReturned = NativeScope.retain(out);
        return out;
      } finally {
        p.release();
      }
    }
  }

  /** Retained: made inside a native scope, the hook would be freed when that scope closes. */
  private static final Hook HOOK = NativeScope.retain(new Hook());
}
