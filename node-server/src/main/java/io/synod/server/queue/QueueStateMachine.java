package io.synod.server.queue;

import io.synod.queue.QueueMachine;
import io.synod.raft.spi.StateMachine;
import java.io.IOException;
import java.io.InputStream;

/**
 * raft-core's {@link StateMachine} over hashring-queue's {@link QueueMachine}: a queue group's
 * committed commands are applied to the machine in log order, snapshots are the machine's frozen
 * copy. Called on the group's Raft thread only.
 */
public final class QueueStateMachine implements StateMachine {
  private final QueueMachine machine;

  /**
   * An adapter.
   *
   * @param machine the queue state it applies commands to
   */
  public QueueStateMachine(QueueMachine machine) {
    this.machine = machine;
  }

  /** @return the queue state (read it on the apply thread only) */
  public QueueMachine machine() {
    return machine;
  }

  @Override
  public Object apply(long index, byte[] command) {
    return machine.apply(command);
  }

  @Override
  public SnapshotWriter snapshot() {
    QueueMachine.Frozen frozen = machine.freeze();
    return frozen::writeTo;
  }

  @Override
  public void restore(InputStream in) throws IOException {
    machine.restore(in);
  }
}
