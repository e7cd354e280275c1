#pragma once

// The catalog: named sources (streams, CDC tables), materialized views,
// sinks and running queries. In memory for now, behind an interface that a
// later issue persists; the binder only reads it, DDL writes it.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/types/schema.h"

namespace weir::catalog {

enum class EntryKind { kStream, kTable, kView, kSink };

/// "STREAM", "TABLE", "MATERIALIZED VIEW", "SINK".
std::string_view EntryKindName(EntryKind kind);

/// WATERMARK FOR column AS expr, as declared.
struct WatermarkInfo {
  int column = -1;        // index of the event-time column
  std::string expr_text;  // the expression as the user wrote it
  /// The constant delay when the expression is `column - INTERVAL ...`
  /// (the common case), in microseconds; nullopt for other expressions.
  std::optional<int64_t> delay_micros;
};

/// One catalog object. Plain data; the catalog owns entries and hands out
/// const pointers that stay valid until the entry is dropped.
struct Entry {
  std::string name;  // as declared; lookups are case-insensitive
  EntryKind kind = EntryKind::kStream;
  types::Schema schema;
  /// Column indexes of the primary/unique key; empty when none (append-only
  /// streams). For views, derived from the query (e.g. the GROUP BY keys).
  std::vector<int> key;
  /// True when the object only ever receives inserts (streams, append-only
  /// views); false for changelogs (CDC tables, aggregating views).
  bool append_only = true;
  std::optional<WatermarkInfo> watermark;
  /// WITH options, keys lower-cased, in declaration order.
  std::vector<std::pair<std::string, std::string>> options;
  std::string connector;  // options["connector"], for convenience
  /// For views and sinks: the defining query text, and the names of the
  /// catalog objects it reads (dependencies for DROP).
  std::string query_text;
  std::vector<std::string> depends_on;
  /// Columns read from the record's metadata rather than its value (Kafka:
  /// key, topic, partition, offset, timestamp): (column index, key).
  std::vector<std::pair<int, std::string>> metadata;
  /// For a TABLE: its records are upserts (each the latest row of its key,
  /// a tombstone deletes the key) rather than changes that carry their own
  /// retractions, so a query reads it through the changelog normalize
  /// (the latest row per key). Set from ConnectorInfo::upsert_table.
  bool upsert = false;
  /// For a TABLE declared without columns: the schema is read from the
  /// connector (MySQL) when the table is first used.
  bool schema_deferred = false;
  /// The full CREATE statement text, for SHOW/DESCRIBE EXTENDED.
  std::string ddl;

  std::optional<std::string> Option(std::string_view key) const;
};

/// A running (or failed) continuous query.
struct QueryInfo {
  std::string id;  // "q1", "q2", ...
  std::string sql;
  std::string sink;   // what it writes: a view, sink, stream, or "(client)"
  std::string state;  // RUNNING, FAILED, ...
};

/// The catalog interface. Not thread-safe: callers serialize access (the
/// session owns it). Names are case-insensitive and share one namespace
/// across kinds.
class Catalog {
 public:
  virtual ~Catalog() = default;

  /// The entry called `name`, or nullptr.
  virtual const Entry* Find(std::string_view name) const = 0;
  /// Adds `entry`. AlreadyExists when the name is taken (unless
  /// `if_not_exists`, then OK and nothing changes; or `or_replace` for the
  /// same kind, which replaces it when nothing depends on it).
  virtual absl::Status Create(Entry entry, bool if_not_exists,
                              bool or_replace = false) = 0;
  /// Removes `name` of kind `kind`. NotFound (unless `if_exists`);
  /// InvalidArgument when the kind differs; FailedPrecondition when another
  /// entry depends on it or a running query reads it.
  virtual absl::Status Drop(std::string_view name, EntryKind kind,
                            bool if_exists) = 0;
  /// Entries of one kind, sorted by name.
  virtual std::vector<const Entry*> List(EntryKind kind) const = 0;
  /// Names of the entries that depend on `name`.
  virtual std::vector<std::string> Dependents(std::string_view name) const = 0;

  /// Running queries.
  virtual std::string AddQuery(std::string sql, std::string sink,
                               std::vector<std::string> reads) = 0;
  virtual absl::Status RemoveQuery(std::string_view id) = 0;
  virtual std::vector<QueryInfo> ListQueries() const = 0;
};

/// A Catalog held in memory only.
std::unique_ptr<Catalog> NewInMemoryCatalog();

}  // namespace weir::catalog
