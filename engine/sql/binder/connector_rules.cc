// What the binder knows about connectors: default schemas (Nexmark, tables
// read from MySQL), Kafka metadata columns, and which connectors may be
// read, written by a sink or INSERT. Each rule names its connector; this is
// the one file of the binder that does.

#include "engine/base/sql_error.h"
#include "engine/base/strings.h"
#include "engine/base/suggest.h"
#include "engine/sql/binder/binder_internal.h"
#include "fmt/format.h"

namespace weir::sql::internal {

using types::TypeId;

namespace {

/// The standard Nexmark schemas, for nexmark streams declared without
/// columns.
std::vector<types::Field> NexmarkSchema(const std::string& table) {
  LogicalType ts = LogicalType::TimestampOrDie(3);
  LogicalType big = LogicalType::Bigint();
  LogicalType str = LogicalType::Varchar();
  if (table == "person") {
    return {{"id", big, false},           {"name", str, true},
            {"email_address", str, true}, {"credit_card", str, true},
            {"city", str, true},          {"state", str, true},
            {"date_time", ts, false},     {"extra", str, true}};
  }
  if (table == "auction") {
    return {{"id", big, false},         {"item_name", str, true},
            {"description", str, true}, {"initial_bid", big, true},
            {"reserve", big, true},     {"date_time", ts, false},
            {"expires", ts, true},      {"seller", big, true},
            {"category", big, true},    {"extra", str, true}};
  }
  return {{"auction", big, false}, {"bidder", big, false},
          {"price", big, false},   {"channel", str, true},
          {"url", str, true},      {"date_time", ts, false},
          {"extra", str, true}};
}

}  // namespace

absl::Status DefaultSourceSchema(const SchemaResolver& resolver,
                                 const SourceSpan& name_span, bool is_table,
                                 catalog::Entry* entry) {
  if (entry->connector == "nexmark") {
    std::string table = AsciiLower(entry->Option("table").value_or("bid"));
    entry->schema = types::Schema(NexmarkSchema(table));
    return absl::OkStatus();
  }
  if (entry->connector == "mysql-cdc" && resolver) {
    absl::StatusOr<ExternalSchema> ext = resolver(*entry);
    if (!ext.ok()) {
      return SqlError(
          ext.status().code(), name_span,
          fmt::format("cannot read the columns of table '{}' from MySQL: {}",
                      entry->name, std::string(ext.status().message())));
    }
    entry->schema = ext->schema;
    entry->key = ext->key;
    return absl::OkStatus();
  }
  if (entry->connector == "mysql-cdc") {
    entry->schema_deferred = true;
    return absl::OkStatus();
  }
  const char* what = is_table ? "TABLE" : "STREAM";
  return SqlError(
      name_span,
      fmt::format("CREATE {} {} needs a column list for connector '{}', as in "
                  "CREATE {} {} (id BIGINT, ...) WITH (...)",
                  what, entry->name, entry->connector, what, entry->name));
}

absl::Status BindMetadataColumn(const ast::ColumnDef& c, size_t index,
                                catalog::Entry* entry) {
  if (entry->connector != "kafka") {
    return SqlError(
        c.metadata_span,
        fmt::format("METADATA columns exist only on Kafka streams and tables, "
                    "not on connector '{}'",
                    entry->connector));
  }
  const std::string& key = *c.metadata_key;
  const LogicalType& t = entry->schema.field(index).type;
  // 'header.<name>': one header's value (NULL when absent).
  const bool one_header = key.rfind("header.", 0) == 0;
  if (one_header && key.size() == 7) {
    return SqlError(
        c.metadata_span,
        "metadata 'header.' needs a header name, as in 'header.trace-id'");
  }
  if (key != "key" && key != "topic" && key != "partition" && key != "offset" &&
      key != "timestamp" && key != "headers" && !one_header) {
    return SqlError(
        c.metadata_span,
        fmt::format(
            "unknown Kafka metadata '{}' (Kafka records have key, topic, "
            "partition, offset, timestamp, headers and header.<name>){}",
            key,
            DidYouMean(key, {"key", "topic", "partition", "offset", "timestamp",
                             "headers"})));
  }
  // The types their values have.
  const bool string_or_bytes =
      t.id() == TypeId::kVarchar || t.id() == TypeId::kBytes;
  bool ok = (key == "key" && string_or_bytes) ||
            (one_header && string_or_bytes) ||
            (key == "headers" && t.id() == TypeId::kVarchar) ||
            (key == "topic" && t.id() == TypeId::kVarchar) ||
            (key == "partition" &&
             (t.id() == TypeId::kInt || t.id() == TypeId::kBigint)) ||
            (key == "offset" && t.id() == TypeId::kBigint) ||
            (key == "timestamp" && t.id() == TypeId::kTimestamp);
  if (!ok) {
    const char* want = key == "key" || one_header           ? "VARCHAR or BYTES"
                       : key == "topic" || key == "headers" ? "VARCHAR"
                       : key == "partition"                 ? "INT or BIGINT"
                       : key == "offset"                    ? "BIGINT"
                                                            : "TIMESTAMP";
    return SqlError(
        c.type.span,
        fmt::format("metadata '{}' is {}, so column '{}' cannot be {}", key,
                    want, c.name.name, t.ToString()));
  }
  entry->metadata.push_back({static_cast<int>(index), key});
  return absl::OkStatus();
}

absl::Status MissingTableKey(const catalog::Entry& entry,
                             const SourceSpan& span) {
  if (entry.connector == "mysql-cdc") {
    return SqlError(span,
                    "a mysql-cdc TABLE needs the PRIMARY KEY of the MySQL "
                    "table, as in PRIMARY KEY (id); changes are matched by it");
  }
  return SqlError(
      span, fmt::format("a TABLE is a changelog keyed by its PRIMARY KEY; "
                        "declare one, or use CREATE STREAM for append-only "
                        "data ({})",
                        entry.name));
}

absl::Status CheckReadable(const catalog::Entry& entry,
                           const SourceSpan& span) {
  if (!entry.schema_deferred) return absl::OkStatus();
  return SqlError(
      span,
      fmt::format("the columns of table '{}' are read from MySQL when the "
                  "table is first opened, which this version cannot do yet; "
                  "declare its columns and PRIMARY KEY in CREATE TABLE",
                  entry.name));
}

absl::Status CheckSinkInput(const catalog::Entry& sink, const PlanNode& input,
                            const SourceSpan& span) {
  if (sink.connector == "mysql" && !input.append_only &&
      input.unique_key.empty()) {
    return SqlError(
        span,
        "a MySQL sink applies updates and deletes by key, but this input is a "
        "changelog with no unique key; aggregate it with GROUP BY or sink a "
        "view "
        "that has a key");
  }
  return absl::OkStatus();
}

absl::Status CheckInsertTarget(const catalog::Entry& target,
                               const SourceSpan& span) {
  if (target.kind != catalog::EntryKind::kStream) {
    return SqlError(
        span,
        fmt::format("INSERT writes to streams; '{}' is a {}{}", target.name,
                    catalog::EntryKindName(target.kind),
                    target.connector == "mysql-cdc"
                        ? " read from MySQL (write to the MySQL table instead)"
                        : ""));
  }
  if (target.connector != "kafka") {
    return SqlError(
        span,
        fmt::format("INSERT writes to Kafka streams; '{}' comes from the '{}' "
                    "connector",
                    target.name, target.connector));
  }
  return absl::OkStatus();
}

std::string ConnectorDetail(const catalog::Entry& entry) {
  std::string detail;
  for (const char* k : {"topic", "table", "format"}) {
    if (auto v = entry.Option(k)) {
      detail += (detail.empty() ? "" : " ") + fmt::format("{}={}", k, *v);
    }
  }
  return detail;
}

}  // namespace weir::sql::internal
