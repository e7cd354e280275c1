// The session's side of the connectors (engine/catalog/connector.h): before
// a query's tasks start, each stream, table or sink it reads or writes is
// prepared by its connector's state in this session, which says how the
// tasks open their sources and sinks. No connector is named here.

#include <map>

#include "engine/base/status.h"
#include "engine/exec/sink.h"
#include "engine/exec/source.h"
#include "engine/exec/view_store.h"
#include "engine/base/strings.h"
#include "engine/session/session.h"
#include "engine/session/session_internal.h"
#include "engine/sql/binder.h"
#include "fmt/format.h"

namespace weir {
namespace {

/// "kafka sinks run today", or that none do.
std::string RunningToday(const catalog::ConnectorRegistry& connectors,
                         bool sources) {
  std::string names =
      connectors.NamesWhere([sources](const catalog::ConnectorInfo& i) {
        return sources ? i.runs_source : i.runs_sink;
      });
  const char* what = sources ? "sources" : "sinks";
  if (names.empty()) return fmt::format("no {} run in this build", what);
  return fmt::format("{} {} run today", names, what);
}

/// An opener that fails with `status` when the query's tasks open it: what
/// cannot run yet is refused when the query starts, as a source or sink
/// that fails to open is.
template <typename Opener>
Opener Failing(absl::Status status) {
  return [status](const catalog::Entry&, std::shared_ptr<const types::Schema>,
                  int, int) { return status; };
}

/// A provider that opens what `openers` prepared, by the entry's name.
template <typename Opened, typename Opener>
auto ProviderOf(std::shared_ptr<std::map<std::string, Opener>> openers,
                const char* what) {
  return [openers, what](const catalog::Entry& entry,
                         std::shared_ptr<const types::Schema> schema, int index,
                         int count) -> absl::StatusOr<std::unique_ptr<Opened>> {
    auto it = openers->find(entry.name);
    if (it == openers->end()) {
      return absl::InternalError(
          fmt::format("{} '{}' was not prepared", what, entry.name));
    }
    return it->second(entry, std::move(schema), index, count);
  };
}

}  // namespace

std::string Session::MissingSinkConnector(const sql::PlanNode& plan) const {
  const auto& out = static_cast<const sql::OutputNode&>(plan);
  if (out.output != sql::OutputKind::kSink) return "";
  const catalog::Connector* c = connectors_->Find(out.connector);
  if (c != nullptr && c->info().runs_sink) return "";
  return fmt::format("the {} sink arrives with its connector; {}",
                     out.connector, RunningToday(*connectors_, false));
}

std::string Session::TargetNote(const std::string& name) const {
  const catalog::Entry* entry = catalog_->Find(name);
  if (entry == nullptr) return "";
  const catalog::Connector* c = connectors_->Find(entry->connector);
  return c == nullptr ? "" : c->TargetNote(*entry);
}

absl::StatusOr<catalog::ConnectorSession*> Session::ConnectorSessionOf(
    const catalog::Connector& connector) {
  auto it = connector_sessions_.find(connector.name());
  if (it != connector_sessions_.end()) return it->second.get();
  std::unique_ptr<catalog::ConnectorSession> state = connector.NewSession();
  if (state == nullptr) {
    return absl::InternalError(
        fmt::format("connector '{}' says it runs, but gives no session state",
                    connector.name()));
  }
  return connector_sessions_.emplace(connector.name(), std::move(state))
      .first->second.get();
}

absl::StatusOr<catalog::SourceOpener> Session::PrepareSource(
    const catalog::Entry& entry, const catalog::QueryContext& context) {
  if (entry.kind == catalog::EntryKind::kView) {
    return PrepareViewSource(entry);
  }
  const catalog::Connector* c = connectors_->Find(entry.connector);
  if (c == nullptr || !c->info().runs_source) {
    return Failing<catalog::SourceOpener>(absl::UnimplementedError(fmt::format(
        "reading '{}' needs the {} source, which arrives with its "
        "connector; {}",
        entry.name, entry.connector, RunningToday(*connectors_, true))));
  }
  WEIR_ASSIGN_OR_RETURN(catalog::ConnectorSession * state,
                        ConnectorSessionOf(*c));
  return state->PrepareSource(entry, context);
}

absl::StatusOr<catalog::SinkOpener> Session::PrepareSink(
    const catalog::Entry& target, const catalog::QueryContext& context) {
  if (target.kind == catalog::EntryKind::kView) {
    // The view store applied the rows; its sink only takes them.
    return [](const catalog::Entry& entry,
              std::shared_ptr<const types::Schema>, int,
              int) -> absl::StatusOr<std::unique_ptr<exec::Sink>> {
      return exec::MakeViewSink(entry.name);
    };
  }
  const catalog::Connector* c = connectors_->Find(target.connector);
  if (c == nullptr || !c->info().runs_sink) {
    return Failing<catalog::SinkOpener>(absl::UnimplementedError(fmt::format(
        "writing to '{}' needs the {} sink, which arrives with its connector; "
        "{}",
        target.name,
        target.connector.empty() ? std::string("(no)") : target.connector,
        RunningToday(*connectors_, false))));
  }
  WEIR_ASSIGN_OR_RETURN(catalog::ConnectorSession * state,
                        ConnectorSessionOf(*c));
  return state->PrepareSink(target, context);
}

std::string Session::EffectiveStateDir() const {
  std::string dir = session_internal::StateDir(settings_);
  return dir.empty() ? options_.default_state_dir : dir;
}

std::string Session::KeptStateDir(const PlanPtr& plan,
                                  std::string* why_not) const {
  // Set on purpose: kept, whatever the query reads.
  std::string dir = session_internal::StateDir(settings_);
  if (!dir.empty()) return dir;
  if (options_.default_state_dir.empty()) return "";
  // The default: only when running the query again can find its input
  // (and its output) where its checkpoint left them.
  std::string reason;
  bool reads_a_source = false;
  auto ends_with_process = [&](const catalog::Entry& entry) -> std::string {
    const catalog::Connector* c = connectors_->Find(entry.connector);
    return c == nullptr ? "" : c->EndsWithProcess(entry, settings_);
  };
  sql::ForEachNode(plan, [&](const sql::PlanNode& n) {
    if (!reason.empty() || n.kind != sql::PlanKind::kScan) return;
    reads_a_source = true;
    const std::string& name = static_cast<const sql::ScanNode&>(n).source;
    const catalog::Entry* entry = catalog_->Find(name);
    if (entry == nullptr) return;  // ConnectPlan says it was dropped
    if (entry->kind == catalog::EntryKind::kView) {
      // A resumed reader emits what changed in the view meanwhile
      // (exec/view_source.h): right when the view resumes too.
      auto it = view_state_not_kept_.find(AsciiLower(entry->name));
      if (it != view_state_not_kept_.end() && !it->second.empty()) {
        reason = fmt::format(
            "it reads materialized view '{}', whose state is not kept ({})",
            entry->name, it->second);
      }
      return;
    }
    std::string why = ends_with_process(*entry);
    if (!why.empty()) reason = fmt::format("it reads '{}': {}", name, why);
  });
  if (reason.empty() && !reads_a_source) {
    reason = "it reads only constant rows (VALUES), which running it again "
             "would skip";
  }
  const auto& out = static_cast<const sql::OutputNode&>(*plan);
  if (reason.empty() && out.output != sql::OutputKind::kMaterialize) {
    if (const catalog::Entry* target = catalog_->Find(out.target)) {
      std::string why = ends_with_process(*target);
      if (!why.empty())
        reason = fmt::format("it writes to '{}': {}", out.target, why);
    }
  }
  if (reason.empty()) return options_.default_state_dir;
  if (why_not != nullptr) *why_not = std::move(reason);
  return "";
}

absl::Status Session::ConnectPlan(const PlanPtr& plan, StatementResult* result,
                                  exec::SourceProvider* sources,
                                  exec::SinkProvider* sinks,
                                  bool checkpoints) {
  // What the plan reads, then what it writes; each entry once.
  std::vector<std::string> reads;
  sql::ForEachNode(plan, [&](const sql::PlanNode& n) {
    if (n.kind == sql::PlanKind::kScan) {
      reads.push_back(static_cast<const sql::ScanNode&>(n).source);
    }
  });
  const auto& out = static_cast<const sql::OutputNode&>(*plan);
  const bool writes = out.output == sql::OutputKind::kSink ||
                      out.output == sql::OutputKind::kInsert ||
                      out.output == sql::OutputKind::kMaterialize;
  const catalog::QueryContext context{settings_, options_.connect_to_sources,
                                      &result->message, checkpoints};
  using SourceOpeners = std::map<std::string, catalog::SourceOpener>;
  using SinkOpeners = std::map<std::string, catalog::SinkOpener>;
  auto source_openers = std::make_shared<SourceOpeners>();
  auto sink_openers = std::make_shared<SinkOpeners>();
  for (const std::string& name : reads) {
    const catalog::Entry* entry = catalog_->Find(name);
    if (entry == nullptr)
      return absl::NotFoundError(fmt::format("'{}' was dropped", name));
    if (source_openers->count(entry->name) > 0) continue;
    WEIR_ASSIGN_OR_RETURN((*source_openers)[entry->name],
                          PrepareSource(*entry, context));
  }
  if (writes) {
    const catalog::Entry* target = catalog_->Find(out.target);
    if (target == nullptr)
      return absl::NotFoundError(fmt::format("'{}' was dropped", out.target));
    WEIR_ASSIGN_OR_RETURN((*sink_openers)[target->name],
                          PrepareSink(*target, context));
  }
  // The providers run on the caller's thread, inside RunningQuery::Start.
  *sources = ProviderOf<exec::Source>(source_openers, "source");
  *sinks = ProviderOf<exec::Sink>(sink_openers, "sink");
  return absl::OkStatus();
}

}  // namespace weir
