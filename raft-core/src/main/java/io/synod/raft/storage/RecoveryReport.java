package io.synod.raft.storage;

import java.util.List;

/**
 * What {@link FileRaftLogStore#open} found and did while recovering a log directory.
 *
 * @param segments how many segment files were read
 * @param records how many valid records were replayed
 * @param truncatedBytes how many bytes of a torn tail were cut from the last segment (0 if none)
 * @param truncatedFile the file whose tail was cut, or {@code null}
 * @param deletedFiles segment files removed: a torn last segment without a valid record, or
 *     segments a durable snapshot had made obsolete
 * @param firstIndex the first index held after recovery
 * @param lastIndex the last index held after recovery
 * @since 1.0
 */
public record RecoveryReport(
    int segments,
    long records,
    long truncatedBytes,
    String truncatedFile,
    List<String> deletedFiles,
    long firstIndex,
    long lastIndex) {

  /** Copies the list. */
  public RecoveryReport {
    deletedFiles = List.copyOf(deletedFiles);
  }

  /** Whether recovery changed anything on disk. */
  public boolean repaired() {
    return truncatedBytes > 0 || truncatedFile != null || !deletedFiles.isEmpty();
  }
}
