package io.synod.raft.storage;

import io.synod.raft.spi.RaftLogStore;

/** The {@link RaftLogStore} contract on {@link InMemoryRaftLogStore}. */
class InMemoryRaftLogStoreContractTest extends RaftLogStoreContract {

  @Override
  protected RaftLogStore newStore() {
    return new InMemoryRaftLogStore();
  }
}
