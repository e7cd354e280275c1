// The one place the session dispatches on connector names: reading a MySQL
// table's columns, reaching Kafka (with an embedded broker when no cluster
// is named), and opening the sources and sinks of a query's tasks. A
// connector registry takes this file's place when connectors plug in.

#include <cstdlib>
#include <map>

#include "connectors/generators/generator_source.h"
#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_source.h"
#include "engine/base/status.h"
#include "engine/session/session.h"
#include "engine/session/session_internal.h"
#include "engine/sql/binder.h"
#include "fmt/format.h"

namespace weir {
namespace {

/// Opens one split of the source `entry`; `bootstrap` is its Kafka cluster.
absl::StatusOr<std::unique_ptr<exec::Source>> OpenSource(
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
    return absl::UnimplementedError(
        session_internal::ViewStateMessage(entry.name));
  }
  return absl::UnimplementedError(
      fmt::format("reading '{}' needs the {} source, which arrives with its "
                  "connector; kafka, nexmark and datagen sources run today",
                  entry.name, entry.connector));
}

/// Opens the writer of one sink task for `target`.
absl::StatusOr<std::unique_ptr<exec::Sink>> OpenSink(
    const catalog::Entry& target, std::shared_ptr<const types::Schema> schema,
    int task, int tasks, const std::string& bootstrap) {
  if (target.connector == "kafka") {
    return connectors::kafka::OpenKafkaSink(target, std::move(schema), task,
                                            tasks, bootstrap);
  }
  return absl::UnimplementedError(fmt::format(
      "writing to '{}' needs the {} sink, which arrives with its connector; "
      "kafka sinks run today",
      target.name,
      target.connector.empty() ? std::string("(no)") : target.connector));
}

}  // namespace

std::string Session::MissingSinkConnector(const sql::PlanNode& plan) {
  const auto& out = static_cast<const sql::OutputNode&>(plan);
  if (out.output == sql::OutputKind::kSink && out.connector != "kafka") {
    return fmt::format(
        "the {} sink arrives with its connector; kafka sinks run today",
        out.connector);
  }
  return "";
}

std::string Session::TopicNote(const catalog::Entry* entry) {
  if (entry == nullptr || entry->connector != "kafka") return "";
  return fmt::format(" (topic '{}')",
                     entry->Option("topic").value_or(entry->name));
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
  if (auto p = entry.Option("partitions")) partitions = std::atoi(p->c_str());
  WEIR_RETURN_IF_ERROR(connectors::kafka::EnsureTopic(
                           entry, connectors::kafka::TopicOf(entry), partitions,
                           bootstrap, embedded ? broker_.get() : nullptr)
                           .status());
  return bootstrap;
}

absl::Status Session::ConnectPlan(const PlanPtr& plan, StatementResult* result,
                                  exec::SourceProvider* sources,
                                  exec::SinkProvider* sinks) {
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
  // The providers run on the caller's thread, inside RunningQuery::Start.
  *sources = [bootstrap_of](const catalog::Entry& entry,
                            std::shared_ptr<const types::Schema> schema,
                            int split, int splits) {
    return OpenSource(entry, std::move(schema), split, splits,
                      bootstrap_of(entry));
  };
  *sinks = [bootstrap_of](const catalog::Entry& target,
                          std::shared_ptr<const types::Schema> schema, int task,
                          int tasks) {
    return OpenSink(target, std::move(schema), task, tasks,
                    bootstrap_of(target));
  };
  return absl::OkStatus();
}

}  // namespace weir
