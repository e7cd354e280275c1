#define BOOST_TEST_MODULE catalog_test
#include "engine/catalog/catalog.h"

#include <boost/test/unit_test.hpp>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "connectors/registry.h"
#include "engine/catalog/connector_options.h"

namespace weir::catalog {

std::ostream& operator<<(std::ostream& os, EntryKind kind) {
  return os << EntryKindName(kind);
}

namespace {

using Options = std::vector<std::pair<std::string, std::string>>;

Entry MakeEntry(std::string name, EntryKind kind,
                std::vector<std::string> depends_on = {}) {
  Entry entry;
  entry.name = std::move(name);
  entry.kind = kind;
  entry.schema.Add(types::Field{"auction", types::LogicalType::Bigint()});
  entry.schema.Add(types::Field{"price", types::LogicalType::Bigint()});
  entry.depends_on = std::move(depends_on);
  entry.options = {{"connector", "kafka"}, {"topic", "bids"}};
  entry.connector = "kafka";
  return entry;
}

// A catalog with stream `bids` and view `big_bids` reading it.
struct CatalogFixture {
  CatalogFixture() : catalog(NewInMemoryCatalog()) {
    BOOST_REQUIRE(
        catalog->Create(MakeEntry("bids", EntryKind::kStream), false).ok());
    BOOST_REQUIRE(
        catalog
            ->Create(MakeEntry("big_bids", EntryKind::kView, {"bids"}), false)
            .ok());
  }
  std::unique_ptr<Catalog> catalog;
};

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(catalog)

BOOST_AUTO_TEST_CASE(kind_names) {
  BOOST_TEST(EntryKindName(EntryKind::kStream) == "STREAM");
  BOOST_TEST(EntryKindName(EntryKind::kTable) == "TABLE");
  BOOST_TEST(EntryKindName(EntryKind::kView) == "MATERIALIZED VIEW");
  BOOST_TEST(EntryKindName(EntryKind::kSink) == "SINK");
}

BOOST_FIXTURE_TEST_CASE(find_is_case_insensitive, CatalogFixture) {
  const Entry* entry = catalog->Find("BIDS");
  BOOST_REQUIRE(entry != nullptr);
  BOOST_TEST(entry->name == "bids");
  BOOST_TEST(entry->schema.size() == 2u);
  BOOST_TEST(catalog->Find("nothing") == nullptr);
  BOOST_TEST(entry->Option("TOPIC").value_or("") == "bids");
  BOOST_TEST(!entry->Option("format").has_value());
}

BOOST_FIXTURE_TEST_CASE(create_existing, CatalogFixture) {
  absl::Status status =
      catalog->Create(MakeEntry("Bids", EntryKind::kStream), false);
  BOOST_TEST(status.code() == absl::StatusCode::kAlreadyExists);
  BOOST_TEST(status.message() == "a stream named 'bids' already exists");
  // One namespace across kinds.
  status = catalog->Create(MakeEntry("BIG_BIDS", EntryKind::kTable), false);
  BOOST_TEST(status.message() ==
             "a materialized view named 'big_bids' already exists");
  // IF NOT EXISTS: OK and nothing changes.
  Entry other = MakeEntry("bids", EntryKind::kTable);
  BOOST_TEST(catalog->Create(std::move(other), true).ok());
  BOOST_TEST(catalog->Find("bids")->kind == EntryKind::kStream);
}

BOOST_FIXTURE_TEST_CASE(create_or_replace, CatalogFixture) {
  Entry view = MakeEntry("big_bids", EntryKind::kView, {"bids"});
  view.query_text = "SELECT * FROM bids WHERE price > 10";
  BOOST_TEST(catalog->Create(std::move(view), false, true).ok());
  BOOST_TEST(catalog->Find("big_bids")->query_text ==
             "SELECT * FROM bids WHERE price > 10");
  // Not across kinds.
  absl::Status status =
      catalog->Create(MakeEntry("big_bids", EntryKind::kSink), false, true);
  BOOST_TEST(status.message() ==
             "a materialized view named 'big_bids' already exists");
  // Not while something depends on it.
  status = catalog->Create(MakeEntry("bids", EntryKind::kStream), false, true);
  BOOST_TEST(status.code() == absl::StatusCode::kFailedPrecondition);
  BOOST_TEST(status.message() ==
             "cannot replace stream 'bids': materialized view 'big_bids' "
             "depends on it");
}

BOOST_FIXTURE_TEST_CASE(create_with_missing_dependency, CatalogFixture) {
  absl::Status status =
      catalog->Create(MakeEntry("v", EntryKind::kView, {"bidz"}), false);
  BOOST_TEST(status.code() == absl::StatusCode::kNotFound);
  BOOST_TEST(status.message() ==
             "materialized view 'v' reads 'bidz', which does not exist; did "
             "you mean 'bids'?");
}

BOOST_AUTO_TEST_CASE(create_without_name) {
  auto catalog = NewInMemoryCatalog();
  BOOST_TEST(catalog->Create(MakeEntry("", EntryKind::kStream), false).code() ==
             absl::StatusCode::kInvalidArgument);
}

BOOST_FIXTURE_TEST_CASE(drop_missing, CatalogFixture) {
  absl::Status status = catalog->Drop("bidz", EntryKind::kStream, false);
  BOOST_TEST(status.code() == absl::StatusCode::kNotFound);
  BOOST_TEST(status.message() ==
             "stream 'bidz' does not exist; did you mean 'bids'?");
  status = catalog->Drop("zzz", EntryKind::kSink, false);
  BOOST_TEST(status.message() == "sink 'zzz' does not exist");
  BOOST_TEST(catalog->Drop("zzz", EntryKind::kSink, true).ok());
}

BOOST_FIXTURE_TEST_CASE(drop_wrong_kind, CatalogFixture) {
  absl::Status status = catalog->Drop("bids", EntryKind::kTable, false);
  BOOST_TEST(status.code() == absl::StatusCode::kInvalidArgument);
  BOOST_TEST(status.message() ==
             "'bids' is a STREAM, not a TABLE; use DROP STREAM");
  status = catalog->Drop("big_bids", EntryKind::kStream, true);
  BOOST_TEST(status.message() ==
             "'big_bids' is a MATERIALIZED VIEW, not a STREAM; use DROP "
             "MATERIALIZED VIEW");
}

BOOST_FIXTURE_TEST_CASE(drop_with_dependents, CatalogFixture) {
  absl::Status status = catalog->Drop("bids", EntryKind::kStream, false);
  BOOST_TEST(status.code() == absl::StatusCode::kFailedPrecondition);
  BOOST_TEST(status.message() ==
             "cannot drop stream 'bids': materialized view 'big_bids' "
             "depends on it");
  BOOST_REQUIRE(
      catalog->Create(MakeEntry("out", EntryKind::kSink, {"BIDS"}), false)
          .ok());
  status = catalog->Drop("bids", EntryKind::kStream, false);
  BOOST_TEST(status.message() ==
             "cannot drop stream 'bids': materialized view 'big_bids' and "
             "sink 'out' depend on it");
  BOOST_TEST((catalog->Dependents("Bids") ==
              std::vector<std::string>{"big_bids", "out"}));
  // Dropping the dependents first frees it.
  BOOST_TEST(catalog->Drop("out", EntryKind::kSink, false).ok());
  BOOST_TEST(catalog->Drop("Big_Bids", EntryKind::kView, false).ok());
  BOOST_TEST(catalog->Dependents("bids").empty());
  BOOST_TEST(catalog->Drop("bids", EntryKind::kStream, false).ok());
  BOOST_TEST(catalog->Find("bids") == nullptr);
}

BOOST_FIXTURE_TEST_CASE(drop_read_by_query, CatalogFixture) {
  const std::string id = catalog->AddQuery(
      "SELECT * FROM big_bids EMIT CHANGES", "(client)", {"BIG_BIDS"});
  absl::Status status = catalog->Drop("big_bids", EntryKind::kView, false);
  BOOST_TEST(status.code() == absl::StatusCode::kFailedPrecondition);
  BOOST_TEST(status.message() ==
             "cannot drop materialized view 'big_bids': running query q1 "
             "reads it; TERMINATE q1 first");
  BOOST_TEST(catalog->RemoveQuery(id).ok());
  BOOST_TEST(catalog->Drop("big_bids", EntryKind::kView, false).ok());
}

BOOST_AUTO_TEST_CASE(list_sorted_by_name) {
  auto catalog = NewInMemoryCatalog();
  for (const char* name : {"zeta", "Alpha", "mid"}) {
    BOOST_REQUIRE(
        catalog->Create(MakeEntry(name, EntryKind::kStream), false).ok());
  }
  BOOST_REQUIRE(catalog->Create(MakeEntry("t", EntryKind::kTable), false).ok());
  std::vector<std::string> names;
  for (const Entry* e : catalog->List(EntryKind::kStream)) {
    names.push_back(e->name);
  }
  BOOST_TEST((names == std::vector<std::string>{"Alpha", "mid", "zeta"}));
  BOOST_TEST(catalog->List(EntryKind::kTable).size() == 1u);
  BOOST_TEST(catalog->List(EntryKind::kSink).empty());
}

BOOST_AUTO_TEST_CASE(queries) {
  auto catalog = NewInMemoryCatalog();
  BOOST_TEST(catalog->AddQuery("SELECT 1", "(client)", {}) == "q1");
  BOOST_TEST(catalog->AddQuery("SELECT 2", "v", {}) == "q2");
  BOOST_TEST(catalog->AddQuery("SELECT 3", "(client)", {}) == "q3");
  BOOST_TEST(catalog->RemoveQuery("q2").ok());
  absl::Status status = catalog->RemoveQuery("q9");
  BOOST_TEST(status.code() == absl::StatusCode::kNotFound);
  BOOST_TEST(status.message() == "no query 'q9'");
  BOOST_TEST(catalog->RemoveQuery("q2").message() == "no query 'q2'");
  BOOST_TEST(catalog->RemoveQuery("x").message() == "no query 'x'");
  // Ids are never reused.
  BOOST_TEST(catalog->AddQuery("SELECT 4", "(client)", {}) == "q4");
  std::vector<QueryInfo> list = catalog->ListQueries();
  BOOST_REQUIRE(list.size() == 3u);
  BOOST_TEST(list[0].id == "q1");
  BOOST_TEST(list[1].id == "q3");
  BOOST_TEST(list[2].id == "q4");
  BOOST_TEST(list[2].sql == "SELECT 4");
  BOOST_TEST(list[0].state == "RUNNING");
  BOOST_TEST(catalog->RemoveQuery("Q3").ok());
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
// Connector options.

// The built-in connectors' options, as the binder checks them.
absl::Status ValidateOptions(OptionUse use, const Options& options,
                             int* bad_key) {
  return ValidateOptions(*connectors::BuiltinConnectors(), use, options,
                         bad_key);
}

std::vector<std::string> ConnectorNames() {
  return connectors::BuiltinConnectors()->Names();
}

// The message of ValidateOptions, or "OK"; `bad_key` receives the index.
std::string Check(OptionUse use, const Options& options,
                  int* bad_key = nullptr) {
  absl::Status status = ValidateOptions(use, options, bad_key);
  return status.ok() ? "OK" : std::string(status.message());
}

BOOST_AUTO_TEST_SUITE(connector_options)

BOOST_AUTO_TEST_CASE(connector_names) {
  BOOST_TEST((ConnectorNames() ==
              std::vector<std::string>{"kafka", "mysql-cdc", "mysql", "datagen",
                                       "nexmark", "print", "blackhole"}));
}

BOOST_AUTO_TEST_CASE(missing_and_unknown_connector) {
  int bad = 7;
  BOOST_TEST(Check(OptionUse::kSource, {{"topic", "t"}}, &bad) ==
             "missing option 'connector'; expected one of: kafka, mysql-cdc, "
             "mysql, datagen, nexmark, print, blackhole");
  BOOST_TEST(bad == -1);
  BOOST_TEST(Check(OptionUse::kSource, {{"topic", "t"}, {"connector", "kafak"}},
                   &bad) == "unknown connector 'kafak'; did you mean 'kafka'?");
  BOOST_TEST(bad == 1);
  BOOST_TEST(Check(OptionUse::kSource, {{"connector", "postgres"}}) ==
             "unknown connector 'postgres'; expected one of: kafka, "
             "mysql-cdc, mysql, datagen, nexmark, print, blackhole");
  // Connector names are case-insensitive.
  BOOST_TEST(Check(OptionUse::kSource,
                   {{"connector", "KAFKA"}, {"topic", "t"}}) == "OK");
}

BOOST_AUTO_TEST_CASE(duplicate_key) {
  int bad = -1;
  BOOST_TEST(Check(OptionUse::kSource,
                   {{"connector", "kafka"}, {"topic", "a"}, {"topic", "b"}},
                   &bad) == "option 'topic' is given twice");
  BOOST_TEST(bad == 2);
}

BOOST_AUTO_TEST_CASE(wrong_use) {
  int bad = -1;
  BOOST_TEST(Check(OptionUse::kSource, {{"connector", "mysql"}, {"host", "h"}},
                   &bad) ==
             "connector 'mysql' is a sink; it cannot be read as a source");
  BOOST_TEST(bad == 0);
  BOOST_TEST(Check(OptionUse::kTableSource, {{"connector", "print"}}) ==
             "connector 'print' is a sink; it cannot be read as a source");
  BOOST_TEST(Check(OptionUse::kSource, {{"connector", "mysql-cdc"}}) ==
             "connector 'mysql-cdc' can only back a TABLE (it produces a "
             "changelog); use CREATE TABLE");
  BOOST_TEST(Check(OptionUse::kSink, {{"connector", "mysql-cdc"}}) ==
             "connector 'mysql-cdc' is a source; it cannot be written as a "
             "sink");
  BOOST_TEST(Check(OptionUse::kSink, {{"connector", "datagen"}}) ==
             "connector 'datagen' is a source; it cannot be written as a "
             "sink");
  BOOST_TEST(Check(OptionUse::kTableSource,
                   {{"connector", "nexmark"}, {"table", "bid"}}) ==
             "connector 'nexmark' produces an append-only stream and cannot "
             "back a TABLE; use CREATE STREAM");
}

BOOST_AUTO_TEST_CASE(kafka_good) {
  BOOST_TEST(
      Check(OptionUse::kSource, {{"connector", "kafka"},
                                 {"topic", "bids"},
                                 {"format", "json"},
                                 {"bootstrap.servers", "127.0.0.1:9092"},
                                 {"properties.security.protocol", "SASL_SSL"},
                                 {"properties.sasl.mechanism", "PLAIN"},
                                 {"scan.startup.mode", "earliest-offset"},
                                 {"group.id", "weir"},
                                 {"key.format", "raw"},
                                 {"key.fields", "auction"},
                                 {"value.fields-include", "EXCEPT_KEY"},
                                 {"format.on-error", "skip"},
                                 {"partitions", "4"},
                                 {"csv.delimiter", ";"}}) == "OK");
  BOOST_TEST(Check(OptionUse::kSource, {{"connector", "kafka"},
                                        {"topic", "bids"},
                                        {"scan.startup.mode", "timestamp"},
                                        {"scan.startup.timestamp-millis",
                                         "1767225600000"}}) == "OK");
  BOOST_TEST(Check(OptionUse::kSource,
                   {{"connector", "kafka"},
                    {"topic", "bids"},
                    {"scan.startup.mode", "specific-offsets"},
                    {"scan.startup.specific-offsets",
                     "partition:0,offset:42;partition:1,offset:7"}}) == "OK");
  BOOST_TEST(Check(OptionUse::kSource, {{"connector", "kafka"},
                                        {"topic", "bids"},
                                        {"format", "CSV"},
                                        {"csv.delimiter", "\\t"},
                                        {"format.on-error", "dlq"},
                                        {"format.dlq.topic", "bids_dlq"}}) ==
             "OK");
  BOOST_TEST(Check(OptionUse::kSink, {{"connector", "kafka"},
                                      {"topic", "out"},
                                      {"format", "debezium-json"},
                                      {"partitions", "1"}}) == "OK");
  BOOST_TEST(Check(OptionUse::kTableSource, {{"connector", "kafka"},
                                             {"topic", "users"},
                                             {"format", "debezium-json"}}) ==
             "OK");
}

BOOST_AUTO_TEST_CASE(kafka_bad) {
  int bad = -1;
  BOOST_TEST(Check(OptionUse::kSource,
                   {{"connector", "kafka"}, {"tpoic", "bids"}}, &bad) ==
             "unknown option 'tpoic' for connector 'kafka'; did you mean "
             "'topic'?");
  BOOST_TEST(bad == 1);
  BOOST_TEST(Check(OptionUse::kSource,
                   {{"connector", "kafka"}, {"topic", "t"}, {"zzz", "1"}}) ==
             "unknown option 'zzz' for connector 'kafka'; it accepts topic, "
             "format, bootstrap.servers, scan.startup.mode, "
             "scan.startup.timestamp-millis, scan.startup.specific-offsets, "
             "group.id, key.format, key.fields, value.fields-include, "
             "format.on-error, format.dlq.topic, partitions, csv.delimiter, "
             "sink.delivery-guarantee "
             "and properties.*");
  BOOST_TEST(Check(OptionUse::kSource, {{"connector", "kafka"}}, &bad) ==
             "connector 'kafka' needs option 'topic'");
  BOOST_TEST(bad == -1);
  BOOST_TEST(
      Check(OptionUse::kSource, {{"connector", "kafka"}, {"topic", ""}}) ==
      "option 'topic' must not be empty");
  BOOST_TEST(Check(OptionUse::kSource,
                   {{"connector", "kafka"}, {"topic", "t"}, {"format", "jsn"}},
                   &bad) ==
             "option 'format' must be one of json, csv, avro, debezium-json, "
             "raw, got 'jsn'; did you mean 'json'?");
  BOOST_TEST(bad == 2);
  BOOST_TEST(
      Check(OptionUse::kSource,
            {{"connector", "kafka"}, {"topic", "t"}, {"format", "protobuf"}}) ==
      "option 'format' must be one of json, csv, avro, debezium-json, "
      "raw, got 'protobuf'");
  BOOST_TEST(Check(OptionUse::kSource, {{"connector", "kafka"},
                                        {"topic", "t"},
                                        {"scan.startup.mode", "earliest"}}) ==
             "option 'scan.startup.mode' must be one of earliest-offset, "
             "latest-offset, group-offsets, timestamp, specific-offsets, got "
             "'earliest'; did you mean 'earliest-offset'?");
  BOOST_TEST(Check(OptionUse::kSource,
                   {{"connector", "kafka"},
                    {"topic", "t"},
                    {"scan.startup.mode", "timestamp"}},
                   &bad) ==
             "option 'scan.startup.timestamp-millis' is required when "
             "'scan.startup.mode' = 'timestamp'");
  BOOST_TEST(bad == -1);
  BOOST_TEST(
      Check(OptionUse::kSource, {{"connector", "kafka"},
                                 {"topic", "t"},
                                 {"scan.startup.mode", "timestamp"},
                                 {"scan.startup.timestamp-millis", "12abc"}}) ==
      "option 'scan.startup.timestamp-millis' must be an integer >= "
      "0, got '12abc'");
  BOOST_TEST(Check(OptionUse::kSource,
                   {{"connector", "kafka"},
                    {"topic", "t"},
                    {"scan.startup.timestamp-millis", "12"}},
                   &bad) ==
             "option 'scan.startup.timestamp-millis' is only used when "
             "'scan.startup.mode' = 'timestamp'");
  BOOST_TEST(bad == 2);
  BOOST_TEST(
      Check(OptionUse::kSource, {{"connector", "kafka"},
                                 {"topic", "t"},
                                 {"scan.startup.mode", "specific-offsets"}}) ==
      "option 'scan.startup.specific-offsets' is required when "
      "'scan.startup.mode' = 'specific-offsets'");
  BOOST_TEST(
      Check(OptionUse::kSource, {{"connector", "kafka"},
                                 {"topic", "t"},
                                 {"scan.startup.mode", "specific-offsets"},
                                 {"scan.startup.specific-offsets", "0:42"}}) ==
      "option 'scan.startup.specific-offsets' must be like "
      "'partition:0,offset:42;partition:1,offset:7', got '0:42'");
  // The DLQ topic defaults to "<topic>.dlq", and is only for 'dlq'.
  BOOST_TEST(Check(OptionUse::kSource, {{"connector", "kafka"},
                                        {"topic", "t"},
                                        {"format.on-error", "dlq"}}) == "OK");
  BOOST_TEST(Check(OptionUse::kSource,
                   {{"connector", "kafka"},
                    {"topic", "t"},
                    {"format.on-error", "skip"},
                    {"format.dlq.topic", "t_dlq"}},
                   &bad) ==
             "option 'format.dlq.topic' is only used when 'format.on-error' = "
             "'dlq' or 'late-rows' = 'dlq'");
  BOOST_TEST(bad == 3);
  // Late rows go to the same DLQ topic.
  BOOST_TEST(Check(OptionUse::kSource, {{"connector", "kafka"},
                                        {"topic", "t"},
                                        {"late-rows", "dlq"},
                                        {"format.dlq.topic", "t_late"}}) ==
             "OK");
  BOOST_TEST(Check(OptionUse::kSource,
                   {{"connector", "kafka"},
                    {"topic", "t"},
                    {"late-rows", "drop"},
                    {"format.dlq.topic", "t_late"}},
                   &bad) ==
             "option 'format.dlq.topic' is only used when 'format.on-error' = "
             "'dlq' or 'late-rows' = 'dlq'");
  BOOST_TEST(bad == 3);
  BOOST_TEST(
      Check(OptionUse::kSource,
            {{"connector", "kafka"}, {"topic", "t"}, {"partitions", "0"}}) ==
      "option 'partitions' must be an integer >= 1, got '0'");
  BOOST_TEST(
      Check(OptionUse::kSource,
            {{"connector", "kafka"}, {"topic", "t"}, {"partitions", " 4"}}) ==
      "option 'partitions' must be an integer >= 1, got ' 4'");
  BOOST_TEST(Check(OptionUse::kSource, {{"connector", "kafka"},
                                        {"topic", "t"},
                                        {"csv.delimiter", ";;"}}) ==
             "option 'csv.delimiter' must be a single character, got ';;'");
  BOOST_TEST(
      Check(OptionUse::kSource,
            {{"connector", "kafka"}, {"topic", "t"}, {"properties.", "x"}}) ==
      "option 'properties.' needs a name after the 'properties.'");
  BOOST_TEST(Check(OptionUse::kSink,
                   {{"connector", "kafka"},
                    {"topic", "t"},
                    {"scan.startup.mode", "latest-offset"}},
                   &bad) ==
             "option 'scan.startup.mode' applies only when connector 'kafka' "
             "is read, not to a sink");
  BOOST_TEST(bad == 2);
  BOOST_TEST(
      Check(OptionUse::kSink,
            {{"connector", "kafka"}, {"topic", "t"}, {"group.id", "g"}}) ==
      "option 'group.id' applies only when connector 'kafka' is read, "
      "not to a sink");
}

BOOST_AUTO_TEST_CASE(mysql_cdc_good) {
  BOOST_TEST(
      Check(OptionUse::kTableSource, {{"connector", "mysql-cdc"},
                                      {"host", "127.0.0.1"},
                                      {"port", "3306"},
                                      {"user", "weir"},
                                      {"password", "secret"},
                                      {"database", "shop"},
                                      {"table", "orders"},
                                      {"server-id", "5400"},
                                      {"scan.snapshot.chunk-size", "8096"},
                                      {"scan.startup.mode", "initial"},
                                      {"connect.timeout", "30s"}}) == "OK");
  BOOST_TEST(Check(OptionUse::kTableSource,
                   {{"connector", "mysql-cdc"},
                    {"host", "h"},
                    {"user", "u"},
                    {"database", "d"},
                    {"table", "t"},
                    {"scan.startup.mode", "binlog-position"},
                    {"scan.startup.binlog-file", "mysql-bin.000003"},
                    {"scan.startup.binlog-position", "4"},
                    {"connect.timeout", "500 ms"}}) == "OK");
  BOOST_TEST(Check(OptionUse::kTableSource,
                   {{"connector", "mysql-cdc"},
                    {"host", "h"},
                    {"user", "u"},
                    {"database", "d"},
                    {"table", "t"},
                    {"scan.startup.mode", "GTID"},
                    {"scan.startup.gtid", "0-1-42"}}) == "OK");
}

BOOST_AUTO_TEST_CASE(mysql_cdc_bad) {
  const Options base = {{"connector", "mysql-cdc"},
                        {"host", "h"},
                        {"user", "u"},
                        {"database", "d"},
                        {"table", "t"}};
  auto with = [&](std::string key, std::string value) {
    Options options = base;
    options.emplace_back(std::move(key), std::move(value));
    return options;
  };
  int bad = -1;
  BOOST_TEST(Check(OptionUse::kTableSource,
                   {{"connector", "mysql-cdc"},
                    {"host", "h"},
                    {"user", "u"},
                    {"database", "d"}},
                   &bad) == "connector 'mysql-cdc' needs option 'table'");
  BOOST_TEST(bad == -1);
  BOOST_TEST(Check(OptionUse::kTableSource, with("port", "abc"), &bad) ==
             "option 'port' must be an integer between 1 and 65535, got "
             "'abc'");
  BOOST_TEST(bad == 5);
  BOOST_TEST(Check(OptionUse::kTableSource, with("port", "65536")) ==
             "option 'port' must be an integer between 1 and 65535, got "
             "'65536'");
  BOOST_TEST(Check(OptionUse::kTableSource, with("server-id", "x")) ==
             "option 'server-id' must be an integer between 1 and "
             "4294967295, got 'x'");
  BOOST_TEST(
      Check(OptionUse::kTableSource, with("scan.snapshot.chunk-size", "0")) ==
      "option 'scan.snapshot.chunk-size' must be an integer >= 1, got "
      "'0'");
  BOOST_TEST(
      Check(OptionUse::kTableSource, with("scan.startup.mode", "snapshot")) ==
      "option 'scan.startup.mode' must be one of initial, "
      "latest-offset, gtid, binlog-position, got 'snapshot'");
  BOOST_TEST(
      Check(OptionUse::kTableSource, with("scan.startup.mode", "gtid")) ==
      "option 'scan.startup.gtid' is required when 'scan.startup.mode' "
      "= 'gtid'");
  BOOST_TEST(Check(OptionUse::kTableSource,
                   with("scan.startup.binlog-position", "-1")) ==
             "option 'scan.startup.binlog-position' must be an integer >= 0, "
             "got '-1'");
  BOOST_TEST(Check(OptionUse::kTableSource, with("connect.timeout", "30")) ==
             "option 'connect.timeout' must be a duration like '30s' or "
             "'500ms', got '30'");
  BOOST_TEST(
      Check(OptionUse::kTableSource, with("connect.timeout", "30 parsecs")) ==
      "option 'connect.timeout' must be a duration like '30s' or "
      "'500ms', got '30 parsecs'");
  BOOST_TEST(Check(OptionUse::kTableSource, with("hostname", "x")) ==
             "unknown option 'hostname' for connector 'mysql-cdc'; did you "
             "mean 'host'?");
  BOOST_TEST(Check(OptionUse::kTableSource, with("pasword", "x")) ==
             "unknown option 'pasword' for connector 'mysql-cdc'; did you "
             "mean 'password'?");
}

BOOST_AUTO_TEST_CASE(mysql_sink) {
  const Options good = {{"connector", "mysql"},
                        {"host", "127.0.0.1"},
                        {"port", "3306"},
                        {"user", "weir"},
                        {"password", "pw"},
                        {"database", "analytics"},
                        {"table", "revenue"},
                        {"sink.batch-size", "500"},
                        {"sink.create-table", "TRUE"}};
  BOOST_TEST(Check(OptionUse::kSink, good) == "OK");
  Options bad_bool = good;
  bad_bool.back().second = "yes";
  BOOST_TEST(Check(OptionUse::kSink, bad_bool) ==
             "option 'sink.create-table' must be true or false, got 'yes'");
  Options bad_batch = good;
  bad_batch[7].second = "0";
  BOOST_TEST(Check(OptionUse::kSink, bad_batch) ==
             "option 'sink.batch-size' must be an integer >= 1, got '0'");
  BOOST_TEST(Check(OptionUse::kSink, {{"connector", "mysql"},
                                      {"host", "h"},
                                      {"user", "u"},
                                      {"table", "t"}}) ==
             "connector 'mysql' needs option 'database'");
  BOOST_TEST(Check(OptionUse::kSink, {{"connector", "mysql"},
                                      {"host", "h"},
                                      {"user", "u"},
                                      {"database", "d"},
                                      {"table", "t"},
                                      {"server-id", "1"}}) ==
             "unknown option 'server-id' for connector 'mysql'; it accepts "
             "host, user, database, table, port, password, sink.batch-size, "
             "sink.create-table, sink.retry-timeout, connect.timeout");
}

BOOST_AUTO_TEST_CASE(datagen) {
  BOOST_TEST(Check(OptionUse::kSource, {{"connector", "datagen"},
                                        {"rows-per-second", "1000"},
                                        {"number-of-rows", "0"},
                                        {"seed", "-7"},
                                        {"fields.id.kind", "sequence"},
                                        {"fields.id.start", "1"},
                                        {"fields.id.end", "1000"},
                                        {"fields.price.min", "1.5"},
                                        {"fields.price.max", "99"},
                                        {"fields.price.null-rate", "0.1"},
                                        {"fields.name.length", "12"}}) == "OK");
  int bad = -1;
  BOOST_TEST(Check(OptionUse::kSource,
                   {{"connector", "datagen"}, {"rows-per-second", "-1"}}) ==
             "option 'rows-per-second' must be an integer >= 0, got '-1'");
  BOOST_TEST(
      Check(OptionUse::kSource, {{"connector", "datagen"}, {"seed", "1.5"}}) ==
      "option 'seed' must be an integer, got '1.5'");
  BOOST_TEST(Check(OptionUse::kSource,
                   {{"connector", "datagen"}, {"fields.id.kind", "rnd"}}) ==
             "option 'fields.id.kind' must be one of random, sequence, got "
             "'rnd'");
  BOOST_TEST(Check(OptionUse::kSource,
                   {{"connector", "datagen"}, {"fields.id.mn", "1"}}, &bad) ==
             "unknown option 'fields.id.mn' for connector 'datagen'; did you "
             "mean 'fields.id.min'?");
  BOOST_TEST(bad == 1);
  BOOST_TEST(Check(OptionUse::kSource,
                   {{"connector", "datagen"}, {"fields.id", "1"}}) ==
             "option 'fields.id' for connector 'datagen' must look like "
             "'fields.<column>.<attribute>' with attribute one of kind, min, "
             "max, start, end, length, null-rate");
  BOOST_TEST(
      Check(OptionUse::kSource,
            {{"connector", "datagen"}, {"fields.price.min", "abc"}}) ==
      "option 'fields.price.min' must be a number, or a date or time like "
      "'2026-01-01 00:00:00', got 'abc'");
  // Bounds of time columns are written as literals.
  BOOST_TEST(
      Check(OptionUse::kSource, {{"connector", "datagen"},
                                 {"fields.ts.min", "2026-01-01 00:00:00"},
                                 {"fields.ts.max", "2026-01-02"}}) == "OK");
  BOOST_TEST(Check(OptionUse::kSource, {{"connector", "datagen"},
                                        {"fields.price.null-rate", "2"}}) ==
             "option 'fields.price.null-rate' must be a number between 0 and "
             "1, got '2'");
  BOOST_TEST(Check(OptionUse::kSource,
                   {{"connector", "datagen"},
                    {"fields.price.max", "5"},
                    {"fields.price.min", "10"}},
                   &bad) ==
             "option 'fields.price.min' (10) is greater than "
             "'fields.price.max' (5)");
  BOOST_TEST(bad == 2);
  BOOST_TEST(Check(OptionUse::kSource,
                   {{"connector", "datagen"}, {"rows_per_second", "5"}}) ==
             "unknown option 'rows_per_second' for connector 'datagen'; did "
             "you mean 'rows-per-second'?");
}

BOOST_AUTO_TEST_CASE(nexmark) {
  BOOST_TEST(Check(OptionUse::kSource,
                   {{"connector", "nexmark"},
                    {"table", "bid"},
                    {"events-per-second", "10000"},
                    {"max-events", "1000000"},
                    {"seed", "42"},
                    {"first-event-time", "2026-01-01 00:00:00"}}) == "OK");
  BOOST_TEST(Check(OptionUse::kSource,
                   {{"connector", "nexmark"},
                    {"table", "person"},
                    {"first-event-time", "2026-01-01T00:00:00.123"}}) == "OK");
  BOOST_TEST(Check(OptionUse::kSource, {{"connector", "nexmark"}}) ==
             "connector 'nexmark' needs option 'table'");
  BOOST_TEST(Check(OptionUse::kSource,
                   {{"connector", "nexmark"}, {"table", "bids"}}) ==
             "option 'table' must be one of person, auction, bid, got 'bids'; "
             "did you mean 'bid'?");
  BOOST_TEST(Check(OptionUse::kSource, {{"connector", "nexmark"},
                                        {"table", "bid"},
                                        {"max-events", "many"}}) ==
             "option 'max-events' must be an integer >= 0, got 'many'");
  BOOST_TEST(Check(OptionUse::kSource, {{"connector", "nexmark"},
                                        {"table", "bid"},
                                        {"first-event-time", "2026-13-01"}}) ==
             "option 'first-event-time' must be a timestamp like '2026-01-01 "
             "00:00:00', got '2026-13-01'");
}

BOOST_AUTO_TEST_CASE(print_and_blackhole) {
  BOOST_TEST(Check(OptionUse::kSink,
                   {{"connector", "print"}, {"prefix", "out> "}}) == "OK");
  BOOST_TEST(Check(OptionUse::kSink, {{"connector", "blackhole"}}) == "OK");
  BOOST_TEST(
      Check(OptionUse::kSink, {{"connector", "print"}, {"prefx", ">"}}) ==
      "unknown option 'prefx' for connector 'print'; did you mean "
      "'prefix'?");
  BOOST_TEST(
      Check(OptionUse::kSink, {{"connector", "blackhole"}, {"topic", "x"}}) ==
      "unknown option 'topic' for connector 'blackhole'; it takes no "
      "other options");
  BOOST_TEST(Check(OptionUse::kSource, {{"connector", "blackhole"}}) ==
             "connector 'blackhole' is a sink; it cannot be read as a source");
}

BOOST_AUTO_TEST_CASE(null_bad_key_is_allowed) {
  BOOST_TEST(
      !ValidateOptions(OptionUse::kSource, {{"connector", "x"}}, nullptr).ok());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace weir::catalog
