// What the binder asks the connectors (engine/catalog/connector.h): the
// columns of a source declared without a column list, the METADATA columns
// a connector offers, what a TABLE without a key, a sink's input and an
// INSERT's target must be, and what EXPLAIN shows of a connector's options.
// No connector is named here; each answer comes from the connector of the
// entry at hand.

#include "engine/base/sql_error.h"
#include "engine/base/strings.h"
#include "engine/base/suggest.h"
#include "engine/catalog/connector_registry.h"
#include "engine/sql/binder/binder_internal.h"
#include "fmt/format.h"

namespace weir::sql::internal {

namespace {

/// "TIMESTAMP" for TIMESTAMP(3): a type's name without its precision.
std::string TypeFamily(const LogicalType& t) {
  std::string name = t.ToString();
  return name.substr(0, name.find('('));
}

/// "header.<name>" for the prefix "header.", else the key.
std::string Shown(const catalog::MetadataSpec& spec) {
  return spec.is_prefix() ? spec.key + "<name>" : spec.key;
}

/// The spec of metadata `key` among `specs`, or nullptr.
const catalog::MetadataSpec* FindMetadata(
    const std::vector<catalog::MetadataSpec>& specs, const std::string& key) {
  for (const catalog::MetadataSpec& spec : specs) {
    if (spec.is_prefix() ? key.rfind(spec.key, 0) == 0 : key == spec.key) {
      return &spec;
    }
  }
  return nullptr;
}

}  // namespace

absl::Status DefaultSourceSchema(const catalog::ConnectorRegistry& connectors,
                                 const catalog::DeclareContext& context,
                                 const SourceSpan& name_span, bool is_table,
                                 catalog::Entry* entry) {
  catalog::DefaultColumns columns;
  if (const catalog::Connector* c = connectors.Find(entry->connector)) {
    absl::StatusOr<catalog::DefaultColumns> found =
        c->DefaultSchema(*entry, context);
    if (!found.ok()) {
      return SqlError(found.status().code(), name_span,
                      std::string(found.status().message()));
    }
    columns = std::move(*found);
  }
  switch (columns.kind) {
    case catalog::DefaultColumns::Kind::kKnown:
      entry->schema = std::move(columns.schema);
      entry->key = std::move(columns.key);
      return absl::OkStatus();
    case catalog::DefaultColumns::Kind::kReadLater:
      entry->schema_deferred = true;
      return absl::OkStatus();
    case catalog::DefaultColumns::Kind::kNone:
      break;
  }
  const char* what = is_table ? "TABLE" : "STREAM";
  return SqlError(
      name_span,
      fmt::format("CREATE {} {} needs a column list for connector '{}', as in "
                  "CREATE {} {} (id BIGINT, ...) WITH (...)",
                  what, entry->name, entry->connector, what, entry->name));
}

absl::Status BindMetadataColumn(const catalog::ConnectorRegistry& connectors,
                                const ast::ColumnDef& c, size_t index,
                                catalog::Entry* entry) {
  const catalog::Connector* connector = connectors.Find(entry->connector);
  if (connector == nullptr || connector->info().metadata.empty()) {
    std::string offering = connectors.DisplayNames(
        [](const catalog::ConnectorInfo& i) { return !i.metadata.empty(); });
    if (offering.empty()) {
      return SqlError(c.metadata_span,
                      fmt::format("connector '{}' offers no METADATA columns",
                                  entry->connector));
    }
    return SqlError(
        c.metadata_span,
        fmt::format("METADATA columns exist only on {} streams and tables, "
                    "not on connector '{}'",
                    offering, entry->connector));
  }
  const catalog::ConnectorInfo& info = connector->info();
  const std::string& key = *c.metadata_key;
  const catalog::MetadataSpec* spec = FindMetadata(info.metadata, key);
  if (spec != nullptr && spec->is_prefix() && key.size() == spec->key.size()) {
    return SqlError(
        c.metadata_span,
        fmt::format("metadata '{}' needs a {} name, as in '{}'", key,
                    key.substr(0, key.size() - 1), spec->example));
  }
  if (spec == nullptr) {
    std::vector<std::string> shown;
    std::vector<std::string> keys;
    for (const catalog::MetadataSpec& m : info.metadata) {
      shown.push_back(Shown(m));
      if (!m.is_prefix()) keys.push_back(m.key);
    }
    return SqlError(
        c.metadata_span,
        fmt::format("unknown {0} metadata '{1}' ({0} records have {2}){3}",
                    info.display_name, key, catalog::JoinWithAnd(shown),
                    DidYouMean(key, keys)));
  }
  const LogicalType& t = entry->schema.field(index).type;
  std::vector<std::string> wanted;
  bool ok = false;
  for (const LogicalType& accepted : spec->types) {
    ok |= accepted.id() == t.id();
    wanted.push_back(TypeFamily(accepted));
  }
  if (!ok) {
    return SqlError(
        c.type.span,
        fmt::format("metadata '{}' is {}, so column '{}' cannot be {}", key,
                    JoinStrings(wanted, " or "), c.name.name, t.ToString()));
  }
  entry->metadata.push_back({static_cast<int>(index), key});
  return absl::OkStatus();
}

absl::Status MissingTableKey(const catalog::ConnectorRegistry& connectors,
                             const catalog::Entry& entry,
                             const SourceSpan& span) {
  const catalog::Connector* c = connectors.Find(entry.connector);
  if (c != nullptr && !c->info().table_key_message.empty()) {
    return SqlError(span, c->info().table_key_message);
  }
  return SqlError(
      span, fmt::format("a TABLE is a changelog keyed by its PRIMARY KEY; "
                        "declare one, or use CREATE STREAM for append-only "
                        "data ({})",
                        entry.name));
}

absl::Status CheckReadable(const catalog::ConnectorRegistry& connectors,
                           const catalog::Entry& entry,
                           const SourceSpan& span) {
  if (!entry.schema_deferred) return absl::OkStatus();
  return SqlError(
      span,
      fmt::format("the columns of table '{}' are read from {} when the "
                  "table is first opened, which this version cannot do yet; "
                  "declare its columns and PRIMARY KEY in CREATE TABLE",
                  entry.name, connectors.DisplayNameOf(entry.connector)));
}

namespace {

/// Whether `plan` is a changelog of at most one row: a global aggregate
/// (no GROUP BY, no window) under filters and projections, or a scan of a
/// view that is one (a view over a changelog without a key can only be
/// that: the physical planner refuses the others).
bool OneRow(const PlanNode& plan) {
  if (plan.append_only || !plan.unique_key.empty()) return false;
  switch (plan.kind) {
    case PlanKind::kAggregate: {
      const auto& agg = static_cast<const AggregateNode&>(plan);
      return agg.groups.empty() && !agg.window_start_group;
    }
    case PlanKind::kFilter:
    case PlanKind::kProject:
      return OneRow(*plan.inputs[0]);
    case PlanKind::kScan:
      return static_cast<const ScanNode&>(plan).source_kind ==
             catalog::EntryKind::kView;
    default:
      return false;
  }
}

}  // namespace

absl::Status CheckSinkInput(const catalog::ConnectorRegistry& connectors,
                            const catalog::Entry& sink, const PlanNode& input,
                            const SourceSpan& span) {
  const catalog::Connector* c = connectors.Find(sink.connector);
  if (c == nullptr) return absl::OkStatus();
  absl::Status status = c->CheckSinkInput(
      sink,
      catalog::SinkInput{input.append_only, input.unique_key, OneRow(input)});
  if (status.ok()) return status;
  return SqlError(status.code(), span, std::string(status.message()));
}

absl::Status CheckInsertTarget(const catalog::ConnectorRegistry& connectors,
                               const catalog::Entry& target,
                               const SourceSpan& span) {
  const catalog::Connector* c = connectors.Find(target.connector);
  if (target.kind != catalog::EntryKind::kStream) {
    return SqlError(
        span, fmt::format("INSERT writes to streams; '{}' is a {}{}",
                          target.name, catalog::EntryKindName(target.kind),
                          c == nullptr ? "" : c->info().insert_hint));
  }
  if (c != nullptr && c->info().runs_sink) return absl::OkStatus();
  std::string writable = connectors.DisplayNames(
      [](const catalog::ConnectorInfo& i) { return i.stream && i.runs_sink; });
  return SqlError(
      span, fmt::format("INSERT writes to {}streams; '{}' comes from the '{}' "
                        "connector",
                        writable.empty() ? "" : writable + " ", target.name,
                        target.connector));
}

std::string ConnectorDetail(const catalog::ConnectorRegistry& connectors,
                            const catalog::Entry& entry) {
  const catalog::Connector* c = connectors.Find(entry.connector);
  return c == nullptr ? "" : c->Detail(entry);
}

}  // namespace weir::sql::internal
