package io.synod.raft.snapshot;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.util.Iterator;

/**
 * Collects what a snapshot writer writes and runs the next of some steps (commands applied to
 * the machine being written) before each write it receives: a deterministic interleaving of a
 * writer with the apply thread, so changes land before, at and behind the writer's position.
 */
public final class InterleavingStream extends OutputStream {
  private final ByteArrayOutputStream written = new ByteArrayOutputStream();
  private final Iterator<? extends Runnable> steps;

  /**
   * A stream.
   *
   * @param steps run one per write, in order, until none is left
   */
  public InterleavingStream(Iterator<? extends Runnable> steps) {
    this.steps = steps;
  }

  @Override
  public void write(int b) {
    step();
    written.write(b);
  }

  @Override
  public void write(byte[] b, int off, int len) {
    step();
    written.write(b, off, len);
  }

  private void step() {
    if (steps.hasNext()) {
      steps.next().run();
    }
  }

  /** Runs the steps the writes did not use. */
  public void finish() {
    steps.forEachRemaining(Runnable::run);
  }

  /** @return everything written */
  public byte[] bytes() {
    return written.toByteArray();
  }
}
