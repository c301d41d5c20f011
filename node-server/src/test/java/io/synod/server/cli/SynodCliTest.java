package io.synod.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
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

  @Test
  void benchHelpPrintsThePercentSignsAndNoPicocliWarning() {
    PrintStream oldErr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    StringWriter out = new StringWriter();
    try {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      CommandLine cli = new CommandLine(new SynodCli());
      cli.setOut(new PrintWriter(out));
      assertEquals(0, cli.execute("bench", "--help"));
    } finally {
      System.setErr(oldErr);
    }
    String err = captured.toString(StandardCharsets.UTF_8);
    assertTrue(out.toString().contains("95% reads, 5% writes"), out.toString());
    assertTrue(!err.contains("WARN"), "picocli warned: " + err);
  }

  @Test
  void anExplicitEnvFileThatDoesNotExistIsAnError() {
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new SynodCli());
    cli.setErr(new PrintWriter(err));
    cli.setOut(new PrintWriter(new StringWriter()));
    assertEquals(1, cli.execute("node", "--env-file", "no/such/file.env", "--check-config"));
    assertTrue(err.toString().contains("no such file: no/such/file.env"), err.toString());
  }

  @Test
  void anUnknownSettingPointsToTheListThatExists() {
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new SynodCli());
    cli.setErr(new PrintWriter(err));
    cli.setOut(new PrintWriter(new StringWriter()));
    assertEquals(1, cli.execute("node", "--set", "BOGUS=1", "--check-config"));
    assertTrue(err.toString().contains("--list-settings"), err.toString());

    StringWriter out = new StringWriter();
    CommandLine list = new CommandLine(new SynodCli());
    list.setOut(new PrintWriter(out));
    assertEquals(0, list.execute("node", "--list-settings"));
    assertTrue(out.toString().contains("HTTP_PORT="), out.toString());
    assertTrue(out.toString().contains("NODE_ID="), out.toString());
  }
}
