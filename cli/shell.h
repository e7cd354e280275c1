#pragma once

// The two ways `weir` runs SQL through a Session: a script (from -e, -f or
// a pipe) that stops at the first error, and the interactive shell that
// reports errors and carries on.

#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/session/session.h"

namespace weir::cli {

/// How results are written.
struct PrintOptions {
  /// Widest table line in columns; 0 for no limit (see TerminalWidth).
  size_t max_width = 0;
  /// Print each statement's text before its result (weir --echo).
  bool echo = false;
};

/// Writes one result to `out`: its message line, its table (with a row
/// count), its text verbatim, in that order; empty parts are skipped.
/// Flushes `out`, so results and errors on stderr interleave in order.
void PrintResult(const StatementResult& result, const PrintOptions& options,
                 std::FILE* out);

/// Runs `sql` (all of one script) on `session`, printing results to stdout.
/// On the first error prints "Error: <label: ><rendered error>" to stderr and
/// returns false; nothing after the failing statement runs. After SIGTERM
/// it returns false before the next statement, printing nothing. `label`
/// names the script (a file name) and may be empty.
bool RunScript(Session& session, std::string_view sql, std::string_view label,
               const PrintOptions& options);

/// After the scripts of `weir -e/-f`: when they started persistent queries
/// (CREATE SINK, INSERT ... SELECT), says so on stderr and keeps them
/// running until they end by themselves or Ctrl-C or SIGTERM stops them
/// (they then read no more, deliver what they read, commit it; "weir:
/// stopped by Ctrl-C|SIGTERM" on stderr). Returns false, after printing
/// "Error: ..." to stderr, when a query failed or could not deliver every
/// row it read (the message says how many).
bool WaitForQueries(Session& session);

/// Stops the persistent queries still running (as WaitForQueries does on
/// Ctrl-C), saying "weir: stopping q1, ..." on stderr, and reports as
/// WaitForQueries does. For leaving the shell and for a script that
/// failed.
bool StopQueries(Session& session);

/// Makes SIGTERM stop `weir` as Ctrl-C stops a push query or a waiting
/// script, but for good: push queries stop, scripts stop before their next
/// statement, the shell leaves its prompt, and persistent queries stop,
/// delivering what they read. Call once, before the session starts
/// threads. The handler only sets a flag (Terminated()).
void InstallTerminateHandler();

/// SIGTERM has arrived.
bool Terminated();

/// Settings of the interactive shell.
struct ShellOptions {
  /// File for the line history; empty for none.
  std::string history_path;
  /// Names offered by tab completion besides SQL keywords (catalog
  /// objects); called at each completion, so it sees new objects. May be
  /// empty.
  std::function<std::vector<std::string>()> completion_names;
  PrintOptions print;
};

/// The interactive shell on the terminal: prompts "weir> " (and "  ...> "
/// inside a statement), runs each statement once its ';' is typed, prints
/// errors and carries on. At Ctrl-D, `exit`/`quit` or SIGTERM it stops the
/// persistent queries (StopQueries) and returns the process exit code: 0,
/// or 1 when a query failed or could not deliver what it read. Uses libedit's
/// global state, so only one shell may run in a process; blocks on the
/// terminal.
int RunShell(Session& session, const ShellOptions& options);

/// Makes `session` print push-query rows to `out` as they arrive (a header
/// line, then one line per row, cells escaped as EscapeCell does and
/// separated by " | "), and stop a push query on Ctrl-C (SIGINT) while
/// statements run under RunScript or the shell, or on SIGTERM (which also
/// ends the script). Call once per session.
/// With options.echo, the statement is printed first, as PrintResult does.
/// Until a push query's first row, its sources' progress (a mysql-cdc
/// snapshot) shows on stderr, at most once a second (progress_line.h).
void AttachPushPrinter(Session& session, const PrintOptions& options,
                       std::FILE* out);

/// SQL keywords offered by completion, upper case.
const std::vector<std::string>& SqlKeywords();

}  // namespace weir::cli
