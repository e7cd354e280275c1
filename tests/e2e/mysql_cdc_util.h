#pragma once

// What the mysql-cdc tests share (mysql_cdc_test.cc, mysql_cdc_resume_test.cc):
// the test MariaDB (tests/e2e/mysql_test_util.h), declaring a mysql-cdc
// table in a session and opening its source, and a changelog folded by
// primary key to compare with the table as MariaDB itself shows it.

#include <boost/test/unit_test.hpp>
#include <cctype>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "connectors/mysql/binlog_client.h"
#include "connectors/mysql/cdc_source.h"
#include "connectors/mysql/mysql_connection.h"
#include "connectors/registry.h"
#include "engine/session/session.h"
#include "tests/e2e/mysql_test_util.h"

namespace weir::cdc_test {

namespace mysql = weir::connectors::mysql;
using weir::mysql_test::Options;
using weir::mysql_test::Port;

inline std::unique_ptr<mysql::Connection> Connect(const std::string& db = "") {
  auto conn = mysql::Connection::Open(Options(db));
  BOOST_REQUIRE_MESSAGE(conn.ok(), conn.status().message());
  return *std::move(conn);
}

inline std::vector<mysql::Row> Exec(mysql::Connection& c,
                                    const std::string& sql) {
  auto r = c.Query(sql);
  BOOST_REQUIRE_MESSAGE(r.ok(), sql << ": " << r.status().message());
  return *r;
}

/// Polls `client` until `done` says so (CTest's timeout stops a hang).
inline void PollUntil(mysql::BinlogClient& client,
                      const std::function<bool(mysql::BinlogItem&)>& done) {
  while (true) {
    std::optional<mysql::BinlogItem> item = client.Poll();
    if (!item) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    if (done(*item)) return;
  }
}

inline std::string Run(weir::Session& s, const std::string& sql) {
  absl::Status st = s.ExecuteScript(sql, [](const weir::StatementResult&) {});
  return st.ok() ? "" : std::string(st.message());
}

inline std::string CdcTable(const std::string& name,
                            const std::string& database,
                            const std::string& table,
                            const std::string& extra = "",
                            const std::string& columns = "") {
  return "CREATE TABLE " + name + columns +
         " WITH (connector = 'mysql-cdc', host = '127.0.0.1', port = " +
         std::to_string(Port()) +
         ", user = 'weir', password = 'weir', database = '" + database +
         "', table = '" + table + "'" + extra + ");";
}

/// A changelog folded into the table it describes, keyed by the primary
/// key's cells; every change is checked against what the fold holds (an
/// insert of a present key, a retraction of an absent or different row is
/// an inconsistency: a duplicate or a gap).
struct Fold {
  std::vector<int> key;
  std::map<std::string, std::vector<std::string>> rows;
  std::vector<std::string> problems;
  size_t changes = 0;

  /// The problems, for a failed check's message (empty when none: the
  /// message is built even when the check passes).
  std::string Problems() const {
    std::string all;
    for (const std::string& p : problems) all += p + "; ";
    return all;
  }

  void Apply(const std::string& op, const std::vector<std::string>& row) {
    ++changes;
    std::string k;
    for (int i : key) k += row[i] + "|";
    auto it = rows.find(k);
    if (op == "+I" || op == "+U") {
      if (it != rows.end()) problems.push_back(op + " of present key " + k);
      rows[k] = row;
    } else {
      if (it == rows.end()) {
        problems.push_back(op + " of absent key " + k);
      } else if (it->second != row) {
        problems.push_back(op + " of a different row at key " + k);
      }
      rows.erase(k);
    }
  }

  void Apply(const weir::types::Batch& b) {
    for (size_t r = 0; r < b.num_rows(); ++r) {
      std::vector<std::string> row;
      for (size_t c = 0; c < b.num_columns(); ++c) {
        row.push_back(b.column(c).GetValue(r).ToString());
      }
      Apply(weir::types::ChangeKindSymbol(b.change(r)), row);
    }
  }
};

/// The MySQL table as the server shows it, keyed like Fold.
inline std::map<std::string, std::vector<std::string>> TableRows(
    mysql::Connection& c, const std::string& select,
    const std::vector<int>& key) {
  std::map<std::string, std::vector<std::string>> out;
  for (const mysql::Row& r : Exec(c, select)) {
    std::vector<std::string> row;
    for (const auto& cell : r) row.push_back(cell.value_or("NULL"));
    std::string k;
    for (int i : key) k += row[i] + "|";
    out[k] = row;
  }
  return out;
}

/// Reads `source` into `fold` until `done`; returns the error that ended
/// it, or OK.
inline absl::Status Drain(weir::exec::Source& source,
                          std::shared_ptr<const weir::types::Schema> schema,
                          Fold& fold, const std::function<bool()>& done,
                          size_t max_rows = 1000) {
  while (!done()) {
    weir::types::Batch batch(schema);
    absl::StatusOr<size_t> n = source.Next(&batch, max_rows);
    if (!n.ok()) return n.status();
    if (*n == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      continue;
    }
    fold.Apply(batch);
  }
  return absl::OkStatus();
}

/// A mysql-cdc table declared in a session, and its source opened.
struct OpenedSource {
  std::unique_ptr<weir::Session> session;
  std::shared_ptr<const weir::types::Schema> schema;
  mysql::CdcSourceConfig config;
  std::unique_ptr<weir::exec::Source> source;
  std::vector<int> key;
};

inline OpenedSource Open(const std::string& database, const std::string& table,
                         const std::string& extra = "",
                         const std::string& columns = "") {
  OpenedSource o;
  auto session = weir::Session::Create(
      {.connectors = weir::connectors::BuiltinConnectors()});
  BOOST_REQUIRE(session.ok());
  o.session = *std::move(session);
  BOOST_REQUIRE_EQUAL(
      Run(*o.session, CdcTable(table, database, table, extra, columns)), "");
  const weir::catalog::Entry* entry = o.session->catalog().Find(table);
  BOOST_REQUIRE(entry != nullptr);
  o.schema = std::make_shared<const weir::types::Schema>(entry->schema);
  o.key = entry->key;
  auto config = mysql::PrepareCdcSource(*entry);
  BOOST_REQUIRE_MESSAGE(config.ok(), config.status().message());
  o.config = *config;
  auto source = mysql::OpenCdcSource(o.config, o.schema, 0, 1);
  BOOST_REQUIRE_MESSAGE(source.ok(), source.status().message());
  o.source = *std::move(source);
  return o;
}

inline void CreateItems(mysql::Connection& c, const std::string& db, int rows) {
  Exec(c, "DROP DATABASE IF EXISTS " + db);
  Exec(c, "CREATE DATABASE " + db);
  Exec(c, "CREATE TABLE " + db +
              ".items (id INT PRIMARY KEY, name VARCHAR(20), qty INT, "
              "price DECIMAL(10,2))");
  std::string values;
  for (int i = 1; i <= rows; ++i) {
    if (!values.empty()) values += ",";
    values += "(" + std::to_string(i) + ", 'n" + std::to_string(i % 7) + "', " +
              std::to_string(i * 3) + ", " + std::to_string(i) + ".25)";
  }
  if (rows > 0) Exec(c, "INSERT INTO " + db + ".items VALUES " + values);
}

inline constexpr int kSentinel = 1000000;

inline bool HasSentinel(const Fold& fold) {
  return fold.rows.count(std::to_string(kSentinel) + "|") > 0;
}

/// Inserts the sentinel row into `db`.items (CreateItems' table): the
/// last change, so a reader that has it has every change before it.
inline void InsertSentinel(mysql::Connection& c, const std::string& db) {
  Exec(c, "INSERT INTO " + db + ".items VALUES (" + std::to_string(kSentinel) +
              ", 'end', 0, 0)");
}

/// Reads `source` into `fold` until the sentinel row has arrived.
inline absl::Status DrainToSentinel(
    weir::exec::Source& source,
    std::shared_ptr<const weir::types::Schema> schema, Fold& fold) {
  return Drain(source, schema, fold, [&] { return HasSentinel(fold); });
}

/// SHOW QUERIES' checkpoint column of the session's first query.
inline std::string QueryCheckpoint(weir::Session& s) {
  std::string text;
  absl::Status st =
      s.ExecuteScript("SHOW QUERIES;", [&](const weir::StatementResult& r) {
        for (size_t i = 0; i < r.columns.size(); ++i) {
          if (r.columns[i] == "checkpoint" && !r.rows.empty()) {
            text = r.rows[0][i];
          }
        }
      });
  BOOST_REQUIRE(st.ok());
  return text;
}

/// The id of the query's last checkpoint ("12 at ..."), 0 when none.
inline int64_t CheckpointId(weir::Session& s) {
  const std::string text = QueryCheckpoint(s);
  return text.empty() || !std::isdigit(static_cast<unsigned char>(text[0]))
             ? 0
             : std::stoll(text);
}

/// SHOW QUERIES' `column` of the session's first query ("" when none).
inline std::string ShownColumn(weir::Session& s, const std::string& column) {
  std::string text;
  absl::Status st =
      s.ExecuteScript("SHOW QUERIES;", [&](const weir::StatementResult& r) {
        for (size_t i = 0; i < r.columns.size(); ++i) {
          if (r.columns[i] == column && !r.rows.empty()) text = r.rows[0][i];
        }
      });
  BOOST_REQUIRE(st.ok());
  return text;
}

/// Makes binlog `file` and every one before it gone: a new file, then
/// PURGE up to it (a file still read by a dump thread of an earlier test
/// is kept until that thread lets go: purge again until it is gone).
inline void PurgeBinlogsThrough(mysql::Connection& c, const std::string& file) {
  Exec(c, "FLUSH BINARY LOGS");
  const std::string now_file = *Exec(c, "SHOW MASTER STATUS").front()[0];
  auto listed = [&] {
    for (const mysql::Row& r : Exec(c, "SHOW BINARY LOGS")) {
      if (*r[0] == file) return true;
    }
    return false;
  };
  while (true) {
    Exec(c, "PURGE BINARY LOGS TO '" + now_file + "'");
    if (!listed()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace weir::cdc_test
