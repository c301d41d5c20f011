package io.synod.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SynodCliTest {

  @Test
  void helpListsEverySubcommand() {
    StringWriter out = new StringWriter();
    CommandLine cli = new CommandLine(new SynodCli());
    cli.setOut(new PrintWriter(out));
    assertEquals(0, cli.execute("--help"));
    for (String sub : new String[] {"simulate", "dev", "node", "bench", "replay"}) {
      assertTrue(out.toString().contains(sub), "help must list '" + sub + "':\n" + out);
    }
  }

  @Test
  void unknownOptionIsAUsageError() {
    CommandLine cli = new CommandLine(new SynodCli());
    cli.setErr(new PrintWriter(new StringWriter()));
    assertEquals(2, cli.execute("--no-such-option"));
  }
}
