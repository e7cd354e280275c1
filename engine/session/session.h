#pragma once

// A session runs statements: parse, bind against the catalog, optimize,
// then hand each to the handler of its kind, which applies DDL, answers
// SHOW/DESCRIBE/EXPLAIN, or runs queries on the session's worker pool: push
// queries and statements over constants while the statement lasts,
// persistent queries (sinks, INSERT ... SELECT) until TERMINATE. The CLI,
// the fuzzer and the SQL golden-file driver all go through this one class.

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/catalog/catalog.h"
#include "engine/catalog/connector_registry.h"
#include "engine/exec/physical_plan.h"
#include "engine/exec/sink.h"
#include "engine/exec/source.h"
#include "engine/types/batch.h"

namespace weir::exec {
class Clock;
class Executor;
class RunningQuery;
class ViewState;
}  // namespace weir::exec

namespace weir::sql {
struct PlanNode;
struct BoundStatement;
struct BoundQuery;
struct BoundInsert;
struct BoundCreate;
struct BoundCreateSource;
struct BoundCreateView;
struct BoundCreateSink;
struct BoundDrop;
struct BoundShow;
struct BoundDescribe;
struct BoundExplain;
struct BoundSet;
struct BoundReset;
struct BoundTerminate;
namespace ast {
struct Statement;
struct CreateViewStatement;
}  // namespace ast
}  // namespace weir::sql

namespace weir {

/// What one statement produced: a message ("Created stream 'bids'."), a
/// table (SHOW, DESCRIBE), or preformatted text (EXPLAIN). Fields not used
/// by a statement stay empty.
struct StatementResult {
  /// The statement as written, secret option values shown as '***'.
  std::string statement_text;
  std::string message;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  std::string text;
  /// Push queries with a PushHandler: the rows went to the handler as they
  /// arrived; `rows` stays empty and this counts them.
  bool streamed = false;
  size_t streamed_rows = 0;
};

/// How a session may reach outside systems.
struct SessionOptions {
  /// When true, CREATE TABLE ... WITH (connector = 'mysql-cdc') without a
  /// column list connects to the MySQL server named in its options to read
  /// the columns. Fuzzers and offline tests turn this off, so no input can
  /// make them open a network connection; such a table then gets its
  /// columns when first used (an error until the runtime can read them).
  /// Also: only such sessions start persistent queries (CREATE SINK,
  /// INSERT ... SELECT, CREATE MATERIALIZED VIEW), whose sinks write to
  /// and whose sources read from outside systems; offline sessions define
  /// sinks and views without starting them (a pull query on such a view
  /// says it is not running).
  bool connect_to_sources = true;
  /// Worker threads shared by all queries of the session; 0 means one per
  /// core.
  int worker_threads = 0;
  /// The connectors the session knows: shared, never changed, e.g.
  /// connectors::BuiltinConnectors() (connectors/registry.h) for the
  /// built-in ones. None when null: then every connector name is unknown.
  std::shared_ptr<const catalog::ConnectorRegistry> connectors = nullptr;
  /// When false, push queries are planned (the physical plan included) and
  /// checked, then return their columns and no rows without running: for
  /// fuzzers, whose inputs may read unbounded sources and would run until
  /// they run out of time or memory.
  bool run_push_queries = true;
  /// The clock of the runtime's timers (when a source partition counts as
  /// idle, engine/exec/clock.h), for tests that drive time by hand; null:
  /// the steady clock. Must outlive the session's queries.
  std::shared_ptr<const exec::Clock> clock = nullptr;
  /// Where persistent queries keep their state when 'state.dir' is not set
  /// (by SET or the config file): `<default_state_dir>/<name of what the
  /// query writes>`, kept when the query ends so that running it again
  /// resumes; but only for a query all of whose inputs and whose output
  /// outlive the process (catalog::Connector::OutlivesProcess: not the
  /// embedded broker, not only constant rows, not a materialized view's
  /// changes), the others keeping theirs in a temporary directory.
  /// Created with mode 0700 when first used. Empty (the default): nothing
  /// is kept unless 'state.dir' is set. The `weir` shell sets it to
  /// $XDG_DATA_HOME/weir/state (storage::DefaultStateDir()); `weir -e`
  /// leaves it empty.
  std::string default_state_dir = {};
};

/// Receives push-query results as they arrive (the shell prints them).
///
/// When the query's output is a changelog (EXPLAIN says "changelog", e.g.
/// a GROUP BY without windows), every row starts with a column `op`, the
/// row's change kind: "+I" (insert), "-U" (the old version of an updated
/// row), "+U" (its new version) or "-D" (delete). Append-only output has
/// no such column. The same holds for rows collected into a
/// StatementResult without a handler.
struct PushHandler {
  /// Called once with the statement's text when the query starts.
  std::function<void(const std::string& statement)> on_start;
  /// Called once with the column names (`op` first for a changelog),
  /// before any row.
  std::function<void(const std::vector<std::string>& columns)> on_columns;
  /// Called for each result row (values as text, NULL as "NULL"; the change
  /// kind first for a changelog); returning false stops the query.
  std::function<bool(const std::vector<std::string>& row)> on_row;
  /// When set, called for each result row instead of on_row: row `row` of
  /// `batch` (no selection), so the handler turns the cells into text
  /// itself (Column::StringAt, AppendCellText) without a string per cell.
  /// `op` is the row's first cell, its change kind, for a changelog; empty
  /// for append-only output (no op column: the batch's cells are the row).
  std::function<bool(const types::Batch& batch, size_t row,
                     std::string_view op)>
      on_batch_row;
  /// When set, called once per batch of result rows instead of on_row and
  /// on_batch_row: all `batch.num_rows()` rows (no selection), in order,
  /// so the handler can turn them into text column by column. `changelog`
  /// says whether each row's change kind (batch.change(r), shown with
  /// ChangeKindSymbol) is its first cell. Returning false stops the query
  /// after this batch (Ctrl-C); a LIMIT is already applied to the batches.
  std::function<bool(const types::Batch& batch, bool changelog)> on_batch;
  /// Called after the rows of each batch went to on_row, before waiting for
  /// more: a handler that buffers its output flushes it here (not per row).
  std::function<void()> on_batch_end;
  /// Polled while waiting for rows (about every 100 ms); returning true
  /// stops the query (Ctrl-C).
  std::function<bool()> should_stop;
  /// Until the query's first row: called as should_stop is, with where
  /// its sources' long first phases stand (QueryStats::progress, as SHOW
  /// QUERIES' progress column shows it: "snapshot 1200 of ~50000 rows,
  /// 4100 rows/s"; "" when none has any). Called once more with "" before
  /// the first row goes to on_row/on_batch_row/on_batch, then no more: a shell
  /// shows it on stderr and clears it there.
  std::function<void(const std::string& progress)> on_progress;
  /// Polled before each statement of ExecuteScript; returning true ends
  /// the script there with Cancelled (SIGTERM).
  std::function<bool()> stop_script;
};

/// Not thread-safe: one thread drives a session.
class Session {
 public:
  /// A session over a fresh in-memory catalog.
  static absl::StatusOr<std::unique_ptr<Session>> Create(
      SessionOptions options = {});
  ~Session();

  /// Runs every statement of `sql` in order, calling `on_result` after each
  /// one that succeeds. Stops at the first error and returns it, already
  /// rendered for a user with FormatError (position, source line, caret).
  absl::Status ExecuteScript(
      std::string_view sql,
      const std::function<void(const StatementResult&)>& on_result);

  /// Where push queries (SELECT ... EMIT CHANGES) send their rows. Without
  /// a handler, rows are collected into the statement's result, so a push
  /// query must end by itself (a LIMIT or a bounded source).
  void set_push_handler(PushHandler handler) {
    push_handler_ = std::move(handler);
  }

  /// Applies a setting of the session's config file (`weir --config`): the
  /// same checks and messages as `SET 'key' = 'value'` (without a
  /// statement position), one level beneath SET: a SET of the key
  /// overrides it, RESET brings it back, SHOW PROPERTIES and DESCRIBE say
  /// "config file". Keys are case-insensitive.
  absl::Status ApplySetting(const std::string& key, const std::string& value);

  /// Session settings in effect: SET over the config file (keys
  /// lower-cased).
  const std::map<std::string, std::string>& settings() const {
    return settings_;
  }
  /// Where the setting `key` (lower-cased, in settings()) came from.
  catalog::SettingLevel SettingLevelOf(const std::string& key) const;
  catalog::Catalog& catalog() { return *catalog_; }

  /// The current rows of materialized view `name` (case-insensitive), kept
  /// up to date by its running query; null when the view is not running
  /// in this session (tests, benchmarks).
  std::shared_ptr<const exec::ViewState> ViewStateOf(
      const std::string& name) const;

  /// Ids of the persistent queries (CREATE SINK, INSERT ... SELECT) that
  /// are still running, in start order.
  std::vector<std::string> ActiveQueries() const;

  /// Waits until every persistent query has ended (all its sources are
  /// bounded and done, or it failed), polling `should_stop` about every
  /// 100 ms; when that returns true, stops them (they read no more, their
  /// sinks deliver what they already took, and the positions of delivered
  /// rows are committed). Returns the failures (one line per query, naming
  /// it; a query whose sinks could not deliver everything counts as
  /// failed, with the number of rows), with the first one's code.
  /// `weir -e/-f` calls this after the script, so a script that starts a
  /// sink keeps it running until Ctrl-C.
  absl::Status WaitForQueries(const std::function<bool()>& should_stop);

 private:
  using PlanPtr = std::shared_ptr<const sql::PlanNode>;

  Session() = default;
  /// Binds `stmt`, optimizes the plans it holds (the one place that does)
  /// and runs the handler of its kind.
  absl::StatusOr<StatementResult> Execute(const sql::ast::Statement& stmt,
                                          std::string_view source);

  // One handler per statement kind, in the file of its concern. Errors
  // found while applying a statement point at the token they are about
  // when the bound statement kept its span.
  // queries.cc: queries, INSERT, TERMINATE.
  absl::Status Run(const sql::BoundQuery& s, StatementResult* result);
  absl::Status Run(const sql::BoundInsert& s, StatementResult* result);
  absl::Status Run(const sql::BoundTerminate& s, StatementResult* result);
  // ddl.cc: CREATE and DROP (views.cc: CREATE MATERIALIZED VIEW).
  absl::Status Run(sql::BoundCreateSource& s, StatementResult* result);
  absl::Status Run(sql::BoundCreateView& s, StatementResult* result);
  absl::Status Run(sql::BoundCreateSink& s, StatementResult* result);
  absl::Status Run(const sql::BoundDrop& s, StatementResult* result);
  // show.cc: SHOW, DESCRIBE, EXPLAIN.
  absl::Status Run(const sql::BoundShow& s, StatementResult* result);
  absl::Status Run(const sql::BoundDescribe& s, StatementResult* result);
  absl::Status Run(const sql::BoundExplain& s, StatementResult* result);
  // settings.cc: SET and RESET.
  absl::Status Run(const sql::BoundSet& s, StatementResult* result);
  absl::Status Run(const sql::BoundReset& s, StatementResult* result);

  /// Adds the entry of a CREATE statement to the catalog. Returns false
  /// when it existed and IF NOT EXISTS said to leave it (the message says
  /// so).
  absl::StatusOr<bool> CreateEntry(sql::BoundCreate& s,
                                   StatementResult* result);

  // views.cc: materialized views and pull queries on them.
  /// Answers a pull query from the current rows of the views it reads.
  absl::Status RunPullQuery(const sql::BoundQuery& s, StatementResult* result);
  /// DROP MATERIALIZED VIEW: refused while another entry reads it, else
  /// stops its query and frees its rows and kept state.
  absl::Status DropView(const sql::BoundDrop& s, StatementResult* result);
  /// After CREATE MATERIALIZED VIEW `v` ran: the sink its `WITH (sink =
  /// ...)` asks for (views.cc), as CREATE SINK <v>_sink FROM v; the view is
  /// taken back when the sink cannot be created.
  absl::Status CreateViewSink(const sql::ast::CreateViewStatement& v,
                              std::string_view source, StatementResult* result);
  /// How a running query's tasks open view `entry`: a pull query's over
  /// the rows RunPullQuery copied out for it; any other query's over the
  /// view's changelog (exec/view_source.h).
  absl::StatusOr<catalog::SourceOpener> PrepareViewSource(
      const catalog::Entry& entry);
  /// The error of reading view `name` that does not run in this session.
  std::string ViewNotRunning(const std::string& name) const;
  /// EXPLAIN's "Access path:" lines of a pull query (one per view read).
  std::string ViewAccessText(const PlanPtr& plan) const;

  /// Runs a push query, streaming its rows to the push handler (or into
  /// `result` without one) until it ends or the handler stops it.
  absl::Status RunPushQuery(const PlanPtr& plan, StatementResult* result);
  /// Runs a query that reads no source (SELECT without FROM) through the
  /// operators, as of the statement's start, into `result`'s rows.
  absl::Status RunConstantQuery(const PlanPtr& plan, StatementResult* result);
  /// INSERT ... VALUES: the rows go through the target's sink, like any
  /// query's.
  absl::Status RunInsertValues(const PlanPtr& plan, StatementResult* result);
  /// Reads `query`'s results until it ends, `should_stop` says so (when
  /// given) or `on_row` returns false; `on_row` gets each row as a batch
  /// and a row of it (without `on_row`, rows are only waited for).
  /// `on_batch_end` (when given) is called after each batch's rows;
  /// `on_progress` (when given) as PushHandler::on_progress says. With
  /// `on_batch`, each batch goes to it whole instead of row by row to
  /// `on_row`; returning false stops after that batch.
  static absl::Status DrainQuery(
      exec::RunningQuery& query, const std::function<bool()>& should_stop,
      const std::function<bool(const types::Batch&, size_t row)>& on_row,
      const std::function<void()>& on_batch_end = nullptr,
      const std::function<void(const std::string&)>& on_progress = nullptr,
      const std::function<bool(const types::Batch&)>& on_batch = nullptr);
  /// Starts the persistent query of `plan` (rooted at a sink or INSERT
  /// output) and registers it in the catalog under a new id, which it
  /// returns. `reads` are the catalog objects it reads.
  /// `view` (a materialized view's query) is where its rows go.
  absl::StatusOr<std::string> StartPersistentQuery(
      const PlanPtr& plan, const std::vector<std::string>& reads,
      StatementResult* result,
      std::shared_ptr<exec::ViewState> view = nullptr);
  /// Removes the query state kept for `name` under state.dir, or the
  /// default state directory (DROP), saying so in `result`.
  void DropKeptState(const std::string& name, StatementResult* result);
  /// Where the persistent query of `plan` keeps its state, to resume from
  /// it when run again (connectors.cc): 'state.dir' when set, else
  /// options_.default_state_dir when everything `plan` reads and writes
  /// outlives the process; "" when nothing is kept (a temporary
  /// directory). `why_not` (when not null) gets the reason for "" when a
  /// default existed, e.g. "it reads 'bids', a topic of the embedded
  /// broker".
  std::string KeptStateDir(const PlanPtr& plan, std::string* why_not) const;
  /// 'state.dir' when set, else options_.default_state_dir.
  std::string EffectiveStateDir() const;
  /// Starts `plan`'s tasks on the session's worker pool, with sources (and
  /// sinks, for persistent queries) opened by ConnectPlan. A `persistent`
  /// query takes checkpoints, and with state.dir resumes its kept state.
  absl::StatusOr<std::unique_ptr<exec::RunningQuery>> StartQuery(
      const PlanPtr& plan, StatementResult* result, bool persistent = false,
      std::shared_ptr<exec::ViewState> view = nullptr);
  /// DESCRIBE's lines for the client settings of `entry`'s connector
  /// (Connector::ClientSettings), secret values hidden.
  std::vector<std::string> ClientSettingLines(
      const catalog::Entry& entry) const;
  /// What EXPLAIN prints after "Physical plan: " for `plan`.
  std::string PhysicalPlanText(const PlanPtr& plan) const;
  /// The physical planner's options from the session's settings (show.cc).
  exec::PhysicalPlanOptions PlanningOptions() const;
  /// Stops the persistent query `id` and forgets it (TERMINATE); appends
  /// to `note` " N rows were not delivered to ... ." when its sinks could
  /// not deliver all it had read.
  absl::Status Terminate(const std::string& id, std::string* note);
  /// The state SHOW QUERIES shows for query `id`.
  std::string QueryState(const std::string& id) const;

  // connectors.cc: the session's side of the connectors.
  /// Readies what `plan` reads and writes, each through its connector's
  /// state in this session (notes for the user go to `result`), and gives
  /// the providers that open its sources and sinks. What cannot run yet
  /// (a view's state, a connector without a source or sink) fails when the
  /// tasks open it.
  absl::Status ConnectPlan(const PlanPtr& plan, StatementResult* result,
                           exec::SourceProvider* sources,
                           exec::SinkProvider* sinks, bool checkpoints);
  absl::StatusOr<catalog::SourceOpener> PrepareSource(
      const catalog::Entry& entry, const catalog::QueryContext& context);
  absl::StatusOr<catalog::SinkOpener> PrepareSink(
      const catalog::Entry& target, const catalog::QueryContext& context);
  /// The state of `connector` in this session, created on first use.
  absl::StatusOr<catalog::ConnectorSession*> ConnectorSessionOf(
      const catalog::Connector& connector);
  /// Why a plan's output cannot run yet for lack of its connector, or "".
  std::string MissingSinkConnector(const sql::PlanNode& plan) const;
  /// What the connector of `name` adds to a message about writing to it,
  /// e.g. " (topic 't')"; "" when nothing.
  std::string TargetNote(const std::string& name) const;

  SessionOptions options_;
  PushHandler push_handler_;
  /// The text of the statement running, secret values masked.
  std::string current_statement_;
  // Destroyed bottom-up: queries first (their sinks may flush into what a
  // connector's state holds, such as an embedded broker), then the pool
  // they run on, then the connectors' states.
  std::map<std::string, std::unique_ptr<catalog::ConnectorSession>>
      connector_sessions_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::shared_ptr<const catalog::ConnectorRegistry> connectors_;
  /// In effect: SET over the config file's.
  std::map<std::string, std::string> settings_;
  /// The config file's (ApplySetting), restored by RESET.
  std::map<std::string, std::string> config_file_settings_;
  /// The keys whose value in settings_ came from SET.
  std::set<std::string> set_keys_;
  std::unique_ptr<exec::Executor> executor_;
  /// The rows of each running materialized view, by lower-cased name.
  std::map<std::string, std::shared_ptr<exec::ViewState>> views_;
  // Why the state of a view's query is not kept, by lower-case view name
  // ("" when it is kept): a query reading the view keeps its own state
  // only when the view's is kept (KeptStateDir).
  std::map<std::string, std::string> view_state_not_kept_;
  /// While a pull query starts: the rows it read from each view (by
  /// lower-cased name), which its view sources hand out.
  std::map<std::string,
           std::shared_ptr<const std::vector<std::vector<types::Value>>>>
      pull_rows_;
  /// Persistent queries by id, with their ids in start order.
  std::map<std::string, std::unique_ptr<exec::RunningQuery>> queries_;
  std::vector<std::string> query_order_;
};

}  // namespace weir
