#include "cli/shell.h"

#include <editline/readline.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli/batch_text.h"
#include "cli/progress_line.h"
#include "cli/statement_scanner.h"
#include "cli/table_printer.h"
#include "engine/base/strings.h"
#include "engine/sql/secrets.h"
#include "engine/types/batch.h"

namespace weir::cli {
namespace {

constexpr const char* kPrompt = "weir> ";
constexpr const char* kContinuationPrompt = "  ...> ";
constexpr int kHistoryLimit = 2000;

void WriteWithNewline(std::string_view text, std::FILE* out) {
  std::fwrite(text.data(), 1, text.size(), out);
  if (text.empty() || text.back() != '\n') std::fputc('\n', out);
}

// One line of push-query output: the cells escaped (EscapeCell), so that a
// NUL, a newline or a '|' in a value cannot cut or split the row, joined by
// " | ". Flushed, so rows show as they arrive.
void AppendCells(const std::vector<std::string>& cells, std::string* line) {
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) line->append(" | ");
    AppendEscapedCell(cells[i], line);
  }
  *line += '\n';
}

void WriteCells(const std::vector<std::string>& cells, std::FILE* out) {
  std::string line;
  AppendCells(cells, &line);
  std::fwrite(line.data(), 1, line.size(), out);
  std::fflush(out);
}

void PrintError(std::string_view label, std::string_view message) {
  std::fflush(stdout);
  std::string line = "Error: ";
  if (!label.empty()) {
    line += label;
    line += ": ";
  }
  line += message;
  WriteWithNewline(line, stderr);
  std::fflush(stderr);
}

std::string Trim(std::string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) {
    ++begin;
  }
  while (end > begin &&
         std::isspace(static_cast<unsigned char>(text[end - 1]))) {
    --end;
  }
  return std::string(text.substr(begin, end - begin));
}

// --- Completion -----------------------------------------------------------
// libedit's readline API takes plain function pointers, so the completion
// state lives here; RunShell fills it and only one shell runs per process.

struct CompletionState {
  const ShellOptions* options = nullptr;
  std::vector<std::string> matches;
  size_t next = 0;
};
CompletionState completion;

char* CompletionGenerator(const char* text, int state) {
  if (state == 0) {
    completion.matches.clear();
    completion.next = 0;
    const std::string prefix = weir::AsciiLower(text);
    // Keywords follow the case the user types; names keep their own.
    const bool lower_case =
        !prefix.empty() && std::string_view(text) == prefix &&
        std::any_of(prefix.begin(), prefix.end(),
                    [](unsigned char c) { return std::isalpha(c); });
    for (const std::string& keyword : SqlKeywords()) {
      if (weir::AsciiLower(keyword).rfind(prefix, 0) == 0) {
        completion.matches.push_back(lower_case ? weir::AsciiLower(keyword)
                                                : keyword);
      }
    }
    if (completion.options != nullptr && completion.options->completion_names) {
      for (const std::string& name : completion.options->completion_names()) {
        if (weir::AsciiLower(name).rfind(prefix, 0) == 0) {
          completion.matches.push_back(name);
        }
      }
    }
    std::sort(completion.matches.begin(), completion.matches.end());
    completion.matches.erase(
        std::unique(completion.matches.begin(), completion.matches.end()),
        completion.matches.end());
  }
  if (completion.next >= completion.matches.size()) return nullptr;
  // readline frees the returned string with free().
  return strdup(completion.matches[completion.next++].c_str());
}

char** Complete(const char* text, int start, int end) {
  rl_attempted_completion_over = 1;  // never fall back to file names
  return rl_completion_matches(text, CompletionGenerator);
}

// Reads the history file (a missing one is fine) and masks the secret
// option values of its entries, rewriting the file when there were any, so
// that a secret stored by an older weir does not stay there.
void LoadHistory(const std::string& path) {
  read_history(path.c_str());
  std::vector<std::string> entries;
  bool changed = false;
  for (int i = 0; i < history_length; ++i) {
    const HIST_ENTRY* entry = history_get(history_base + i);
    if (entry == nullptr || entry->line == nullptr) continue;
    entries.push_back(sql::MaskSecrets(entry->line));
    changed = changed || entries.back() != entry->line;
  }
  if (!changed) return;
  // Built again rather than edited in place: libedit's
  // replace_history_entry counts its index differently from history_get.
  clear_history();
  for (const std::string& entry : entries) add_history(entry.c_str());
  write_history(path.c_str());
}

void PrintHelp() {
  std::printf(
      "Type SQL statements ending with ';'. A statement may span lines.\n"
      "  SHOW STREAMS | TABLES | VIEWS | SINKS | QUERIES;   DESCRIBE name;\n"
      "  CREATE STREAM ... WITH (connector = 'kafka', ...);  EXPLAIN stmt;\n"
      "  SELECT ... EMIT CHANGES streams rows until Ctrl-C; CREATE SINK and\n"
      "  INSERT ... SELECT run in the background (SHOW QUERIES, TERMINATE "
      "id).\n"
      "Tab completes keywords and names. History is kept in "
      "~/.weir_history.\n"
      "'exit', 'quit' or Ctrl-D leaves the shell.\n");
}

}  // namespace

const std::vector<std::string>& SqlKeywords() {
  static const auto* keywords = new std::vector<std::string>{
      "ALL",          "ALLOWED",   "AND",       "AS",       "ASC",
      "AVG",          "BETWEEN",   "BIGINT",    "BOOLEAN",  "BY",
      "BYTES",        "CASE",      "CAST",      "CHANGES",  "CLOSE",
      "COALESCE",     "COUNT",     "CREATE",    "CUMULATE", "DATE",
      "DECIMAL",      "DELETE",    "DESC",      "DESCRIBE", "DISTINCT",
      "DOUBLE",       "DROP",      "ELSE",      "EMIT",     "END",
      "EXISTS",       "EXPLAIN",   "EXTENDED",  "EXTRACT",  "FALSE",
      "FOR",          "FROM",      "FULL",      "GROUP",    "HAVING",
      "HOP",          "IF",        "IN",        "INNER",    "INSERT",
      "INT",          "INTERVAL",  "INTO",      "IS",       "JOIN",
      "KEY",          "LATENESS",  "LEFT",      "LIKE",     "LIMIT",
      "MATERIALIZED", "MAX",       "MIN",       "NOT",      "NULL",
      "ON",           "OR",        "ORDER",     "OUTER",    "OVER",
      "PARTITION",    "PRIMARY",   "QUERIES",   "REPLACE",  "RIGHT",
      "ROW_NUMBER",   "SECOND",    "MINUTE",    "HOUR",     "DAY",
      "SELECT",       "SESSION",   "SET",       "SHOW",     "SINK",
      "SINKS",        "STREAM",    "STREAMS",   "SUM",      "TABLE",
      "TABLES",       "TERMINATE", "THEN",      "TIME",     "TIMESTAMP",
      "TRUE",         "TUMBLE",    "UNION",     "VALUES",   "VARCHAR",
      "VIEW",         "VIEWS",     "WATERMARK", "WHEN",     "WHERE",
      "WINDOW",       "WITH"};
  return *keywords;
}

namespace {

// Set by SIGINT while statements run; push queries poll it.
std::atomic<bool> interrupted{false};
// Set by SIGTERM at any time; never cleared: the process is stopping.
std::atomic<bool> terminated{false};

void OnInterrupt(int) { interrupted = true; }
void OnTerminate(int) { terminated = true; }

bool StopRequested() { return interrupted.load() || terminated.load(); }

const char* StopCause() { return terminated.load() ? "SIGTERM" : "Ctrl-C"; }

/// Routes Ctrl-C to `interrupted` for its lifetime, so a push query stops
/// cleanly instead of the process dying; restores the previous handler.
class ScopedInterrupt {
 public:
  ScopedInterrupt() {
    interrupted = false;
    struct sigaction sa {};
    sa.sa_handler = OnInterrupt;
    sigemptyset(&sa.sa_mask);
    // Restart interrupted reads, so the shell's line editor keeps reading
    // instead of taking Ctrl-C for the end of input.
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, &previous_);
  }
  ~ScopedInterrupt() { sigaction(SIGINT, &previous_, nullptr); }

 private:
  struct sigaction previous_ {};
};

}  // namespace

void InstallTerminateHandler() {
  struct sigaction sa {};
  sa.sa_handler = OnTerminate;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &sa, nullptr);
}

bool Terminated() { return terminated.load(); }

void AttachPushPrinter(Session& session, const PrintOptions& options,
                       std::FILE* out) {
  PushHandler h;
  if (options.echo) {
    h.on_start = [out](const std::string& statement) {
      std::string text = Trim(statement);
      if (text.empty() || text.back() != ';') text += ';';
      std::fputc('\n', out);
      WriteWithNewline(text, out);
    };
  }
  h.on_columns = [out](const std::vector<std::string>& columns) {
    WriteCells(columns, out);
  };
  // A batch's rows are made column by column and written at once: a
  // write per row cost more than making the rows' text.
  auto writer = std::make_shared<BatchTextWriter>();
  h.on_batch = [out, writer](const types::Batch& batch, bool changelog) {
    const std::string_view lines = writer->Format(batch, changelog);
    std::fwrite(lines.data(), 1, lines.size(), out);
    return !StopRequested();
  };
  h.on_batch_end = [out] { std::fflush(out); };
  h.should_stop = StopRequested;
  // Until the first row: the sources' progress (a snapshot) on stderr.
  auto line = std::make_shared<ProgressLine>(stderr, isatty(STDERR_FILENO) != 0);
  h.on_progress = [line](const std::string& progress) {
    line->Update(progress, ProgressLine::Clock::now());
  };
  // SIGTERM ends the script too; Ctrl-C only the running push query.
  h.stop_script = [] { return terminated.load(); };
  session.set_push_handler(std::move(h));
}

void PrintResult(const StatementResult& result, const PrintOptions& options,
                 std::FILE* out) {
  if (options.echo && !result.statement_text.empty() && !result.streamed) {
    std::string statement = Trim(result.statement_text);
    if (statement.empty() || statement.back() != ';') statement += ';';
    std::fputc('\n', out);
    WriteWithNewline(statement, out);
  }
  if (!result.message.empty()) WriteWithNewline(result.message, out);
  if (result.streamed) {
    std::fprintf(out, "(%zu %s%s%s)\n", result.streamed_rows,
                 result.streamed_rows == 1 ? "row" : "rows",
                 StopRequested() ? ", stopped by " : "",
                 StopRequested() ? StopCause() : "");
  } else if (!result.columns.empty()) {
    const std::string table =
        FormatTable(result.columns, result.rows, options.max_width);
    std::fwrite(table.data(), 1, table.size(), out);
    std::fprintf(out, "(%zu %s)\n", result.rows.size(),
                 result.rows.size() == 1 ? "row" : "rows");
  }
  if (!result.text.empty()) WriteWithNewline(result.text, out);
  std::fflush(out);
}

bool RunScript(Session& session, std::string_view sql, std::string_view label,
               const PrintOptions& options) {
  ScopedInterrupt interrupt;
  absl::Status status =
      session.ExecuteScript(sql, [&](const StatementResult& result) {
        PrintResult(result, options, stdout);
      });
  if (status.ok()) return true;
  // SIGTERM ended the script between statements: not an error of its own.
  if (!(terminated.load() && absl::IsCancelled(status)))
    PrintError(label, std::string(status.message()));
  return false;
}

bool WaitForQueries(Session& session) {
  std::vector<std::string> active = session.ActiveQueries();
  if (active.empty()) {
    if (terminated.load()) std::fprintf(stderr, "weir: stopped by SIGTERM\n");
    return true;
  }
  ScopedInterrupt interrupt;
  if (!terminated.load()) {
    std::fprintf(stderr, "weir: %s %s running; Ctrl-C stops %s\n",
                 JoinStrings(active, ", ").c_str(),
                 active.size() == 1 ? "is" : "are",
                 active.size() == 1 ? "it" : "them");
  }
  absl::Status status = session.WaitForQueries(StopRequested);
  if (StopRequested())
    std::fprintf(stderr, "weir: stopped by %s\n", StopCause());
  if (status.ok()) return true;
  PrintError("", std::string(status.message()));
  return false;
}

bool StopQueries(Session& session) {
  std::vector<std::string> active = session.ActiveQueries();
  if (!active.empty()) {
    std::fprintf(stderr, "weir: stopping %s\n",
                 JoinStrings(active, ", ").c_str());
  }
  absl::Status status = session.WaitForQueries([] { return true; });
  if (terminated.load()) std::fprintf(stderr, "weir: stopped by SIGTERM\n");
  if (status.ok()) return true;
  PrintError("", std::string(status.message()));
  return false;
}

int RunShell(Session& session, const ShellOptions& options) {
  completion.options = &options;
  rl_readline_name = "weir";  // for "weir:" lines in ~/.editrc
  rl_attempted_completion_function = Complete;
  rl_basic_word_break_characters = " \t\n\"\\'`@$><=;|&{(,)";
  using_history();
  stifle_history(kHistoryLimit);
  if (!options.history_path.empty()) LoadHistory(options.history_path);

  std::printf(
      "Weir shell. Statements end with ';'. Type 'help' for help, Ctrl-D to "
      "exit.\n");
  // Ctrl-C at the prompt must not end the shell: it discards the statement
  // being typed (when Enter comes). Inside a push query it stops the query.
  ScopedInterrupt interrupt_at_prompt;
  std::string buffer;
  while (!terminated.load()) {
    interrupted = false;
    char* raw = readline(buffer.empty() ? kPrompt : kContinuationPrompt);
    if (terminated.load()) {  // SIGTERM: leave as at Ctrl-D
      std::free(raw);
      std::printf("\n");
      break;
    }
    if (raw == nullptr && interrupted.load()) {
      // libedit gives up the line on Ctrl-C: discard it and prompt again.
      std::printf("\n(statement discarded)\n");
      buffer.clear();
      continue;
    }
    if (raw == nullptr) {  // Ctrl-D
      std::printf("\n");
      break;
    }
    std::string line(raw);
    std::free(raw);
    if (interrupted.load()) {
      std::printf("(statement discarded)\n");
      buffer.clear();
      continue;
    }

    if (buffer.empty()) {
      const std::string command = weir::AsciiLower(Trim(line));
      if (command == "exit" || command == "quit" || command == "exit;" ||
          command == "quit;" || command == "\\q") {
        break;
      }
      if (command == "help" || command == "help;" || command == "\\h" ||
          command == "\\?") {
        PrintHelp();
        continue;
      }
    }
    if (!buffer.empty()) buffer += '\n';
    buffer += line;

    const ScanResult scan = ScanSql(buffer);
    if (!scan.has_content && scan.open == OpenConstruct::kNone) {
      buffer.clear();  // only blanks and comments so far
      continue;
    }
    if (!scan.complete) continue;

    // One history entry per statement, on one line, its secret option
    // values masked: neither the history file nor Up-arrow shows a secret
    // (recalling such a statement means typing the secret again).
    std::string entry = sql::MaskSecrets(buffer);
    std::replace(entry.begin(), entry.end(), '\n', ' ');
    add_history(entry.c_str());
    if (!options.history_path.empty()) {
      write_history(options.history_path.c_str());
    }

    PrintOptions print = options.print;
    print.max_width = TerminalWidth(fileno(stdout));
    RunScript(session, buffer, "", print);
    buffer.clear();
  }
  completion.options = nullptr;
  // Persistent queries stop with the shell: they deliver what they read
  // and say what they could not.
  return StopQueries(session) ? 0 : 1;
}

}  // namespace weir::cli
