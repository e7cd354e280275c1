#pragma once

// connector = 'mysql-cdc' (a TABLE over a MySQL table's snapshot and
// binlog) and connector = 'mysql' (a SINK keeping a MySQL table up to
// date): their options, the columns read from MySQL, their rules. Both
// run: cdc_source.h opens the source, mysql_sink.h the sink.

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "connectors/mysql/schema_reader.h"
#include "engine/catalog/catalog.h"
#include "engine/catalog/connector.h"

namespace weir::connectors::mysql {

/// Reads the columns and primary key of the MySQL table behind a
/// mysql-cdc `entry` (its options name the server and the table).
using TableSchemaReader =
    std::function<absl::StatusOr<TableSchema>(const catalog::Entry& entry)>;

/// The reader that asks the server named by the entry's options.
absl::StatusOr<TableSchema> ReadEntrySchema(const catalog::Entry& entry);

/// The mysql-cdc connector, to register once. A TABLE declared without
/// columns gets them from `reader` when the session connects to outside
/// systems, else when first opened.
std::unique_ptr<catalog::Connector> NewMySqlCdcConnector(
    TableSchemaReader reader = ReadEntrySchema);

/// The mysql sink connector, to register once.
std::unique_ptr<catalog::Connector> NewMySqlSinkConnector();

}  // namespace weir::connectors::mysql
