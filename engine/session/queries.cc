// Queries: push queries (streamed to the caller), queries over constants
// (answered at once), INSERT, and the persistent queries of sinks and
// INSERT ... SELECT, which keep running until TERMINATE.

#include <algorithm>
#include <chrono>
#include <thread>

#include "engine/base/sql_error.h"
#include "engine/base/status.h"
#include "engine/base/strings.h"
#include "engine/exec/executor.h"
#include "engine/exec/query.h"
#include "engine/expr/functions.h"
#include "engine/session/session.h"
#include "engine/session/session_internal.h"
#include "engine/sql/binder.h"
#include "fmt/format.h"

namespace weir {
namespace session_internal {

std::string ViewStateMessage(const std::string& view) {
  return fmt::format(
      "reading materialized view '{}' needs its state, which arrives with the "
      "state store",
      view);
}

}  // namespace session_internal

namespace {

using sql::PlanKind;
using types::Value;

constexpr char kNoPullQueries[] =
    "a pull query reads a materialized view's state, which arrives with the "
    "state store; "
    "this build checks and EXPLAINs it (try EXPLAIN before the statement)";

// ------------------------------------------------- constant pull queries

using Rows = std::vector<std::vector<Value>>;

/// Replaces the clock functions (NOW, CURRENT_TIMESTAMP, CURRENT_DATE) by
/// their value at `now_micros`, so a query answered at once can use them.
expr::BoundExprPtr BindClock(const expr::BoundExprPtr& e, int64_t now_micros) {
  if (e->kind == expr::BoundExprKind::kCall &&
      !expr::IsDeterministic(e->function)) {
    constexpr int64_t kMicrosPerDay = 86400LL * 1000000;
    if (e->type.id() == types::TypeId::kDate) {
      int64_t days =
          now_micros / kMicrosPerDay - (now_micros % kMicrosPerDay < 0 ? 1 : 0);
      return expr::MakeLiteral(Value::Date(days), e->span);
    }
    if (e->type.id() == types::TypeId::kTimestamp) {
      int64_t unit = 1;
      for (int i = e->type.precision(); i < 6; ++i) unit *= 10;
      return expr::MakeLiteral(
          Value::Timestamp(now_micros / unit * unit, e->type.precision()),
          e->span);
    }
    return e;
  }
  if (e->args.empty()) return e;
  auto copy = std::make_shared<expr::BoundExpr>(*e);
  for (auto& a : copy->args) a = BindClock(a, now_micros);
  return copy;
}

/// Evaluates `e` over constants; an error points at the expression.
absl::StatusOr<Value> Evaluate(const expr::BoundExprPtr& e,
                               int64_t now_micros) {
  absl::StatusOr<Value> v = expr::EvaluateConstant(*BindClock(e, now_micros));
  if (!v.ok() && !ErrorSpan(v.status())) {
    return SqlError(v.status().code(), e->span,
                    std::string(v.status().message()));
  }
  return v;
}

/// Evaluates a plan made only of constants (SELECT without FROM, VALUES) at
/// once, so `SELECT 1 + 1` answers in the shell before any runtime exists.
absl::StatusOr<Rows> EvaluateConstantPlan(const sql::PlanNode& n, int64_t now) {
  switch (n.kind) {
    case PlanKind::kValues: {
      Rows rows;
      for (const auto& r : static_cast<const sql::ValuesNode&>(n).rows) {
        std::vector<Value> row;
        for (const auto& e : r) {
          WEIR_ASSIGN_OR_RETURN(Value v, Evaluate(e, now));
          row.push_back(std::move(v));
        }
        rows.push_back(std::move(row));
      }
      return rows;
    }
    case PlanKind::kProject:
    case PlanKind::kFilter: {
      WEIR_ASSIGN_OR_RETURN(Rows input,
                            EvaluateConstantPlan(*n.inputs[0], now));
      Rows out;
      for (const auto& row : input) {
        std::vector<expr::BoundExprPtr> cols;
        for (const Value& v : row) cols.push_back(expr::MakeLiteral(v));
        if (n.kind == PlanKind::kFilter) {
          auto pred = expr::RemapColumns(
              static_cast<const sql::FilterNode&>(n).predicate, cols);
          WEIR_ASSIGN_OR_RETURN(Value keep, Evaluate(pred, now));
          if (keep.AsTribool() == types::Tribool::kTrue) out.push_back(row);
          continue;
        }
        std::vector<Value> projected;
        for (const auto& e : static_cast<const sql::ProjectNode&>(n).exprs) {
          WEIR_ASSIGN_OR_RETURN(Value v,
                                Evaluate(expr::RemapColumns(e, cols), now));
          projected.push_back(std::move(v));
        }
        out.push_back(std::move(projected));
      }
      return out;
    }
    case PlanKind::kLimit: {
      WEIR_ASSIGN_OR_RETURN(Rows input,
                            EvaluateConstantPlan(*n.inputs[0], now));
      size_t limit =
          static_cast<size_t>(static_cast<const sql::LimitNode&>(n).limit);
      if (input.size() > limit) input.resize(limit);
      return input;
    }
    case PlanKind::kUnion: {
      Rows out;
      for (const auto& in : n.inputs) {
        WEIR_ASSIGN_OR_RETURN(Rows rows, EvaluateConstantPlan(*in, now));
        out.insert(out.end(), rows.begin(), rows.end());
      }
      if (!static_cast<const sql::UnionNode&>(n).all) {
        Rows unique;
        for (auto& r : out) {
          if (std::find(unique.begin(), unique.end(), r) == unique.end())
            unique.push_back(r);
        }
        out = std::move(unique);
      }
      return out;
    }
    case PlanKind::kOutput:
      return EvaluateConstantPlan(*n.inputs[0], now);
    default:
      return absl::UnimplementedError(fmt::format(
          "{} over constants is not evaluated yet", sql::PlanKindName(n.kind)));
  }
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

absl::Status Session::Run(const sql::BoundQuery& s, StatementResult* result) {
  if (s.constant) return RunConstantQuery(s.plan, result);
  if (!s.push) return absl::UnimplementedError(kNoPullQueries);
  return RunPushQuery(s.plan, result);
}

absl::Status Session::Run(const sql::BoundInsert& s, StatementResult* result) {
  if (s.constant) return RunInsertValues(s.plan, result);
  if (!options_.connect_to_sources) {
    return absl::FailedPreconditionError(
        "INSERT INTO ... SELECT starts a persistent query writing to "
        "Kafka, and this session does not connect to outside systems");
  }
  WEIR_ASSIGN_OR_RETURN(std::string id,
                        StartPersistentQuery(s.plan, s.reads, result));
  result->message +=
      fmt::format("Started query {}, writing to stream '{}'{}.", id, s.target,
                  TopicNote(catalog_->Find(s.target)));
  return absl::OkStatus();
}

absl::Status Session::Run(const sql::BoundTerminate& s,
                          StatementResult* result) {
  if (s.all) {
    size_t n = 0;
    for (const auto& q : catalog_->ListQueries()) {
      WEIR_RETURN_IF_ERROR(Terminate(q.id));
      ++n;
    }
    result->message =
        fmt::format("Terminated {} {}.", n, n == 1 ? "query" : "queries");
    return absl::OkStatus();
  }
  absl::Status removed = Terminate(s.id);
  if (!removed.ok()) {
    return SqlError(removed.code(), s.id_span, std::string(removed.message()));
  }
  result->message = fmt::format("Terminated query '{}'.", s.id);
  return absl::OkStatus();
}

absl::Status Session::RunConstantQuery(const PlanPtr& plan,
                                       StatementResult* result) {
  WEIR_ASSIGN_OR_RETURN(Rows rows, EvaluateConstantPlan(*plan, NowMicros()));
  for (const auto& f : plan->schema.fields()) result->columns.push_back(f.name);
  for (const auto& row : rows) {
    std::vector<std::string> cells;
    for (const Value& v : row) cells.push_back(v.ToString());
    result->rows.push_back(std::move(cells));
  }
  return absl::OkStatus();
}

absl::Status Session::RunInsertValues(const PlanPtr& plan,
                                      StatementResult* result) {
  const auto& out = static_cast<const sql::OutputNode&>(*plan);
  const catalog::Entry* entry = catalog_->Find(out.target);
  if (entry == nullptr)
    return absl::NotFoundError(fmt::format("'{}' was dropped", out.target));
  WEIR_ASSIGN_OR_RETURN(Rows rows, EvaluateConstantPlan(*plan, NowMicros()));
  types::Batch batch(std::make_shared<types::Schema>(entry->schema));
  for (const auto& row : rows) batch.AppendRow(row);
  WEIR_ASSIGN_OR_RETURN(size_t written, WriteRows(*entry, batch, result));
  result->message += fmt::format("Inserted {} {} into '{}'.", written,
                                 written == 1 ? "row" : "rows", entry->name);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<exec::RunningQuery>> Session::StartQuery(
    const PlanPtr& plan, StatementResult* result) {
  // Refuse what cannot run before creating topics for it.
  WEIR_RETURN_IF_ERROR(exec::CheckExecutable(plan, catalog_.get()));
  exec::QueryOptions options;
  options.parallelism = session_internal::Parallelism(settings_);
  if (!executor_)
    executor_ = std::make_unique<exec::Executor>(options_.worker_threads);
  options.executor = executor_.get();
  exec::SourceProvider sources;
  WEIR_RETURN_IF_ERROR(ConnectPlan(plan, result, &sources, &options.sinks));
  return exec::RunningQuery::Start(plan, *catalog_, sources, options);
}

absl::Status Session::RunPushQuery(const PlanPtr& plan,
                                   StatementResult* result) {
  WEIR_ASSIGN_OR_RETURN(std::unique_ptr<exec::RunningQuery> query,
                        StartQuery(plan, result));
  for (const auto& f : plan->schema.fields()) result->columns.push_back(f.name);
  if (push_handler_.on_start) push_handler_.on_start(current_statement_);
  if (push_handler_.on_columns) push_handler_.on_columns(result->columns);
  result->streamed = static_cast<bool>(push_handler_.on_row);
  while (!query->finished()) {
    if (push_handler_.should_stop && push_handler_.should_stop()) break;
    WEIR_ASSIGN_OR_RETURN(std::optional<types::Batch> batch,
                          query->Next(std::chrono::milliseconds(100)));
    if (!batch) continue;
    for (size_t r = 0; r < batch->num_rows(); ++r) {
      std::vector<std::string> cells;
      cells.reserve(batch->num_columns());
      for (size_t c = 0; c < batch->num_columns(); ++c) {
        cells.push_back(batch->column(c).CellText(r));
      }
      if (push_handler_.on_row) {
        result->streamed = true;
        ++result->streamed_rows;
        if (!push_handler_.on_row(cells)) return absl::OkStatus();
      } else {
        result->rows.push_back(std::move(cells));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Session::StartPersistentQuery(
    const PlanPtr& plan, const std::vector<std::string>& reads,
    StatementResult* result) {
  WEIR_ASSIGN_OR_RETURN(std::unique_ptr<exec::RunningQuery> query,
                        StartQuery(plan, result));
  const auto& out = static_cast<const sql::OutputNode&>(*plan);
  std::string id = catalog_->AddQuery(current_statement_, out.target, reads);
  queries_[id] = std::move(query);
  query_order_.push_back(id);
  return id;
}

absl::Status Session::Terminate(const std::string& id) {
  WEIR_RETURN_IF_ERROR(catalog_->RemoveQuery(id));
  const std::string key = AsciiLower(id);  // ids are "q<n>"
  auto it = queries_.find(key);
  if (it != queries_.end()) {
    it->second->Cancel();
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
  if (!q.done()) return "RUNNING";
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
  for (const std::string& id : query_order_) {
    absl::Status status = queries_.at(id)->status();
    if (!status.ok()) {
      return absl::Status(status.code(),
                          fmt::format("query {} failed: {}", id,
                                      std::string(status.message())));
    }
  }
  return absl::OkStatus();
}

}  // namespace weir
