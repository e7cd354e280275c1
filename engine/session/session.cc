#include "engine/session/session.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <thread>

#include "connectors/generators/generator_source.h"
#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_source.h"
#include "connectors/mysql/schema_reader.h"
#include "engine/base/sql_error.h"
#include "engine/base/status.h"
#include "engine/base/strings.h"
#include "engine/base/suggest.h"
#include "engine/catalog/connector_options.h"
#include "engine/exec/executor.h"
#include "engine/exec/query.h"
#include "engine/exec/sink.h"
#include "engine/expr/functions.h"
#include "engine/sql/binder.h"
#include "engine/sql/explain.h"
#include "engine/sql/optimizer.h"
#include "engine/sql/parser.h"
#include "engine/sql/secrets.h"
#include "fmt/format.h"

namespace weir {
namespace {

using sql::BoundKind;
using sql::BoundStatement;
using sql::PlanKind;
using sql::PlanPtr;
using types::Value;

// ------------------------------------------------------------ SET checks

bool IsDuration(std::string_view v) {
  size_t i = 0;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) ++i;
  if (i == 0) return false;
  std::string_view unit = v.substr(i);
  return unit == "ms" || unit == "s" || unit == "min" || unit == "h";
}

bool IsPositiveInt(std::string_view v, int64_t max) {
  if (v.empty() || v.size() > 9) return false;
  for (char c : v) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  int64_t n = std::stoll(std::string(v));
  return n >= 1 && n <= max;
}

/// Checks a SET key and value. Known keys are validated; `properties.*`
/// keys pass through to the Kafka client. `bad_value` tells whether the
/// value (rather than the key) is what is wrong.
absl::Status CheckSetting(const std::string& key, const std::string& value,
                          bool* bad_value) {
  *bad_value = false;
  struct Known {
    const char* key;
    const char* expects;
    bool (*ok)(const std::string&);
  };
  static const Known kKnown[] = {
      {"bootstrap.servers", "a host:port list",
       [](const std::string& v) { return v.find(':') != std::string::npos; }},
      {"parallelism", "an integer from 1 to 1024",
       [](const std::string& v) { return IsPositiveInt(v, 1024); }},
      {"scan.startup.mode", "'earliest-offset' or 'latest-offset'",
       [](const std::string& v) {
         return v == "earliest-offset" || v == "latest-offset";
       }},
      {"checkpoint.interval", "a duration like '10s' or '500ms'",
       [](const std::string& v) { return IsDuration(v); }},
      {"batch.timeout", "a duration like '10ms'",
       [](const std::string& v) { return IsDuration(v); }},
      {"batch.max-rows", "an integer from 1 to 65536",
       [](const std::string& v) { return IsPositiveInt(v, 65536); }},
      {"state.dir", "a directory path",
       [](const std::string& v) { return !v.empty(); }},
      {"topic.partitions", "an integer from 1 to 10000",
       [](const std::string& v) { return IsPositiveInt(v, 10000); }},
  };
  if (key.rfind("properties.", 0) == 0 && key.size() > 11)
    return absl::OkStatus();
  std::vector<std::string> names;
  for (const auto& k : kKnown) {
    names.push_back(k.key);
    if (key != k.key) continue;
    if (!k.ok(value)) {
      *bad_value = true;
      return absl::InvalidArgumentError(fmt::format(
          "setting '{}' expects {}, got '{}'", key, k.expects, value));
    }
    return absl::OkStatus();
  }
  std::string hint = DidYouMean(key, names);
  if (!hint.empty()) {
    return absl::InvalidArgumentError(
        fmt::format("unknown setting '{}'{}", key, hint));
  }
  names.push_back("properties.<kafka client setting>");
  return absl::InvalidArgumentError(
      fmt::format("unknown setting '{}'; known settings: {}", key,
                  JoinStrings(names, ", ")));
}

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

std::string KindWord(catalog::EntryKind kind) {
  return AsciiLower(catalog::EntryKindName(kind));
}

std::string KeyNames(const catalog::Entry& e) {
  std::vector<std::string> names;
  for (int k : e.key) names.push_back(e.schema.field(k).name);
  return JoinStrings(names, ", ");
}

/// Reads the columns of a mysql-cdc table from MySQL itself.
absl::StatusOr<sql::ExternalSchema> ReadMySqlSchema(
    const catalog::Entry& entry) {
  auto options =
      connectors::mysql::ConnectionOptions::FromOptions(entry.options);
  std::string table = entry.Option("table").value_or(entry.name);
  WEIR_ASSIGN_OR_RETURN(connectors::mysql::TableSchema t,
                        connectors::mysql::ReadTableSchema(options, table));
  return sql::ExternalSchema{std::move(t.schema), std::move(t.primary_key)};
}

constexpr char kNoPullQueries[] =
    "a pull query reads a materialized view's state, which arrives with the "
    "state store; "
    "this build checks and EXPLAINs it (try EXPLAIN before the statement)";

int Parallelism(const std::map<std::string, std::string>& settings) {
  auto it = settings.find("parallelism");
  return it == settings.end() ? 0 : std::atoi(it->second.c_str());
}

/// Whether EXPLAIN shows a physical plan for `s`: statements that run as
/// queries (push queries, INSERT ... SELECT, CREATE SINK).
bool RunsAsQuery(const BoundStatement& s) {
  if (!s.plan || s.plan->kind != PlanKind::kOutput) return false;
  const auto& out = static_cast<const sql::OutputNode&>(*s.plan);
  switch (s.kind) {
    case BoundKind::kQuery:
      return out.push && !s.constant_query;
    case BoundKind::kInsert:
      return !s.constant_query;
    case BoundKind::kCreateSink:
      return true;
    default:
      return false;
  }
}

/// Why a query cannot read materialized view `view` yet.
std::string ViewStateMessage(const std::string& view) {
  return fmt::format(
      "reading materialized view '{}' needs its state, which arrives with the "
      "state store",
      view);
}

/// " (topic 't')" for a Kafka entry, else "".
std::string TopicNote(const catalog::Entry* entry) {
  if (entry == nullptr || entry->connector != "kafka") return "";
  return fmt::format(" (topic '{}')",
                     entry->Option("topic").value_or(entry->name));
}

}  // namespace

std::string Session::PhysicalPlanText(
    const std::shared_ptr<const sql::PlanNode>& plan) const {
  std::string view;
  sql::ForEachNode(plan, [&](const sql::PlanNode& n) {
    if (n.kind == PlanKind::kScan &&
        static_cast<const sql::ScanNode&>(n).source_kind ==
            catalog::EntryKind::kView) {
      view = static_cast<const sql::ScanNode&>(n).source;
    }
  });
  if (!view.empty()) return "not executable yet: " + ViewStateMessage(view);
  const auto& out = static_cast<const sql::OutputNode&>(*plan);
  if (out.output == sql::OutputKind::kSink && out.connector != "kafka") {
    return fmt::format(
        "not executable yet: the {} sink arrives with its connector; kafka "
        "sinks run today",
        out.connector);
  }
  // An INSERT's target key is the stream's; a sink being explained is not in
  // the catalog yet, and its key is its query's (the output's).
  return exec::ExplainPhysical(
      plan, Parallelism(settings_),
      out.output == sql::OutputKind::kInsert ? catalog_.get() : nullptr);
}

absl::StatusOr<std::string> Session::KafkaFor(const catalog::Entry& entry,
                                              StatementResult* result) {
  if (!options_.connect_to_sources) {
    return absl::FailedPreconditionError(
        "this session does not connect to outside systems, so it cannot reach "
        "Kafka");
  }
  std::string bootstrap = connectors::kafka::EntryBootstrap(entry);
  if (bootstrap.empty()) {
    auto it = settings_.find("bootstrap.servers");
    if (it != settings_.end()) bootstrap = it->second;
  }
  if (bootstrap.empty()) {
    if (!broker_) {
      WEIR_ASSIGN_OR_RETURN(broker_,
                            connectors::kafka::EmbeddedBroker::Start());
      result->message += fmt::format(
          "Started an embedded Kafka broker at {} (in memory only; each "
          "partition keeps its last 5 MiB / 100,000 message sets). SET "
          "'bootstrap.servers' to use a real cluster.\n",
          broker_->bootstrap_servers());
    }
    bootstrap = broker_->bootstrap_servers();
  }
  bool embedded = broker_ && bootstrap == broker_->bootstrap_servers();
  int partitions = 4;
  if (auto it = settings_.find("topic.partitions"); it != settings_.end()) {
    partitions = std::atoi(it->second.c_str());
  }
  WEIR_RETURN_IF_ERROR(
      connectors::kafka::EnsureTopic(
          entry, bootstrap, embedded ? broker_.get() : nullptr, partitions)
          .status());
  return bootstrap;
}

absl::StatusOr<std::unique_ptr<exec::Source>> Session::OpenSource(
    const catalog::Entry& entry, std::shared_ptr<const types::Schema> schema,
    int split, int splits, const std::string& bootstrap) {
  if (entry.connector == "nexmark" || entry.connector == "datagen") {
    return connectors::generators::OpenGeneratorSource(entry, std::move(schema),
                                                       split, splits);
  }
  if (entry.connector == "kafka") {
    return connectors::kafka::OpenKafkaSource(entry, std::move(schema), split,
                                              splits, bootstrap);
  }
  if (entry.kind == catalog::EntryKind::kView) {
    return absl::UnimplementedError(ViewStateMessage(entry.name));
  }
  return absl::UnimplementedError(
      fmt::format("reading '{}' needs the {} source, which arrives with its "
                  "connector; kafka, nexmark and datagen sources run today",
                  entry.name, entry.connector));
}

absl::StatusOr<std::unique_ptr<exec::RunningQuery>> Session::StartQuery(
    const std::shared_ptr<const sql::PlanNode>& plan, StatementResult* result) {
  // Refuse what cannot run before creating topics for it.
  WEIR_RETURN_IF_ERROR(exec::CheckExecutable(plan, catalog_.get()));
  exec::QueryOptions options;
  options.parallelism = Parallelism(settings_);
  if (!executor_)
    executor_ = std::make_unique<exec::Executor>(options_.worker_threads);
  options.executor = executor_.get();
  // Kafka sources and sinks need their cluster (and topic) before the tasks
  // start; each entry may name its own cluster.
  auto bootstraps = std::make_shared<std::map<std::string, std::string>>();
  std::vector<std::string> kafka_entries;
  sql::ForEachNode(plan, [&](const sql::PlanNode& n) {
    if (n.kind == sql::PlanKind::kScan &&
        static_cast<const sql::ScanNode&>(n).connector == "kafka") {
      kafka_entries.push_back(static_cast<const sql::ScanNode&>(n).source);
    }
  });
  const auto& out = static_cast<const sql::OutputNode&>(*plan);
  if (out.output == sql::OutputKind::kSink ||
      out.output == sql::OutputKind::kInsert) {
    kafka_entries.push_back(out.target);
  }
  for (const std::string& name : kafka_entries) {
    const catalog::Entry* entry = catalog_->Find(name);
    if (entry == nullptr)
      return absl::NotFoundError(fmt::format("'{}' was dropped", name));
    if (entry->connector != "kafka" || bootstraps->count(entry->name) > 0)
      continue;
    WEIR_ASSIGN_OR_RETURN((*bootstraps)[entry->name], KafkaFor(*entry, result));
  }
  auto bootstrap_of = [bootstraps](const catalog::Entry& entry) {
    auto it = bootstraps->find(entry.name);
    return it == bootstraps->end() ? std::string() : it->second;
  };
  // The providers run on this thread, inside Start.
  exec::SourceProvider sources =
      [this, bootstrap_of](const catalog::Entry& entry,
                           std::shared_ptr<const types::Schema> schema,
                           int split, int splits) {
        return OpenSource(entry, std::move(schema), split, splits,
                          bootstrap_of(entry));
      };
  options.sinks =
      [bootstrap_of](const catalog::Entry& target,
                     std::shared_ptr<const types::Schema> schema, int task,
                     int tasks) -> absl::StatusOr<std::unique_ptr<exec::Sink>> {
    if (target.connector == "kafka") {
      return connectors::kafka::OpenKafkaSink(target, std::move(schema), task,
                                              tasks, bootstrap_of(target));
    }
    return absl::UnimplementedError(fmt::format(
        "writing to '{}' needs the {} sink, which arrives with its connector; "
        "kafka sinks run today",
        target.name,
        target.connector.empty() ? std::string("(no)") : target.connector));
  };
  return exec::RunningQuery::Start(plan, *catalog_, sources, options);
}

absl::Status Session::RunPushQuery(
    const std::shared_ptr<const sql::PlanNode>& plan, StatementResult* result) {
  if (!options_.run_push_queries) {
    WEIR_RETURN_IF_ERROR(exec::CheckExecutable(plan, catalog_.get()));
    (void)exec::ExplainPhysical(plan, Parallelism(settings_), catalog_.get());
    for (const auto& f : plan->schema.fields())
      result->columns.push_back(f.name);
    return absl::OkStatus();
  }
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
    const std::shared_ptr<const sql::PlanNode>& plan,
    const std::vector<std::string>& reads, StatementResult* result) {
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

absl::Status Session::RunInsertValues(
    const std::shared_ptr<const sql::PlanNode>& plan, StatementResult* result) {
  const auto& out = static_cast<const sql::OutputNode&>(*plan);
  const catalog::Entry* entry = catalog_->Find(out.target);
  if (entry == nullptr)
    return absl::NotFoundError(fmt::format("'{}' was dropped", out.target));
  int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  WEIR_ASSIGN_OR_RETURN(Rows rows, EvaluateConstantPlan(*plan, now));
  types::Batch batch(std::make_shared<types::Schema>(entry->schema));
  for (const auto& row : rows) batch.AppendRow(row);
  WEIR_ASSIGN_OR_RETURN(std::string bootstrap, KafkaFor(*entry, result));
  WEIR_ASSIGN_OR_RETURN(size_t written,
                        connectors::kafka::WriteRows(*entry, batch, bootstrap));
  result->message += fmt::format("Inserted {} {} into '{}'.", written,
                                 written == 1 ? "row" : "rows", entry->name);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Session>> Session::Create(
    SessionOptions options) {
  std::unique_ptr<Session> s(new Session());
  s->options_ = options;
  s->catalog_ = catalog::NewInMemoryCatalog();
  return s;
}

absl::Status Session::ApplySetting(const std::string& key,
                                   const std::string& value) {
  const std::string lower = AsciiLower(key);
  bool bad_value = false;
  WEIR_RETURN_IF_ERROR(CheckSetting(lower, value, &bad_value));
  settings_[lower] = value;
  return absl::OkStatus();
}

Session::~Session() {
  // Queries run on the pool and may write to the embedded broker: stop them
  // first, then the pool, then (by member order) the broker.
  queries_.clear();
  executor_.reset();
}

absl::Status Session::ExecuteScript(
    std::string_view sql,
    const std::function<void(const StatementResult&)>& on_result) {
  absl::StatusOr<std::vector<sql::ast::StatementPtr>> parsed =
      sql::ParseScript(sql);
  if (!parsed.ok()) {
    return absl::Status(parsed.status().code(),
                        sql::FormatErrorMasked(parsed.status(), sql));
  }
  for (const auto& stmt : *parsed) {
    current_statement_ =
        std::string(sql.substr(stmt->span.offset, stmt->span.length));
    absl::StatusOr<StatementResult> r = Execute(*stmt, sql);
    if (!r.ok()) {
      absl::Status status = r.status();
      // Errors without a position point at the whole statement.
      if (!ErrorSpan(status)) {
        status =
            SqlError(status.code(), stmt->span, std::string(status.message()));
      }
      return absl::Status(status.code(), sql::FormatErrorMasked(status, sql));
    }
    r->statement_text =
        std::string(sql.substr(stmt->span.offset, stmt->span.length));
    on_result(*r);
  }
  return absl::OkStatus();
}

absl::StatusOr<StatementResult> Session::Execute(
    const sql::ast::Statement& stmt, std::string_view source) {
  sql::Binder binder(*catalog_, options_.connect_to_sources
                                    ? sql::SchemaResolver(ReadMySqlSchema)
                                    : nullptr);
  WEIR_ASSIGN_OR_RETURN(BoundStatement bound, binder.Bind(stmt, source));
  StatementResult result;
  switch (bound.kind) {
    case BoundKind::kExplain: {
      BoundStatement& inner = *bound.inner;
      if (inner.plan) inner.plan = sql::Optimize(inner.plan);
      result.text = sql::ExplainStatement(inner);
      if (RunsAsQuery(inner)) {
        result.text += "\nPhysical plan: " + PhysicalPlanText(inner.plan);
      }
      return result;
    }
    case BoundKind::kQuery: {
      if (!bound.constant_query) {
        const auto& out = static_cast<const sql::OutputNode&>(*bound.plan);
        if (!out.push) return absl::UnimplementedError(kNoPullQueries);
        WEIR_RETURN_IF_ERROR(RunPushQuery(sql::Optimize(bound.plan), &result));
        return result;
      }
      PlanPtr plan = sql::Optimize(bound.plan);
      int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
      WEIR_ASSIGN_OR_RETURN(Rows rows, EvaluateConstantPlan(*plan, now));
      for (const auto& f : plan->schema.fields())
        result.columns.push_back(f.name);
      for (const auto& row : rows) {
        std::vector<std::string> cells;
        for (const Value& v : row) cells.push_back(v.ToString());
        result.rows.push_back(std::move(cells));
      }
      return result;
    }
    case BoundKind::kInsert: {
      if (bound.constant_query) {
        WEIR_RETURN_IF_ERROR(
            RunInsertValues(sql::Optimize(bound.plan), &result));
        return result;
      }
      if (!options_.connect_to_sources) {
        return absl::FailedPreconditionError(
            "INSERT INTO ... SELECT starts a persistent query writing to "
            "Kafka, and this session does not connect to outside systems");
      }
      const std::string& target =
          static_cast<const sql::OutputNode&>(*bound.plan).target;
      WEIR_ASSIGN_OR_RETURN(std::string id,
                            StartPersistentQuery(sql::Optimize(bound.plan),
                                                 bound.reads, &result));
      result.message +=
          fmt::format("Started query {}, writing to stream '{}'{}.", id, target,
                      TopicNote(catalog_->Find(target)));
      return result;
    }
    case BoundKind::kCreateSink:
    case BoundKind::kCreateSource:
    case BoundKind::kCreateView: {
      std::string name = bound.entry.name;
      catalog::EntryKind kind = bound.entry.kind;
      const catalog::Entry* existing = catalog_->Find(name);
      std::optional<catalog::EntryKind> existing_kind;
      if (existing != nullptr) existing_kind = existing->kind;
      absl::Status created = catalog_->Create(
          std::move(bound.entry), bound.if_not_exists, bound.or_replace);
      if (!created.ok()) {
        return SqlError(created.code(), bound.name_span,
                        std::string(created.message()));
      }
      if (existing_kind && bound.if_not_exists) {
        result.message =
            fmt::format("{} '{}' already exists; nothing changed.",
                        catalog::EntryKindName(*existing_kind), name);
        return result;
      }
      if (kind == catalog::EntryKind::kSink && options_.connect_to_sources) {
        // A sink runs as soon as it exists; one that cannot run would only
        // mislead, so it is taken back.
        absl::StatusOr<std::string> id = StartPersistentQuery(
            sql::Optimize(bound.plan), bound.reads, &result);
        if (!id.ok()) {
          catalog_->Drop(name, kind, /*if_exists=*/true).IgnoreError();
          return id.status();
        }
        result.message +=
            fmt::format("Created sink '{}'. Query {} writes to it{}.", name,
                        *id, TopicNote(catalog_->Find(name)));
        return result;
      }
      if (existing_kind) {
        result.message = fmt::format("Replaced {} '{}'.", KindWord(kind), name);
      } else {
        result.message = fmt::format("Created {} '{}'.", KindWord(kind), name);
      }
      return result;
    }
    case BoundKind::kDrop: {
      if (bound.if_exists && catalog_->Find(bound.name) == nullptr) {
        result.message =
            fmt::format("{} '{}' does not exist; nothing dropped.",
                        catalog::EntryKindName(bound.object_kind), bound.name);
        return result;
      }
      absl::Status dropped =
          catalog_->Drop(bound.name, bound.object_kind, bound.if_exists);
      if (!dropped.ok()) {
        return SqlError(dropped.code(), bound.name_span,
                        std::string(dropped.message()));
      }
      result.message = fmt::format("Dropped {} '{}'.",
                                   KindWord(bound.object_kind), bound.name);
      return result;
    }
    case BoundKind::kShow: {
      using sql::ast::ShowKind;
      switch (bound.show) {
        case ShowKind::kStreams:
          result.columns = {"name", "connector", "columns", "watermark"};
          for (const auto* e : catalog_->List(catalog::EntryKind::kStream)) {
            std::string wm = e->watermark
                                 ? e->schema.field(e->watermark->column).name +
                                       " AS " + e->watermark->expr_text
                                 : "";
            result.rows.push_back(
                {e->name, e->connector, std::to_string(e->schema.size()), wm});
          }
          break;
        case ShowKind::kTables:
          result.columns = {"name", "connector", "primary key", "columns"};
          for (const auto* e : catalog_->List(catalog::EntryKind::kTable)) {
            result.rows.push_back({e->name, e->connector, KeyNames(*e),
                                   e->schema_deferred
                                       ? "(from MySQL)"
                                       : std::to_string(e->schema.size())});
          }
          break;
        case ShowKind::kViews:
          result.columns = {"name", "key", "output", "reads"};
          for (const auto* e : catalog_->List(catalog::EntryKind::kView)) {
            result.rows.push_back({e->name, KeyNames(*e),
                                   e->append_only ? "append-only" : "changelog",
                                   JoinStrings(e->depends_on, ", ")});
          }
          break;
        case ShowKind::kSinks:
          result.columns = {"name", "connector", "reads"};
          for (const auto* e : catalog_->List(catalog::EntryKind::kSink)) {
            result.rows.push_back(
                {e->name, e->connector, JoinStrings(e->depends_on, ", ")});
          }
          break;
        case ShowKind::kQueries:
          result.columns = {"id",        "state",        "writes to",
                            "rows read", "rows written", "sql"};
          for (const auto& q : catalog_->ListQueries()) {
            auto it = queries_.find(q.id);
            exec::QueryStats stats;
            if (it != queries_.end()) stats = it->second->stats();
            result.rows.push_back({q.id, QueryState(q.id), q.sink,
                                   std::to_string(stats.rows_read),
                                   std::to_string(stats.rows_written), q.sql});
          }
          break;
        case ShowKind::kFunctions:
          result.columns = {"name", "signature", "description"};
          for (const auto& f : expr::ListFunctions()) {
            result.rows.push_back({f.name, f.signature, f.description});
          }
          break;
        case ShowKind::kProperties:
          result.columns = {"key", "value"};
          for (const auto& [k, v] : settings_) result.rows.push_back({k, v});
          break;
      }
      return result;
    }
    case BoundKind::kDescribe: {
      const catalog::Entry* e = catalog_->Find(bound.name);
      result.columns = {"column", "type", "nullable", "key", "extra"};
      for (size_t i = 0; i < e->schema.size(); ++i) {
        const types::Field& f = e->schema.field(i);
        bool key = std::find(e->key.begin(), e->key.end(),
                             static_cast<int>(i)) != e->key.end();
        std::string extra;
        if (e->watermark && e->watermark->column == static_cast<int>(i)) {
          extra = "watermark " + e->watermark->expr_text;
        }
        for (const auto& [col, key] : e->metadata) {
          if (col == static_cast<int>(i)) extra = "metadata '" + key + "'";
        }
        result.rows.push_back({f.name, f.type.ToString(),
                               f.nullable ? "YES" : "NO", key ? "PRI" : "",
                               extra});
      }
      std::vector<std::string> lines;
      lines.push_back(
          fmt::format("{} '{}'{}{}", catalog::EntryKindName(e->kind), e->name,
                      e->connector.empty() ? "" : " over " + e->connector,
                      e->append_only ? ", append-only" : ", changelog"));
      if (e->schema_deferred)
        lines.push_back("columns: read from MySQL when first opened");
      if (bound.extended) {
        for (const auto& [k, v] : e->options) {
          bool secret = catalog::IsSecretOption(k);
          lines.push_back(
              fmt::format("option {} = '{}'", k, secret ? "***" : v));
        }
        if (!e->query_text.empty()) lines.push_back("query: " + e->query_text);
        std::vector<std::string> deps = catalog_->Dependents(e->name);
        if (!deps.empty())
          lines.push_back("read by: " + JoinStrings(deps, ", "));
      }
      result.text = JoinStrings(lines, "\n");
      return result;
    }
    case BoundKind::kSet: {
      bool bad_value = false;
      absl::Status ok = CheckSetting(bound.name, bound.value, &bad_value);
      if (!ok.ok()) {
        return SqlError(ok.code(),
                        bad_value ? bound.value_span : bound.name_span,
                        std::string(ok.message()));
      }
      settings_[bound.name] = bound.value;
      result.message =
          fmt::format("Set '{}' to '{}'.", bound.name, bound.value);
      return result;
    }
    case BoundKind::kReset: {
      if (bound.all) {
        settings_.clear();
        result.message = "Reset all settings.";
      } else {
        settings_.erase(bound.name);
        result.message = fmt::format("Reset '{}'.", bound.name);
      }
      return result;
    }
    case BoundKind::kTerminate: {
      if (bound.all) {
        size_t n = 0;
        for (const auto& q : catalog_->ListQueries()) {
          WEIR_RETURN_IF_ERROR(Terminate(q.id));
          ++n;
        }
        result.message =
            fmt::format("Terminated {} {}.", n, n == 1 ? "query" : "queries");
        return result;
      }
      absl::Status removed = Terminate(bound.name);
      if (!removed.ok()) {
        return SqlError(removed.code(), bound.name_span,
                        std::string(removed.message()));
      }
      result.message = fmt::format("Terminated query '{}'.", bound.name);
      return result;
    }
  }
  return absl::InternalError("unhandled statement kind");
}

}  // namespace weir
