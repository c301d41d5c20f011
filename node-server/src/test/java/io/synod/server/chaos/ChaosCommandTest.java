package io.synod.server.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.synod.server.cli.SynodCli;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code synod chaos} refuses bad options before it creates anything. */
class ChaosCommandTest {

  @Test
  void badOptionsExitWithTwoAndCreateNoNetwork() {
    List<String> before = Netns.namespacesWithPrefix(Netns.PREFIX);
    assertEquals(2, SynodCli.execute("chaos", "--services", "lock,kv"));
    assertEquals(2, SynodCli.execute("chaos", "--loss-percent", "0"));
    assertEquals(2, SynodCli.execute("chaos", "--duration", "-1"));
    assertEquals(2, SynodCli.execute("chaos", "--node-env", "NOEQUALS"));
    assertEquals(2, SynodCli.execute("chaos", "--faults", "meteor")); // picocli: unknown value
    assertEquals(before, Netns.namespacesWithPrefix(Netns.PREFIX));
  }
}
