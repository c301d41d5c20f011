package io.synod.queue.spi;

import java.util.List;

/**
 * A stream's length, ends and groups.
 *
 * @param length entries in the stream
 * @param firstId the first entry's id, or null when empty
 * @param lastId the id of the last entry ever appended, or null when nothing ever was
 * @param groups the groups, sorted by name
 */
public record StreamInfo(long length, StreamId firstId, StreamId lastId, List<GroupInfo> groups) {
  /** Copies the list. */
  public StreamInfo {
    groups = List.copyOf(groups);
  }

  /**
   * The group of that name.
   *
   * @param name a group name
   * @return the group, or null
   */
  public GroupInfo group(String name) {
    for (GroupInfo g : groups) {
      if (g.name().equals(name)) {
        return g;
      }
    }
    return null;
  }
}
