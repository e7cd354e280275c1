// The MySQL connectors' declarations: options, columns read from MySQL,
// the rules of a CDC table and of a sink that upserts by key.

#include "connectors/mysql/mysql_connectors.h"

#include <string>
#include <utility>
#include <vector>

#include "connectors/mysql/cdc_source.h"
#include "connectors/mysql/mysql_sink.h"
#include "connectors/mysql/shared_binlog.h"
#include "engine/base/status.h"
#include "engine/exec/source.h"
#include "fmt/format.h"

namespace weir::connectors::mysql {
namespace {

using catalog::OptionSpec;
using catalog::ValueKind;

constexpr int64_t kMaxPort = 65535;
constexpr int64_t kMaxServerId = 4294967295;  // MySQL's server_id is 32-bit

/// The options that name a table on a server, in the order messages list
/// them.
std::vector<OptionSpec> ServerOptions() {
  return {
      OptionSpec::String("host", true),
      OptionSpec::String("user", true),
      OptionSpec::String("database", true),
      OptionSpec::String("table", true),
      OptionSpec::Integer("port", 1, kMaxPort),
      OptionSpec::String("password"),
  };
}

/// mysql-cdc in a session: each query's table is prepared (its MySQL
/// columns and binlog settings read) before its task opens the source.
class MySqlCdcSession : public catalog::ConnectorSession {
 public:
  absl::StatusOr<catalog::SourceOpener> PrepareSource(
      const catalog::Entry& entry,
      const catalog::QueryContext& context) override {
    absl::StatusOr<CdcSourceConfig> config = PrepareCdcSource(entry);
    if (!config.ok()) {
      return absl::Status(
          config.status().code(),
          fmt::format("cannot read mysql-cdc table '{}': {}", entry.name,
                      std::string(config.status().message())));
    }
    // The query's tables of a server share one binlog connection: one
    // server-id for them (shared_binlog.h).
    if (!config->server_id) config->server_id = ids_->For(config->connection);
    return catalog::SourceOpener(
        [config = *std::move(config), ids = ids_,
         generation = ids_->generation()](
            const catalog::Entry& e, std::shared_ptr<const types::Schema> schema,
            int split, int splits) {
          ids->OpenedQuery(generation);
          return OpenCdcSource(config, std::move(schema), split, splits);
        });
  }

  absl::StatusOr<catalog::SinkOpener> PrepareSink(
      const catalog::Entry& target,
      const catalog::QueryContext& context) override {
    return absl::FailedPreconditionError(fmt::format(
        "'{}' is read from MySQL; it cannot be written", target.name));
  }

 private:
  std::shared_ptr<CdcServerIds> ids_ = std::make_shared<CdcServerIds>();
};

class MySqlCdcConnector : public catalog::Connector {
 public:
  explicit MySqlCdcConnector(TableSchemaReader reader)
      : Connector(Info()), reader_(std::move(reader)) {}

  /// The columns and key of the MySQL table, read from the server when the
  /// session may reach it; else read when the table is first opened.
  absl::StatusOr<catalog::DefaultColumns> DefaultSchema(
      const catalog::Entry& entry,
      const catalog::DeclareContext& context) const override {
    catalog::DefaultColumns columns;
    if (!context.connect_to_sources) {
      columns.kind = catalog::DefaultColumns::Kind::kReadLater;
      return columns;
    }
    absl::StatusOr<TableSchema> read = reader_(entry);
    if (!read.ok()) {
      return absl::Status(
          read.status().code(),
          fmt::format("cannot read the columns of table '{}' from MySQL: {}",
                      entry.name, std::string(read.status().message())));
    }
    columns.kind = catalog::DefaultColumns::Kind::kKnown;
    columns.schema = std::move(read->schema);
    columns.key = std::move(read->primary_key);
    return columns;
  }

  std::unique_ptr<catalog::ConnectorSession> NewSession() const override {
    return std::make_unique<MySqlCdcSession>();
  }

 private:
  static catalog::ConnectorInfo Info() {
    catalog::ConnectorInfo info;
    info.name = "mysql-cdc";
    info.display_name = "MySQL";
    info.table = true;
    info.runs_source = true;
    info.options.options = ServerOptions();
    info.options.options.insert(
        info.options.options.end(),
        {
            OptionSpec::Integer("server-id", 1, kMaxServerId),
            OptionSpec::Integer("scan.snapshot.chunk-size", 1),
            OptionSpec::OneOf("scan.startup.mode", {"initial", "latest-offset",
                                                    "gtid", "binlog-position"}),
            OptionSpec::String("scan.startup.gtid"),
            OptionSpec::String("scan.startup.binlog-file"),
            OptionSpec::Integer("scan.startup.binlog-position", 0),
            OptionSpec::Of("connect.timeout", ValueKind::kDuration),
            OptionSpec::OneOf("zero-date", {"null", "error"}),
            OptionSpec::OneOf("on-binlog-gap", {"fail", "resnapshot"}),
        });
    info.options.conditionals = {
        {"scan.startup.mode", "gtid", "scan.startup.gtid"},
        {"scan.startup.mode", "binlog-position", "scan.startup.binlog-file"},
        {"scan.startup.mode", "binlog-position",
         "scan.startup.binlog-position"},
    };
    info.explain_options = {"table"};
    info.table_key_message =
        "a mysql-cdc TABLE needs the PRIMARY KEY of the MySQL table, as in "
        "PRIMARY KEY (id); changes are matched by it";
    info.insert_hint = " read from MySQL (write to the MySQL table instead)";
    return info;
  }

  TableSchemaReader reader_;
};

/// mysql sinks in a session: each query's sink is readied (its table
/// created or checked) before its tasks open their writers, which share
/// one committer.
class MySqlSinkSession : public catalog::ConnectorSession {
 public:
  absl::StatusOr<catalog::SourceOpener> PrepareSource(
      const catalog::Entry& entry,
      const catalog::QueryContext& context) override {
    return absl::FailedPreconditionError(fmt::format(
        "'{}' writes to MySQL; it cannot be read", entry.name));
  }

  absl::StatusOr<catalog::SinkOpener> PrepareSink(
      const catalog::Entry& target,
      const catalog::QueryContext& context) override {
    if (!context.checkpoints) {
      return absl::FailedPreconditionError(fmt::format(
          "sink '{}': a MySQL sink writes once per checkpoint, and this query "
          "takes none",
          target.name));
    }
    WEIR_ASSIGN_OR_RETURN(MySqlSinkConfig prepared, PrepareMySqlSink(target));
    if (prepared.created && context.notes != nullptr) {
      *context.notes += fmt::format("Created MySQL table '{}.{}' at {}.\n",
                                    prepared.database, prepared.table,
                                    prepared.connection.Describe());
    }
    auto config =
        std::make_shared<const MySqlSinkConfig>(std::move(prepared));
    auto committer = std::make_shared<std::shared_ptr<exec::SinkCommitter>>();
    return catalog::SinkOpener(
        [config, committer](const catalog::Entry&,
                            std::shared_ptr<const types::Schema> schema, int,
                            int) {
          return OpenMySqlSink(config, std::move(schema), committer.get());
        });
  }
};

class MySqlSinkConnector : public catalog::Connector {
 public:
  MySqlSinkConnector() : Connector(Info()) {}

  std::unique_ptr<catalog::ConnectorSession> NewSession() const override {
    return std::make_unique<MySqlSinkSession>();
  }

  std::string TargetNote(const catalog::Entry& target) const override {
    return fmt::format(" (MySQL table '{}.{}')",
                       target.Option("database").value_or(""),
                       target.Option("table").value_or(target.name));
  }

  /// Updates and deletes are applied by key: a changelog needs one, or
  /// to be one row (a global aggregate, which replaces the table's row).
  absl::Status CheckSinkInput(const catalog::Entry& sink,
                              const catalog::SinkInput& input) const override {
    if (input.append_only || !input.unique_key.empty() || input.one_row) {
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError(
        "a MySQL sink applies updates and deletes by key, but this input is a "
        "changelog with no unique key; aggregate it with GROUP BY or sink a "
        "view that has a key");
  }

 private:
  static catalog::ConnectorInfo Info() {
    catalog::ConnectorInfo info;
    info.name = "mysql";
    info.display_name = "MySQL";
    info.sink = true;
    info.runs_sink = true;
    info.options.options = ServerOptions();
    info.options.options.push_back(OptionSpec::Integer("sink.batch-size", 1));
    info.options.options.push_back(
        OptionSpec::Of("sink.create-table", ValueKind::kBoolean));
    info.options.options.push_back(
        OptionSpec::Of("sink.retry-timeout", ValueKind::kDuration));
    info.options.options.push_back(
        OptionSpec::Of("connect.timeout", ValueKind::kDuration));
    info.explain_options = {"table"};
    return info;
  }
};

}  // namespace

absl::StatusOr<TableSchema> ReadEntrySchema(const catalog::Entry& entry) {
  const ConnectionOptions options =
      ConnectionOptions::FromOptions(entry.options);
  return ReadTableSchema(options, entry.Option("table").value_or(entry.name));
}

std::unique_ptr<catalog::Connector> NewMySqlCdcConnector(
    TableSchemaReader reader) {
  return std::make_unique<MySqlCdcConnector>(std::move(reader));
}

std::unique_ptr<catalog::Connector> NewMySqlSinkConnector() {
  return std::make_unique<MySqlSinkConnector>();
}

}  // namespace weir::connectors::mysql
