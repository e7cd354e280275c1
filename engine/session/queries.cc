// Queries: push queries (streamed to the caller), queries over constants
// (answered at once), INSERT, and the persistent queries of sinks and
// INSERT ... SELECT, which keep running until TERMINATE.

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <string_view>
#include <thread>

#include "engine/base/sql_error.h"
#include "engine/base/status.h"
#include "engine/base/strings.h"
#include "engine/exec/executor.h"
#include "engine/exec/query.h"
#include "engine/exec/values_source.h"
#include "engine/session/session.h"
#include "engine/session/session_internal.h"
#include "engine/sql/binder.h"
#include "fmt/format.h"

namespace weir {
namespace {

/// The name of the first column of push output over a changelog: each
/// row's change kind (types::ChangeKindSymbol).
constexpr char kOpColumn[] = "op";

/// Row `r` of `batch` as text, a cell per column (NULL as "NULL"), after
/// `op` when it is not empty; the strings of `cells` are reused, their
/// capacity too.
void CellsOf(const types::Batch& batch, size_t r, std::string_view op,
             std::vector<std::string>* cells) {
  const size_t first = op.empty() ? 0 : 1;
  cells->resize(first + batch.num_columns());
  if (first == 1) (*cells)[0].assign(op);
  for (size_t c = 0; c < batch.num_columns(); ++c) {
    std::string& cell = (*cells)[first + c];
    cell.clear();
    batch.column(c).AppendCellText(r, &cell);
  }
}

/// SET 'batch.max-rows' (checked by SET: 1 to 65536), or `fallback`.
size_t BatchMaxRows(const std::map<std::string, std::string>& settings,
                    size_t fallback) {
  auto it = settings.find("batch.max-rows");
  if (it == settings.end()) return fallback;
  const std::string& text = it->second;
  size_t rows = 0;
  auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), rows);
  if (error != std::errc() || end != text.data() + text.size() || rows == 0)
    return fallback;
  return rows;
}

/// The columns of a push query's output: `op` first when `plan`'s output
/// is a changelog, then the plan's own.
void PushColumns(const sql::PlanNode& plan, std::vector<std::string>* columns) {
  if (!plan.append_only) columns->push_back(kOpColumn);
  for (const auto& f : plan.schema.fields()) columns->push_back(f.name);
}

}  // namespace

absl::Status Session::Run(const sql::BoundQuery& s, StatementResult* result) {
  if (s.constant) return RunConstantQuery(s.plan, result);
  if (!s.push) return RunPullQuery(s, result);
  return RunPushQuery(s.plan, result);
}

absl::Status Session::Run(const sql::BoundInsert& s, StatementResult* result) {
  if (s.constant) return RunInsertValues(s.plan, result);
  if (!options_.connect_to_sources) {
    const catalog::Entry* target = catalog_->Find(s.target);
    return absl::FailedPreconditionError(fmt::format(
        "INSERT INTO ... SELECT starts a persistent query writing to {}, and "
        "this session does not connect to outside systems",
        connectors_->DisplayNameOf(target == nullptr ? ""
                                                     : target->connector)));
  }
  WEIR_ASSIGN_OR_RETURN(std::string id,
                        StartPersistentQuery(s.plan, s.reads, result));
  result->message += fmt::format("Started query {}, writing to stream '{}'{}.",
                                 id, s.target, TargetNote(s.target));
  return absl::OkStatus();
}

absl::Status Session::Run(const sql::BoundTerminate& s,
                          StatementResult* result) {
  if (s.all) {
    size_t n = 0;
    std::string notes;
    for (const auto& q : catalog_->ListQueries()) {
      std::string note;
      WEIR_RETURN_IF_ERROR(Terminate(q.id, &note));
      if (!note.empty()) notes += fmt::format(" {}:{}", q.id, note);
      ++n;
    }
    result->message = fmt::format("Terminated {} {}.{}", n,
                                  n == 1 ? "query" : "queries", notes);
    return absl::OkStatus();
  }
  std::string note;
  absl::Status removed = Terminate(s.id, &note);
  if (!removed.ok()) {
    return SqlError(removed.code(), s.id_span, std::string(removed.message()));
  }
  result->message = fmt::format("Terminated query '{}'.{}", s.id, note);
  return absl::OkStatus();
}

absl::Status Session::RunConstantQuery(const PlanPtr& plan,
                                       StatementResult* result) {
  WEIR_ASSIGN_OR_RETURN(PlanPtr prepared, exec::PrepareConstantPlan(plan));
  WEIR_ASSIGN_OR_RETURN(std::unique_ptr<exec::RunningQuery> query,
                        StartQuery(prepared, result));
  for (const auto& f : plan->schema.fields()) result->columns.push_back(f.name);
  return DrainQuery(*query, nullptr, [&](const types::Batch& batch, size_t r) {
    std::vector<std::string> row;
    CellsOf(batch, r, {}, &row);
    result->rows.push_back(std::move(row));
    return true;
  });
}

absl::Status Session::RunInsertValues(const PlanPtr& plan,
                                      StatementResult* result) {
  WEIR_ASSIGN_OR_RETURN(PlanPtr prepared, exec::PrepareConstantPlan(plan));
  WEIR_ASSIGN_OR_RETURN(std::unique_ptr<exec::RunningQuery> query,
                        StartQuery(prepared, result));
  WEIR_RETURN_IF_ERROR(DrainQuery(*query, nullptr, nullptr));
  const auto& out = static_cast<const sql::OutputNode&>(*plan);
  int64_t written = query->stats().rows_written;
  result->message += fmt::format("Inserted {} {} into '{}'.", written,
                                 written == 1 ? "row" : "rows", out.target);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<exec::RunningQuery>> Session::StartQuery(
    const PlanPtr& plan, StatementResult* result, bool persistent,
    std::shared_ptr<exec::ViewState> view) {
  exec::QueryOptions options;
  options.view_state = std::move(view);
  // A push query's state: a fresh subdirectory of state.dir, or a
  // temporary directory.
  options.state_dir = session_internal::StateDir(settings_);
  // Where a persistent query's state is kept, and why not when it is not.
  std::string kept_dir;
  std::string not_kept;
  if (persistent) {
    // Checkpoints; with a kept state directory (state.dir, or the shell's
    // default for queries over inputs that outlive the process) the state
    // is kept under the name of what the query writes, and running the
    // statement again resumes it (docs/state-and-recovery.md).
    options.checkpoint_interval =
        session_internal::CheckpointInterval(settings_);
    kept_dir = KeptStateDir(plan, &not_kept);
    const auto& out = static_cast<const sql::OutputNode&>(*plan);
    if (out.output == sql::OutputKind::kMaterialize)
      view_state_not_kept_[AsciiLower(out.target)] = not_kept;
    if (!kept_dir.empty()) {
      if (session_internal::StateDir(settings_).empty()) {
        WEIR_RETURN_IF_ERROR(session_internal::MakePrivateDirectory(kept_dir));
      }
      options.state_name = static_cast<const sql::OutputNode&>(*plan).target;
      options.state_dir = kept_dir;
    }
  }
  options.parallelism = session_internal::Parallelism(settings_);
  options.max_parallelism = session_internal::MaxParallelism(settings_);
  options.idle_timeout = session_internal::IdleTimeout(settings_);
  options.state_cache_bytes = session_internal::StateCacheBytes(settings_);
  options.batch_rows = BatchMaxRows(settings_, options.batch_rows);
  options.clock = options_.clock.get();
  // Refuse what cannot run before creating topics for it.
  WEIR_RETURN_IF_ERROR(exec::CheckExecutable(plan, PlanningOptions()));
  if (!executor_)
    executor_ = std::make_unique<exec::Executor>(options_.worker_threads);
  options.executor = executor_.get();
  exec::SourceProvider sources;
  WEIR_RETURN_IF_ERROR(ConnectPlan(plan, result, &sources, &options.sinks,
                                   options.checkpoint_interval.count() > 0));
  const std::string name = options.state_name;
  WEIR_ASSIGN_OR_RETURN(
      std::unique_ptr<exec::RunningQuery> query,
      exec::RunningQuery::Start(plan, *catalog_, sources, std::move(options)));
  // The shell, which keeps state by default, says where it is.
  if (persistent && !options_.default_state_dir.empty()) {
    const std::string& target =
        static_cast<const sql::OutputNode&>(*plan).target;
    if (!name.empty()) {
      const uint64_t resumed = query->stats().resumed_from;
      result->message += fmt::format(
          "The state of '{}' is kept in '{}': {}.\n", target,
          (std::filesystem::path(kept_dir) / name).string(),
          resumed > 0
              ? fmt::format("resumed from checkpoint {}", resumed)
              : std::string("running this statement again resumes it"));
    } else {
      result->message += fmt::format(
          "The state of '{}' is not kept (SET 'state.dir' to keep it): {}.\n",
          target, not_kept);
    }
  }
  return query;
}

absl::Status Session::RunPushQuery(const PlanPtr& plan,
                                   StatementResult* result) {
  if (!options_.run_push_queries) {
    // Planned and checked, not run (fuzzers).
    WEIR_RETURN_IF_ERROR(exec::CheckExecutable(plan, PlanningOptions()));
    (void)PhysicalPlanText(plan);
    PushColumns(*plan, &result->columns);
    return absl::OkStatus();
  }
  WEIR_ASSIGN_OR_RETURN(std::unique_ptr<exec::RunningQuery> query,
                        StartQuery(plan, result));
  PushColumns(*plan, &result->columns);
  if (push_handler_.on_start) push_handler_.on_start(current_statement_);
  if (push_handler_.on_columns) push_handler_.on_columns(result->columns);
  result->streamed = push_handler_.on_row != nullptr ||
                     push_handler_.on_batch_row != nullptr ||
                     push_handler_.on_batch != nullptr;
  // As in PushColumns: a changelog's rows carry their change kind first.
  const bool changelog = !plan->append_only;
  if (push_handler_.on_batch) {
    // Whole batches: the handler formats them column by column.
    return DrainQuery(
        *query, push_handler_.should_stop, nullptr, push_handler_.on_batch_end,
        push_handler_.on_progress, [&](const types::Batch& batch) {
          result->streamed_rows += batch.num_rows();
          return push_handler_.on_batch(batch, changelog);
        });
  }
  std::vector<std::string> cells;
  return DrainQuery(
      *query, push_handler_.should_stop,
      [&](const types::Batch& batch, size_t r) {
        const std::string_view op =
            changelog ? types::ChangeKindSymbol(batch.change(r)) : "";
        if (push_handler_.on_batch_row) {
          ++result->streamed_rows;
          return push_handler_.on_batch_row(batch, r, op);
        }
        CellsOf(batch, r, op, &cells);
        if (!push_handler_.on_row) {
          result->rows.push_back(cells);
          return true;
        }
        ++result->streamed_rows;
        return push_handler_.on_row(cells);
      },
      push_handler_.on_batch_end, push_handler_.on_progress);
}

absl::Status Session::DrainQuery(
    exec::RunningQuery& query, const std::function<bool()>& should_stop,
    const std::function<bool(const types::Batch&, size_t row)>& on_row,
    const std::function<void()>& on_batch_end,
    const std::function<void(const std::string&)>& on_progress,
    const std::function<bool(const types::Batch&)>& on_batch) {
  bool first_row = true;
  // The progress shown is cleared however the query ends.
  auto clear_progress = [&] {
    if (on_progress && first_row) on_progress("");
    first_row = false;
  };
  while (!query.finished()) {
    if (should_stop && should_stop()) break;
    if (on_progress && first_row) on_progress(query.stats().progress);
    absl::StatusOr<std::optional<types::Batch>> next =
        query.Next(std::chrono::milliseconds(100));
    if (!next.ok()) {
      clear_progress();
      return next.status();
    }
    std::optional<types::Batch>& batch = *next;
    if (!batch || (!on_row && !on_batch)) continue;
    if (batch->num_rows() > 0) clear_progress();
    if (on_batch) {
      if (batch->num_rows() == 0) continue;
      const bool go_on = on_batch(*batch);
      if (on_batch_end) on_batch_end();
      if (!go_on) return absl::OkStatus();
      continue;
    }
    for (size_t r = 0; r < batch->num_rows(); ++r) {
      if (!on_row(*batch, r)) {
        if (on_batch_end) on_batch_end();
        return absl::OkStatus();
      }
    }
    if (on_batch_end) on_batch_end();
  }
  clear_progress();
  return absl::OkStatus();
}

absl::StatusOr<std::string> Session::StartPersistentQuery(
    const PlanPtr& plan, const std::vector<std::string>& reads,
    StatementResult* result, std::shared_ptr<exec::ViewState> view) {
  WEIR_ASSIGN_OR_RETURN(
      std::unique_ptr<exec::RunningQuery> query,
      StartQuery(plan, result, /*persistent=*/true, std::move(view)));
  const auto& out = static_cast<const sql::OutputNode&>(*plan);
  std::string id = catalog_->AddQuery(current_statement_, out.target, reads);
  queries_[id] = std::move(query);
  query_order_.push_back(id);
  return id;
}

absl::Status Session::Terminate(const std::string& id, std::string* note) {
  WEIR_RETURN_IF_ERROR(catalog_->RemoveQuery(id));
  const std::string key = AsciiLower(id);  // ids are "q<n>"
  auto it = queries_.find(key);
  if (it != queries_.end()) {
    // Stop reading, deliver what was read (bounded by the cancel flush
    // timeout), then say what could not be delivered.
    it->second->Cancel();
    it->second->WaitUntilDone(std::chrono::hours(1));
    std::string undelivered = it->second->undelivered_note();
    if (!undelivered.empty()) *note += " " + undelivered + ".";
    queries_.erase(it);  // waits until its tasks are off the workers
  }
  query_order_.erase(std::remove(query_order_.begin(), query_order_.end(), key),
                     query_order_.end());
  return absl::OkStatus();
}

std::string Session::QueryState(const std::string& id) const {
  auto it = queries_.find(id);
  if (it == queries_.end()) return "RUNNING";
  const exec::RunningQuery& q = *it->second;
  if (!q.done()) {
    exec::QueryStats stats = q.stats();
    if (stats.delivery_problem.empty()) return "RUNNING";
    return fmt::format("RUNNING ({}, {} rows pending)", stats.delivery_problem,
                       stats.rows_pending);
  }
  absl::Status status = q.status();
  if (status.ok()) return "FINISHED";
  return "FAILED: " + std::string(status.message());
}

std::vector<std::string> Session::ActiveQueries() const {
  std::vector<std::string> ids;
  for (const std::string& id : query_order_) {
    auto it = queries_.find(id);
    if (it != queries_.end() && !it->second->done()) ids.push_back(id);
  }
  return ids;
}

absl::Status Session::WaitForQueries(const std::function<bool()>& should_stop) {
  while (!ActiveQueries().empty()) {
    if (should_stop && should_stop()) {
      for (const std::string& id : ActiveQueries()) queries_.at(id)->Cancel();
      // Cancel lets sinks deliver what they took; wait for that.
      while (!ActiveQueries().empty()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // Every query that failed (or could not deliver what it read) is named.
  absl::Status first;
  std::vector<std::string> failures;
  for (const std::string& id : query_order_) {
    absl::Status status = queries_.at(id)->status();
    if (status.ok()) continue;
    if (first.ok()) first = status;
    failures.push_back(
        fmt::format("query {} failed: {}", id, std::string(status.message())));
  }
  if (first.ok()) return first;
  return absl::Status(first.code(), JoinStrings(failures, "\n"));
}

}  // namespace weir
