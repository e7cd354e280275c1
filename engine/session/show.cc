// SHOW, DESCRIBE and EXPLAIN: statements that describe the catalog, the
// session and plans, and change nothing.

#include <algorithm>
#include <type_traits>
#include <variant>

#include "engine/base/strings.h"
#include "engine/catalog/connector_options.h"
#include "engine/exec/physical_plan.h"
#include "engine/exec/query.h"
#include "engine/exec/watermark.h"
#include "engine/expr/functions.h"
#include "engine/session/session.h"
#include "engine/session/session_internal.h"
#include "engine/sql/binder.h"
#include "engine/sql/explain.h"
#include "fmt/format.h"

namespace weir {
namespace {

std::string KeyNames(const catalog::Entry& e) {
  std::vector<std::string> names;
  for (int k : e.key) names.push_back(e.schema.field(k).name);
  return JoinStrings(names, ", ");
}

/// Whether EXPLAIN shows a physical plan for `s`, and of which plan:
/// statements that run as queries (push queries, INSERT ... SELECT, CREATE
/// SINK).
const std::shared_ptr<const sql::PlanNode>* RunsAsQuery(
    const sql::BoundStatement& s) {
  return std::visit(
      [](const auto& k) -> const std::shared_ptr<const sql::PlanNode>* {
        using T = std::decay_t<decltype(k)>;
        if constexpr (std::is_same_v<T, sql::BoundQuery>) {
          return k.push && !k.constant ? &k.plan : nullptr;
        } else if constexpr (std::is_same_v<T, sql::BoundInsert>) {
          return !k.constant ? &k.plan : nullptr;
        } else if constexpr (std::is_same_v<T, sql::BoundCreateSink>) {
          return &k.plan;
        } else {
          return nullptr;
        }
      },
      s.kind);
}

}  // namespace

absl::Status Session::Run(const sql::BoundShow& s, StatementResult* result) {
  using sql::ast::ShowKind;
  switch (s.what) {
    case ShowKind::kStreams:
      result->columns = {"name", "connector", "columns", "watermark"};
      for (const auto* e : catalog_->List(catalog::EntryKind::kStream)) {
        std::string wm = e->watermark
                             ? e->schema.field(e->watermark->column).name +
                                   " AS " + e->watermark->expr_text
                             : "";
        result->rows.push_back(
            {e->name, e->connector, std::to_string(e->schema.size()), wm});
      }
      break;
    case ShowKind::kTables:
      result->columns = {"name", "connector", "primary key", "columns"};
      for (const auto* e : catalog_->List(catalog::EntryKind::kTable)) {
        result->rows.push_back(
            {e->name, e->connector, KeyNames(*e),
             e->schema_deferred
                 ? fmt::format("(from {})",
                               connectors_->DisplayNameOf(e->connector))
                 : std::to_string(e->schema.size())});
      }
      break;
    case ShowKind::kViews:
      result->columns = {"name", "key", "output", "reads"};
      for (const auto* e : catalog_->List(catalog::EntryKind::kView)) {
        result->rows.push_back({e->name, KeyNames(*e),
                                e->append_only ? "append-only" : "changelog",
                                JoinStrings(e->depends_on, ", ")});
      }
      break;
    case ShowKind::kSinks:
      result->columns = {"name", "connector", "reads"};
      for (const auto* e : catalog_->List(catalog::EntryKind::kSink)) {
        result->rows.push_back(
            {e->name, e->connector, JoinStrings(e->depends_on, ", ")});
      }
      break;
    case ShowKind::kQueries:
      result->columns = {"id",        "state",        "writes to",
                         "rows read", "rows written", "rows pending",
                         "watermark", "late rows",    "checkpoint",
                         "progress",  "sql"};
      for (const auto& q : catalog_->ListQueries()) {
        auto it = queries_.find(q.id);
        exec::QueryStats stats;
        if (it != queries_.end()) stats = it->second->stats();
        result->rows.push_back({q.id, QueryState(q.id), q.sink,
                                std::to_string(stats.rows_read),
                                std::to_string(stats.rows_written),
                                std::to_string(stats.rows_pending),
                                exec::WatermarkText(stats.watermark),
                                std::to_string(stats.late_rows),
                                exec::CheckpointText(stats.last_checkpoint,
                                                     stats.resumed_from),
                                stats.progress, q.sql});
      }
      break;
    case ShowKind::kFunctions:
      result->columns = {"name", "signature", "description"};
      for (const auto& f : expr::ListFunctions()) {
        result->rows.push_back({f.name, f.signature, f.description});
      }
      break;
    case ShowKind::kProperties:
      result->columns = {"key", "value", "from"};
      for (const auto& [k, v] : settings_) {
        result->rows.push_back({k, session_internal::ShownValue(k, v),
                                SettingLevelOf(k) == catalog::SettingLevel::kSet
                                    ? "SET"
                                    : "config file"});
      }
      // The shell's default state directory, in key order among the rest.
      if (settings_.count("state.dir") == 0 &&
          !options_.default_state_dir.empty()) {
        std::vector<std::string> row{
            "state.dir", options_.default_state_dir,
            "weir default (persistent queries over inputs that outlive the "
            "process)"};
        auto at = std::find_if(
            result->rows.begin(), result->rows.end(),
            [](const std::vector<std::string>& r) { return r[0] > "state.dir"; });
        result->rows.insert(at, std::move(row));
      }
      break;
  }
  return absl::OkStatus();
}

absl::Status Session::Run(const sql::BoundDescribe& s,
                          StatementResult* result) {
  const catalog::Entry* e = catalog_->Find(s.name);
  if (e == nullptr)
    return absl::NotFoundError(fmt::format("'{}' was dropped", s.name));
  result->columns = {"column", "type", "nullable", "key", "extra"};
  for (size_t i = 0; i < e->schema.size(); ++i) {
    const types::Field& f = e->schema.field(i);
    bool key = std::find(e->key.begin(), e->key.end(), static_cast<int>(i)) !=
               e->key.end();
    std::string extra;
    if (e->watermark && e->watermark->column == static_cast<int>(i)) {
      extra = "watermark " + e->watermark->expr_text;
    }
    for (const auto& [col, meta] : e->metadata) {
      if (col == static_cast<int>(i)) extra = "metadata '" + meta + "'";
    }
    result->rows.push_back({f.name, f.type.ToString(),
                            f.nullable ? "YES" : "NO", key ? "PRI" : "",
                            extra});
  }
  std::vector<std::string> lines;
  lines.push_back(
      fmt::format("{} '{}'{}{}", catalog::EntryKindName(e->kind), e->name,
                  e->connector.empty() ? "" : " over " + e->connector,
                  e->append_only ? ", append-only" : ", changelog"));
  if (e->schema_deferred)
    lines.push_back(fmt::format("columns: read from {} when first opened",
                                connectors_->DisplayNameOf(e->connector)));
  for (const std::string& line : ClientSettingLines(*e)) lines.push_back(line);
  if (s.extended) {
    for (const auto& [k, v] : e->options) {
      bool secret = catalog::IsSecretOption(k);
      lines.push_back(fmt::format("option {} = '{}'", k, secret ? "***" : v));
    }
    if (!e->query_text.empty()) lines.push_back("query: " + e->query_text);
    std::vector<std::string> deps = catalog_->Dependents(e->name);
    if (!deps.empty()) lines.push_back("read by: " + JoinStrings(deps, ", "));
  }
  result->text = JoinStrings(lines, "\n");
  return absl::OkStatus();
}

absl::Status Session::Run(const sql::BoundExplain& s, StatementResult* result) {
  const sql::BoundStatement& inner = *s.statement;
  result->text = sql::ExplainStatement(inner, *connectors_);
  if (const auto* plan = RunsAsQuery(inner)) {
    result->text += "\nPhysical plan: " + PhysicalPlanText(*plan);
  }
  // A pull query: how it reads each view (lookup, prefix scan, scan).
  if (const auto* q = std::get_if<sql::BoundQuery>(&inner.kind);
      q != nullptr && !q->push && !q->constant) {
    const std::string access = ViewAccessText(q->plan);
    if (!access.empty()) result->text += "\n" + access;
  }
  return absl::OkStatus();
}

std::vector<std::string> Session::ClientSettingLines(
    const catalog::Entry& entry) const {
  const catalog::Connector* c = connectors_->Find(entry.connector);
  if (c == nullptr) return {};
  const catalog::SessionSettings settings{
      settings_,
      [this](const std::string& key) { return SettingLevelOf(key); }};
  std::vector<std::string> lines;
  for (const catalog::ClientSetting& setting :
       c->ClientSettings(entry, settings)) {
    std::string where = setting.level;
    if (!setting.clients.empty()) where += ", for the " + setting.clients;
    if (setting.value.empty()) {
      lines.push_back(
          fmt::format("client setting {} ({})", setting.name, where));
    } else {
      lines.push_back(fmt::format(
          "client setting {} = '{}' ({})", setting.name,
          session_internal::ShownValue(setting.name, setting.value), where));
    }
  }
  return lines;
}

exec::PhysicalPlanOptions Session::PlanningOptions() const {
  exec::PhysicalPlanOptions options;
  options.parallelism = session_internal::Parallelism(settings_);
  options.max_parallelism = session_internal::MaxParallelism(settings_);
  options.catalog = catalog_.get();
  return options;
}

std::string Session::PhysicalPlanText(const PlanPtr& plan) const {
  // An INSERT's target key is the stream's; a sink being explained is not in
  // the catalog yet, and its key is its query's (the output's).
  exec::PhysicalPlanOptions options = PlanningOptions();
  const auto& out = static_cast<const sql::OutputNode&>(*plan);
  if (out.output != sql::OutputKind::kInsert) options.catalog = nullptr;
  // What the session knows and the runtime does not: a sink connector
  // that does not run.
  auto refusal = [this](const sql::PlanNode& root) -> std::string {
    return MissingSinkConnector(root);
  };
  return exec::ExplainPhysical(plan, options, refusal);
}

}  // namespace weir
