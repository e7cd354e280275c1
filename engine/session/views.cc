// Materialized views: CREATE MATERIALIZED VIEW starts the query that keeps
// the view's rows (exec/view_store.h, exec/view_state.h), pull queries
// answer from those rows at once, DROP MATERIALIZED VIEW stops the query
// and frees them.

#include <algorithm>
#include <optional>

#include "engine/base/sql_error.h"
#include "engine/base/status.h"
#include "engine/base/strings.h"
#include "engine/exec/query.h"
#include "engine/exec/view_access.h"
#include "engine/exec/view_source.h"
#include "engine/exec/view_state.h"
#include "engine/session/session.h"
#include "engine/session/session_internal.h"
#include "engine/sql/binder.h"
#include "fmt/format.h"

namespace weir {

namespace {

/// The scans of views in `plan`, by name as the plan has it.
std::vector<std::string> ViewScans(const sql::PlanPtr& plan) {
  std::vector<std::string> out;
  sql::ForEachNode(plan, [&](const sql::PlanNode& n) {
    if (n.kind != sql::PlanKind::kScan) return;
    const auto& scan = static_cast<const sql::ScanNode&>(n);
    if (scan.source_kind != catalog::EntryKind::kView) return;
    if (std::find(out.begin(), out.end(), scan.source) == out.end())
      out.push_back(scan.source);
  });
  return out;
}

/// A pull query's ORDER BY and LIMIT at its top, which the session applies
/// to the rows the rest of the plan returns (the runtime has no sort: a
/// continuous result has no final order).
struct FinalOrder {
  const sql::SortNode* sort = nullptr;
  std::optional<int64_t> limit;
  sql::PlanPtr rest;  // the plan without them, rooted at its output
};

absl::StatusOr<FinalOrder> SplitFinalOrder(const sql::PlanPtr& plan) {
  FinalOrder out;
  out.rest = plan;
  sql::PlanPtr top = plan->inputs[0];
  if (top->kind == sql::PlanKind::kLimit) {
    const auto& limit = static_cast<const sql::LimitNode&>(*top);
    if (limit.inputs[0]->kind != sql::PlanKind::kSort) return out;
    out.limit = limit.limit;
    top = limit.inputs[0];
  }
  if (top->kind != sql::PlanKind::kSort) return out;
  out.sort = static_cast<const sql::SortNode*>(top.get());
  for (const expr::BoundExprPtr& key : out.sort->keys) {
    if (key->kind != expr::BoundExprKind::kColumn) {
      return absl::UnimplementedError(fmt::format(
          "ORDER BY {} in a pull query is not built yet: order by columns "
          "of the result",
          key->ToString()));
    }
  }
  out.rest = sql::CopyWithInputs(*plan, {top->inputs[0]});
  return out;
}

/// Sorts `rows` by `sort`'s column keys (NULLs where each key says).
absl::Status SortRows(const sql::SortNode& sort,
                      std::vector<std::vector<types::Value>>* rows) {
  absl::Status error;
  std::stable_sort(
      rows->begin(), rows->end(),
      [&](const std::vector<types::Value>& a,
          const std::vector<types::Value>& b) {
        for (size_t k = 0; k < sort.keys.size(); ++k) {
          const size_t c = static_cast<size_t>(sort.keys[k]->column);
          const bool an = a[c].is_null();
          const bool bn = b[c].is_null();
          if (an || bn) {
            if (an == bn) continue;
            return an == static_cast<bool>(sort.nulls_first[k]);
          }
          absl::StatusOr<int> cmp = types::CompareValues(a[c], b[c]);
          if (!cmp.ok()) {
            if (error.ok()) error = cmp.status();
            return false;
          }
          if (*cmp == 0) continue;
          return sort.descending[k] ? *cmp > 0 : *cmp < 0;
        }
        return false;
      });
  return error;
}

}  // namespace

std::string Session::ViewNotRunning(const std::string& name) const {
  return fmt::format(
      "materialized view '{}' is not running in this session{}, so it has "
      "no rows to read",
      name,
      options_.connect_to_sources
          ? ""
          : " (it does not connect to outside systems, so it defines views "
            "without starting them)");
}

std::shared_ptr<const exec::ViewState> Session::ViewStateOf(
    const std::string& name) const {
  auto it = views_.find(AsciiLower(name));
  return it == views_.end() ? nullptr : it->second;
}

absl::Status Session::Run(sql::BoundCreateView& s, StatementResult* result) {
  const std::string name = s.entry.name;
  const std::vector<std::string> reads = s.entry.depends_on;
  auto schema = std::make_shared<const types::Schema>(s.entry.schema);
  const std::vector<int> key = s.entry.key;
  WEIR_ASSIGN_OR_RETURN(bool created, CreateEntry(s, result));
  // Offline sessions define views without running them (session.h).
  if (!created || !options_.connect_to_sources) return absl::OkStatus();
  // A view runs as soon as it exists; one that cannot run is taken back,
  // as a sink is.
  auto view = std::make_shared<exec::ViewState>(schema, key);
  result->message.clear();
  absl::StatusOr<std::string> id =
      StartPersistentQuery(s.plan, reads, result, view);
  if (!id.ok()) {
    catalog_->Drop(name, catalog::EntryKind::kView, /*if_exists=*/true)
        .IgnoreError();
    return id.status();
  }
  views_[AsciiLower(name)] = std::move(view);
  result->message += fmt::format(
      "Created materialized view '{}'. Query {} maintains it.", name, *id);
  return absl::OkStatus();
}

absl::Status Session::CreateViewSink(const sql::ast::CreateViewStatement& v,
                                     std::string_view source,
                                     StatementResult* result) {
  std::optional<std::vector<sql::ast::Option>> options =
      sql::ViewSinkOptions(v.options);
  if (!options) return absl::OkStatus();
  const std::string view = v.name.ToString();
  const std::string name = sql::ViewSinkName(view);
  const catalog::Entry* existing = catalog_->Find(name);
  if (existing != nullptr && v.if_not_exists) return absl::OkStatus();
  sql::ast::CreateSinkStatement sink;
  sink.span = v.span;  // its DDL is the view's statement
  sink.name.parts = {sql::ast::Identifier{name, v.name.span}};
  sink.name.span = v.name.span;
  sink.from = v.name;
  sink.options = *std::move(options);
  sink.options_span = sink.options.front().key_span;
  absl::StatusOr<StatementResult> made = Execute(sink, source);
  if (!made.ok()) {
    // A view that cannot be written out as asked is taken back.
    StatementResult dropped;
    DropView(sql::BoundDrop{catalog::EntryKind::kView, view, v.name.span,
                            /*if_exists=*/true},
             &dropped)
        .IgnoreError();
    return made.status();
  }
  result->message += " " + made->message;
  return absl::OkStatus();
}

absl::Status Session::DropView(const sql::BoundDrop& s,
                               StatementResult* result) {
  // The sink its WITH (sink = ...) created goes first, with it.
  std::string sink_note;
  if (const catalog::Entry* view = catalog_->Find(s.name);
      view != nullptr && view->kind == catalog::EntryKind::kView &&
      view->Option("sink")) {
    const std::string sink = sql::ViewSinkName(view->name);
    const catalog::Entry* entry = catalog_->Find(sink);
    const std::vector<std::string> readers = catalog_->Dependents(s.name);
    if (entry != nullptr && entry->kind == catalog::EntryKind::kSink &&
        readers.size() == 1 &&
        AsciiLower(readers.front()) == AsciiLower(sink)) {
      for (const catalog::QueryInfo& q : catalog_->ListQueries()) {
        if (AsciiLower(q.sink) == AsciiLower(sink))
          WEIR_RETURN_IF_ERROR(Terminate(q.id, &sink_note));
      }
      StatementResult dropped;
      WEIR_RETURN_IF_ERROR(Run(
          sql::BoundDrop{catalog::EntryKind::kSink, sink, s.name_span, false},
          &dropped));
      sink_note += " " + dropped.message;
    }
  }
  const catalog::Entry* entry = catalog_->Find(s.name);
  // Refusals first (not found, another kind, read by another entry), with
  // the catalog's own messages; nothing is stopped then.
  if (entry == nullptr || entry->kind != catalog::EntryKind::kView ||
      !catalog_->Dependents(s.name).empty()) {
    absl::Status dropped = catalog_->Drop(s.name, s.kind, s.if_exists);
    if (!dropped.ok()) {
      return SqlError(dropped.code(), s.name_span,
                      std::string(dropped.message()));
    }
  }
  if (entry == nullptr) return absl::OkStatus();
  const std::string name = entry->name;
  // Stop the query that maintains it, then drop it.
  std::string note;
  for (const catalog::QueryInfo& q : catalog_->ListQueries()) {
    if (AsciiLower(q.sink) == AsciiLower(name))
      WEIR_RETURN_IF_ERROR(Terminate(q.id, &note));
  }
  absl::Status dropped = catalog_->Drop(name, s.kind, s.if_exists);
  if (!dropped.ok()) {
    return SqlError(dropped.code(), s.name_span,
                    std::string(dropped.message()));
  }
  auto it = views_.find(AsciiLower(name));
  if (it != views_.end()) {
    it->second->Clear();  // a pull query holding it sees it empty
    views_.erase(it);
  }
  result->message =
      fmt::format("Dropped materialized view '{}'.{}{}", name, note, sink_note);
  DropKeptState(name, result);
  return absl::OkStatus();
}

absl::StatusOr<catalog::SourceOpener> Session::PrepareViewSource(
    const catalog::Entry& entry) {
  auto pulled = pull_rows_.find(AsciiLower(entry.name));
  if (pulled == pull_rows_.end()) {
    // A push query, sink or view reading the view: its changelog
    // (exec/view_source.h).
    auto it = views_.find(AsciiLower(entry.name));
    if (it == views_.end()) {
      // Refused when the query's tasks open it, as connectors refuse.
      absl::Status refused =
          absl::FailedPreconditionError(ViewNotRunning(entry.name));
      return [refused](const catalog::Entry&,
                       std::shared_ptr<const types::Schema>, int,
                       int) -> absl::StatusOr<std::unique_ptr<exec::Source>> {
        return refused;
      };
    }
    std::shared_ptr<exec::ViewState> view = it->second;
    return [view](const catalog::Entry&, std::shared_ptr<const types::Schema>,
                  int split,
                  int) -> absl::StatusOr<std::unique_ptr<exec::Source>> {
      return exec::OpenViewChangelogSource(view, split);
    };
  }
  auto rows = pulled->second;
  return [rows](const catalog::Entry&, std::shared_ptr<const types::Schema>,
                int split,
                int splits) -> absl::StatusOr<std::unique_ptr<exec::Source>> {
    return exec::OpenViewSnapshotSource(rows, split, splits);
  };
}

std::string Session::ViewAccessText(const PlanPtr& plan) const {
  std::vector<std::string> lines;
  for (const std::string& name : ViewScans(plan)) {
    const catalog::Entry* entry = catalog_->Find(name);
    if (entry == nullptr) continue;
    exec::ViewAccess access = exec::PlanViewAccess(*plan, name, entry->key);
    lines.push_back(
        access.kind == exec::ViewAccessKind::kScan
            ? fmt::format("Access path: scan of {} (every row)", name)
            : fmt::format("Access path: {} in {}", access.description, name));
  }
  return JoinStrings(lines, "\n");
}

absl::Status Session::RunPullQuery(const sql::BoundQuery& s,
                                   StatementResult* result) {
  // Copy out the rows each view read has (view_state.h: one moment of the
  // view, under its lock), narrowed by the access path; the query's own
  // operators then filter and project them.
  struct Reset {
    std::map<std::string,
             std::shared_ptr<const std::vector<std::vector<types::Value>>>>*
        rows;
    ~Reset() { rows->clear(); }
  } reset{&pull_rows_};
  for (const std::string& name : ViewScans(s.plan)) {
    auto it = views_.find(AsciiLower(name));
    if (it == views_.end())
      return absl::FailedPreconditionError(ViewNotRunning(name));
    const catalog::Entry* entry = catalog_->Find(name);
    exec::ViewAccess access = exec::PlanViewAccess(
        *s.plan, name, entry == nullptr ? std::vector<int>{} : entry->key);
    pull_rows_[AsciiLower(name)] =
        std::make_shared<const std::vector<exec::ViewRow>>(
            it->second->Read(access.range));
  }
  WEIR_ASSIGN_OR_RETURN(FinalOrder order, SplitFinalOrder(s.plan));
  WEIR_ASSIGN_OR_RETURN(std::unique_ptr<exec::RunningQuery> query,
                        StartQuery(order.rest, result));
  for (const auto& f : s.plan->schema.fields())
    result->columns.push_back(f.name);
  // The answer is the final result: a query whose output is a changelog
  // (an aggregate over the view's rows) retracts rows it emitted before;
  // each retraction removes one equal row (found from the back, where the
  // rows it retracts usually are).
  std::vector<std::vector<types::Value>> rows;
  WEIR_RETURN_IF_ERROR(
      DrainQuery(*query, nullptr, [&](const types::Batch& batch, size_t r) {
        std::vector<types::Value> row;
        row.reserve(batch.num_columns());
        for (size_t c = 0; c < batch.num_columns(); ++c)
          row.push_back(batch.column(c).GetValue(r));
        const types::ChangeKind kind = batch.change(r);
        if (kind == types::ChangeKind::kDelete ||
            kind == types::ChangeKind::kUpdateBefore) {
          auto it = std::find(rows.rbegin(), rows.rend(), row);
          if (it != rows.rend()) rows.erase(std::next(it).base());
          return true;
        }
        rows.push_back(std::move(row));
        return true;
      }));
  WEIR_RETURN_IF_ERROR(query->status());
  if (order.sort != nullptr) WEIR_RETURN_IF_ERROR(SortRows(*order.sort, &rows));
  if (order.limit && rows.size() > static_cast<size_t>(*order.limit))
    rows.resize(static_cast<size_t>(*order.limit));
  for (const auto& row : rows) {
    std::vector<std::string> cells;
    cells.reserve(row.size());
    for (const types::Value& v : row) cells.push_back(v.ToString());
    result->rows.push_back(std::move(cells));
  }
  return absl::OkStatus();
}

}  // namespace weir
