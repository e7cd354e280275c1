#pragma once

// The connector interface: everything Weir knows about one kind of outside
// system (Kafka, a MySQL table, a generator) lives in one object that
// implements Connector and is registered once in a ConnectorRegistry. The
// engine sees only this interface and never a connector's name:
//
//  - declaring (the binder): which declarations it can back (STREAM,
//    TABLE, SINK), its WITH options and their checks, the columns of a
//    source declared without a column list, the METADATA columns it
//    offers, rules about what a sink of it may take;
//  - describing (EXPLAIN, DESCRIBE, SHOW, the session's messages): the
//    options EXPLAIN shows, the state a scan keeps, a note on what a query
//    writes ("(topic 'bids')"), its name for people ("Kafka");
//  - the session settings it reads (SET 'key'), declared so SET checks
//    them, and received with every query it prepares (QueryContext);
//  - running (the session): a per-session ConnectorSession, created on
//    first use and destroyed after the session's queries and worker pool,
//    which readies each stream, table or sink of the connector before a
//    query's tasks start (e.g. finds the Kafka cluster, starts an embedded
//    broker, creates the topic) and returns how the tasks open their
//    sources (exec::Source) and sinks (exec::Sink).
//
// exec::Source and exec::Sink are only declared here: the catalog does not
// depend on the runtime. The connectors and the session, which open
// sources and sinks, include engine/exec/source.h and sink.h.
//
// The registrations are wired above both the engine and the connectors
// (connectors/registry.h); a connector's code lives in connectors/<name>/.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/catalog/catalog.h"
#include "engine/catalog/connector_options.h"
#include "engine/types/logical_type.h"
#include "engine/types/schema.h"

namespace weir::exec {
class Source;
class Sink;
}  // namespace weir::exec

namespace weir::catalog {

/// A column a connector fills from a record's metadata rather than its
/// value: `col TYPE METADATA [FROM 'key']`.
struct MetadataSpec {
  /// The key ("partition"), or a prefix ending in '.' ("header.") that
  /// takes a name after it ("header.trace-id").
  std::string key;
  /// For a prefix: a key with a name, shown when the name is missing.
  std::string example;
  /// The types a column may have to receive it (any precision).
  std::vector<types::LogicalType> types;

  bool is_prefix() const { return !key.empty() && key.back() == '.'; }
};

/// A session setting a connector reads: SET 'key' = 'value' checks the
/// value with `valid` ("setting 'key' expects <expects>, got 'v'").
struct SettingSpec {
  std::string key;
  std::string expects;  // "a host:port list"
  std::function<bool(const std::string& value)> valid;
};

/// A setting holding an integer from 1 to `max`, written in digits
/// ("an integer from 1 to <max>").
SettingSpec PositiveIntegerSetting(std::string key, int64_t max);

/// Settings a connector takes under a prefix (SET 'properties.<name>').
struct SettingFamily {
  std::string prefix;    // "properties."
  std::string shown_as;  // in the list of known settings
  /// Checks a key of the family, as written (with the prefix), and its
  /// value when one is given (SET; RESET gives none). NotFound when the
  /// name is unknown (the error points at the key), InvalidArgument for a
  /// bad value (at the value); the message is the whole error and never
  /// quotes the value of a secret key (IsSecretOption). Anything goes when
  /// empty.
  std::function<absl::Status(std::string_view key,
                             std::optional<std::string_view> value)>
      check;
};

/// Where a session setting's value came from.
enum class SettingLevel {
  kSet,         // SET 'key' = 'value' in the session
  kConfigFile,  // `weir --config FILE`, beneath SET
};

/// The session's settings as a connector describes them: the values in
/// effect (SET over the config file; keys lower-cased) and the level each
/// came from.
struct SessionSettings {
  const std::map<std::string, std::string>& values;
  std::function<SettingLevel(const std::string& key)> level_of;
};

/// One setting of the client a connector opens for an entry, as it will
/// be in effect (DESCRIBE lists them): its name, its value, and the level
/// that gave it ("statement", "SET", "config file", "Weir default").
struct ClientSetting {
  std::string name;
  /// "" when the value is not known before the query starts; `level`
  /// then says what it will be ("Weir default: the embedded broker").
  std::string value;
  std::string level;
  /// The clients it applies to, when not all ("consumer", "producer").
  std::string clients;
};

/// What a connector declares as data; its behaviour is in the virtual
/// methods of Connector.
struct ConnectorInfo {
  /// As written in WITH (connector = '...'); lower-case.
  std::string name;
  /// Its name for people, in messages: "Kafka streams", "read from MySQL".
  std::string display_name;
  /// The declarations it can back: CREATE STREAM (append-only), CREATE
  /// TABLE (a changelog keyed by its PRIMARY KEY), CREATE SINK.
  bool stream = false;
  bool table = false;
  bool sink = false;
  /// Whether its sources and sinks run in this build (its ConnectorSession
  /// prepares them). A declaration that cannot run yet is still checked
  /// and EXPLAINed. A connector that runs sinks for streams takes INSERT.
  bool runs_source = false;
  bool runs_sink = false;
  /// Whether its sources keep a dead-letter topic that late rows may go
  /// to (WITH 'late-rows' = 'dlq'; their exec::Source opens the writer).
  bool dead_letters = false;
  OptionsSpec options;
  /// The METADATA columns it offers, in the order messages list them.
  std::vector<MetadataSpec> metadata;
  /// The options EXPLAIN shows after its name ("topic=bids format=json").
  std::vector<std::string> explain_options;
  /// The session settings it reads.
  std::vector<SettingSpec> settings;
  std::vector<SettingFamily> setting_families;
  /// The error for a TABLE of it declared without a PRIMARY KEY, when it
  /// has a better one than the generic message.
  std::string table_key_message;
  /// For a TABLE of it with these options: whether its records are
  /// upserts (Entry::upsert; e.g. a Kafka topic in json), not changes
  /// carrying retractions (Debezium, a binlog). Unset: never.
  std::function<bool(const Options& options)> upsert_table;
  /// Appended to "INSERT writes to streams; 'x' is a TABLE" when the
  /// target is a table of it, to say where to write instead.
  std::string insert_hint;
};

/// The columns of a source declared without a column list.
struct DefaultColumns {
  enum class Kind {
    kNone,       // unknown to the connector: the statement needs a list
    kKnown,      // in `schema` and `key`
    kReadLater,  // read from the outside system when first opened
  };
  Kind kind = Kind::kNone;
  types::Schema schema;
  std::vector<int> key;
};

/// What a connector may do while a statement is bound.
struct DeclareContext {
  /// SessionOptions::connect_to_sources: whether it may reach the outside
  /// system (to read a table's columns, say).
  bool connect_to_sources = false;
};

/// What reaches a sink: its input's shape, for the sink's own rules.
struct SinkInput {
  bool append_only = true;
  std::vector<int> unique_key;  // column indexes; empty when none
  /// A changelog of at most one row (a global aggregate: no GROUP BY, no
  /// window; or a view of one): its key is empty, not missing.
  bool one_row = false;
};

/// The session a query starts in, as a connector sees it.
struct QueryContext {
  /// The session's settings (SET, `weir --config`; keys lower-cased): the
  /// one place a connector receives them, as they are when the query
  /// starts.
  const std::map<std::string, std::string>& settings;
  /// SessionOptions::connect_to_sources.
  bool connect_to_sources = false;
  /// Lines for the user, shown with the statement's result (each ends in
  /// '\n'), e.g. "Started an embedded Kafka broker at ...".
  std::string* notes = nullptr;
  /// The query takes checkpoints (a persistent query): a sink may commit
  /// per checkpoint (exec::SinkCommitter) for exactly-once output.
  bool checkpoints = false;
};

/// Opens split `split` of `splits` of a prepared source `entry`, producing
/// rows of `schema` (see exec::SourceProvider).
using SourceOpener =
    std::function<absl::StatusOr<std::unique_ptr<exec::Source>>(
        const Entry& entry, std::shared_ptr<const types::Schema> schema,
        int split, int splits)>;
/// Opens the writer of sink task `task` of `tasks` for a prepared `target`
/// (see exec::SinkProvider).
using SinkOpener = std::function<absl::StatusOr<std::unique_ptr<exec::Sink>>(
    const Entry& target, std::shared_ptr<const types::Schema> schema, int task,
    int tasks)>;

/// A connector's state in one session (e.g. the embedded Kafka broker it
/// started). Created by Connector::NewSession when the session first
/// prepares an entry of the connector; owned by the session, which
/// destroys it after its queries and its worker pool, so openers may use
/// it. Called from the session's thread only.
class ConnectorSession {
 public:
  virtual ~ConnectorSession() = default;

  /// Readies `entry` (a stream or table of this connector) for a query
  /// about to start, and returns how its tasks open their splits. Called
  /// once per entry and query, before any task starts; may block (reaching
  /// a cluster, creating a topic). Errors fail the statement (name the
  /// server or topic that failed).
  virtual absl::StatusOr<SourceOpener> PrepareSource(
      const Entry& entry, const QueryContext& context) = 0;

  /// The same for `target`: a sink of this connector, or a stream of it
  /// that an INSERT writes.
  virtual absl::StatusOr<SinkOpener> PrepareSink(
      const Entry& target, const QueryContext& context) = 0;
};

/// One kind of outside system. Registered once and shared by every
/// session: the methods are const and must be thread-safe.
class Connector {
 public:
  explicit Connector(ConnectorInfo info) : info_(std::move(info)) {}
  virtual ~Connector() = default;
  Connector(const Connector&) = delete;
  Connector& operator=(const Connector&) = delete;

  const ConnectorInfo& info() const { return info_; }
  const std::string& name() const { return info_.name; }

  // ---- declaring

  /// Checks one option of a family (OptionsSpec::families) when its key
  /// starts with the family's prefix; the message names the option.
  /// Default: anything goes.
  virtual absl::Status CheckFamilyOption(std::string_view key,
                                         std::string_view value) const;

  /// Checks that need several options together (a min not above its max),
  /// after each option was checked alone and before the required ones;
  /// sets `*bad_key` to the offending option's index. Default: OK.
  virtual absl::Status CheckOptionSet(const Options& options,
                                      int* bad_key) const;

  /// The columns (and key) of `entry` (its name, kind and options set),
  /// declared without a column list. Errors are the statement's (the
  /// binder points them at the name). Default: kNone.
  virtual absl::StatusOr<DefaultColumns> DefaultSchema(
      const Entry& entry, const DeclareContext& context) const;

  /// Checks what reaches `sink` (a sink of this connector being declared).
  /// Default: OK.
  virtual absl::Status CheckSinkInput(const Entry& sink,
                                      const SinkInput& input) const;

  // ---- describing

  /// What EXPLAIN shows after the connector's name: by default the
  /// `explain_options` that `entry` sets, as "key=value" separated by
  /// spaces.
  virtual std::string Detail(const Entry& entry) const;

  /// The state a scan of a `kind` entry keeps, for EXPLAIN's "state:" line
  /// (a Kafka TABLE keeps the latest row per key); "" when none.
  virtual std::string ScanState(EntryKind kind) const;

  /// Appended to "Started query q1, writing to stream 'x'" and "Created
  /// sink 'x'. Query q1 writes to it" for a target of this connector, e.g.
  /// " (topic 'bids')"; "" by default.
  virtual std::string TargetNote(const Entry& target) const;

  /// The settings of the clients that `entry` (a stream, table or sink of
  /// this connector) opens, merged as a query starting now would merge
  /// them from the entry's options and the session's `settings`, each with
  /// the level it came from; DESCRIBE shows them (secret values hidden).
  /// None by default.
  virtual std::vector<ClientSetting> ClientSettings(
      const Entry& entry, const SessionSettings& settings) const;

  /// "" when what `entry` (a stream, table or sink of this connector)
  /// reads or writes outlives this process, when reached with the
  /// session's `settings` (SET and the config file; keys lower-cased);
  /// else why not, for messages ("topic 'bids' is on the embedded Kafka
  /// broker, which ends with this process"). A persistent query keeps its
  /// state by default (the `weir` shell's SessionOptions::
  /// default_state_dir) only when all it reads and writes outlives the
  /// process: resumed against a new, empty copy of a vanished topic it
  /// would skip that copy's rows as far as its checkpoint had read the old
  /// one. Default: "" (an outside system, or a generator, whose rows are a
  /// function of their sequence number, so continuing from the
  /// checkpointed one is right).
  virtual std::string EndsWithProcess(
      const Entry& entry,
      const std::map<std::string, std::string>& settings) const;

  // ---- running

  /// A new per-session state for this connector. Only called when the
  /// connector runs sources or sinks (info().runs_source / runs_sink);
  /// nullptr by default.
  virtual std::unique_ptr<ConnectorSession> NewSession() const;

 private:
  ConnectorInfo info_;
};

}  // namespace weir::catalog
