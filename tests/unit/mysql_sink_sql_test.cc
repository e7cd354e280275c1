// The SQL a MySQL sink sends, without a server: literals that no value can
// escape from, the DDL of a created table, the check of an existing one,
// statements split by rows and bytes.
#define BOOST_TEST_MODULE mysql_sink_sql_test
#include <boost/test/unit_test.hpp>
#include <limits>
#include <string>
#include <vector>

#include "connectors/mysql/mysql_sink_sql.h"

namespace mysql = weir::connectors::mysql;
using weir::types::Column;
using weir::types::Field;
using weir::types::LogicalType;
using weir::types::Schema;

namespace {

std::string Literal(const Column& c, size_t row) {
  std::string out;
  absl::Status st = mysql::AppendLiteral(c, row, "c", &out);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  return out;
}

mysql::ColumnInfo Info(const std::string& name, const std::string& type,
                       const std::string& column_type, int p = 0, int s = 0,
                       const std::string& charset = "") {
  mysql::ColumnInfo c;
  c.name = name;
  c.data_type = type;
  c.column_type = column_type;
  c.numeric_precision = p;
  c.numeric_scale = s;
  c.datetime_precision = p;
  c.charset = charset;
  return c;
}

}  // namespace

BOOST_AUTO_TEST_CASE(text_is_escaped_and_bytes_are_hexadecimal) {
  Column text(LogicalType::Varchar());
  text.AppendString(std::string("a'\\\0", 4));
  text.AppendString("'); DROP TABLE x; --");
  text.AppendNull();
  text.AppendString("");
  text.AppendString("\n\r\"\x1a`");
  text.AppendString("emoji \xF0\x9F\x98\x80 \xF0\x9D\x84\x9E");
  // Each expected literal spelled out by hand, as mysql_real_escape_string
  // writes it for a utf8mb4 connection.
  BOOST_TEST(Literal(text, 0) == "'a\\'\\\\\\0'");
  BOOST_TEST(Literal(text, 1) == "'\\'); DROP TABLE x; --'");
  BOOST_TEST(Literal(text, 2) == "NULL");
  BOOST_TEST(Literal(text, 3) == "''");
  BOOST_TEST(Literal(text, 4) == "'\\n\\r\\\"\\Z`'");
  BOOST_TEST(Literal(text, 5) ==
             "'emoji \xF0\x9F\x98\x80 \xF0\x9D\x84\x9E'");  // as they are
  Column bytes(LogicalType::Bytes());
  bytes.AppendString(std::string("\xff\x00'", 3));
  BOOST_TEST(Literal(bytes, 0) == "X'FF0027'");
}

BOOST_AUTO_TEST_CASE(quoted_text_escapes_exactly_seven_bytes) {
  // Every byte value once: the seven that MySQL's backslash escapes need
  // are escaped, every other byte (UTF-8 lead and continuation bytes
  // included) is copied as it is.
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  std::string out = "x";  // appends after what is there
  mysql::AppendQuotedText(all, &out);
  std::string expected = "x'";
  for (int b = 0; b < 256; ++b) {
    switch (b) {
      case 0: expected += "\\0"; break;
      case 10: expected += "\\n"; break;
      case 13: expected += "\\r"; break;
      case 26: expected += "\\Z"; break;
      case 34: expected += "\\\""; break;
      case 39: expected += "\\'"; break;
      case 92: expected += "\\\\"; break;
      default: expected.push_back(static_cast<char>(b));
    }
  }
  expected += "'";
  BOOST_TEST(out == expected);
  std::string empty;
  mysql::AppendQuotedText(std::string_view(), &empty);
  BOOST_TEST(empty == "''");
}

BOOST_AUTO_TEST_CASE(numbers_and_times_are_written_exactly) {
  Column d(LogicalType::Double());
  d.AppendDouble(0.1);
  d.AppendDouble(1e300);
  d.AppendDouble(std::numeric_limits<double>::quiet_NaN());
  BOOST_TEST(Literal(d, 0) == "0.1");
  BOOST_TEST(std::stod(Literal(d, 1)) == 1e300);
  std::string out;
  BOOST_TEST(!mysql::AppendLiteral(d, 2, "ratio", &out).ok());
  Column dec(LogicalType::DecimalOrDie(10, 2));
  dec.AppendDecimal(-1250);
  BOOST_TEST(Literal(dec, 0) == "-12.50");
  Column b(LogicalType::Boolean());
  b.AppendInt(1);
  BOOST_TEST(Literal(b, 0) == "1");
  Column ts(LogicalType::TimestampOrDie(3));
  ts.AppendInt(1767225600123000);  // 2026-01-01 00:00:00.123
  BOOST_TEST(Literal(ts, 0) == "'2026-01-01 00:00:00.123'");
}

BOOST_AUTO_TEST_CASE(created_tables_map_types_and_quote_names) {
  Schema schema({{"we`ird", LogicalType::Varchar(), false},
                 {"n", LogicalType::Bigint(), true},
                 {"at", LogicalType::TimestampOrDie(6), true},
                 {"amount", LogicalType::DecimalOrDie(12, 3), true}});
  auto ddl = mysql::CreateTableSql(mysql::QualifiedName("d", "t"), schema, {0},
                                   "utf8mb4_nopad_bin");
  BOOST_REQUIRE(ddl.ok());
  BOOST_TEST(*ddl ==
             "CREATE TABLE IF NOT EXISTS `d`.`t` (`we``ird` VARCHAR(255) NOT "
             "NULL, `n` BIGINT, `at` DATETIME(6), `amount` DECIMAL(12,3), "
             "PRIMARY KEY (`we``ird`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 "
             "COLLATE=utf8mb4_nopad_bin");
  Schema interval({{"i", LogicalType::Interval(), true}});
  auto bad = mysql::CreateTableSql("`d`.`t`", interval, {}, "utf8mb4_bin");
  BOOST_TEST(!bad.ok());
  BOOST_TEST(std::string(bad.status().message()).find("column 'i'") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(existing_tables_are_checked_column_by_column) {
  Schema schema({{"k", LogicalType::Bigint(), false},
                 {"name", LogicalType::Varchar(), true},
                 {"total", LogicalType::DecimalOrDie(20, 2), true}});
  const std::vector<mysql::ColumnInfo> fits = {
      Info("K", "bigint", "bigint(20)"),
      Info("name", "text", "text", 0, 0, "utf8mb4"),
      Info("total", "decimal", "decimal(30,4)", 30, 4)};
  auto mode = mysql::CheckExistingTable("d.t", schema, {0}, false, fits, {"k"});
  BOOST_REQUIRE_MESSAGE(mode.ok(), mode.status().message());
  BOOST_TEST((*mode == mysql::SinkMode::kUpsert));
  auto refused = [&](std::vector<mysql::ColumnInfo> columns,
                     std::vector<std::string> key, const std::string& needle) {
    auto m = mysql::CheckExistingTable("d.t", schema, {0}, false, columns, key);
    BOOST_REQUIRE(!m.ok());
    const std::string message(m.status().message());
    BOOST_TEST(message.find(needle) != std::string::npos, message);
  };
  auto narrow = fits;
  narrow[2] = Info("total", "decimal", "decimal(10,2)", 10, 2);
  refused(narrow, {"k"}, "column 'total'");
  auto latin = fits;
  latin[1] = Info("name", "varchar", "varchar(10)", 0, 0, "latin1");
  refused(latin, {"k"}, "column 'name'");
  refused({fits[0], fits[2]}, {"k"}, "no column 'name'");
  refused(fits, {"name"}, "column 'name'");
  refused(fits, {}, "no PRIMARY KEY");
  auto append = mysql::CheckExistingTable("d.t", schema, {}, true, fits, {});
  BOOST_REQUIRE(append.ok());
  BOOST_TEST((*append == mysql::SinkMode::kAppend));
}

BOOST_AUTO_TEST_CASE(statements_are_split_by_rows_and_bytes) {
  Schema schema({{"k", LogicalType::Bigint(), false},
                 {"v", LogicalType::Bigint(), true}});
  const auto s = mysql::SinkStatements::For("`d`.`t`", schema, {0},
                                            mysql::SinkMode::kUpsert);
  BOOST_TEST(s.insert_prefix == "INSERT INTO `d`.`t` (`k`,`v`) VALUES ");
  BOOST_TEST(s.upsert_suffix == " ON DUPLICATE KEY UPDATE `v`=VALUES(`v`)");
  BOOST_TEST(s.delete_prefix == "DELETE FROM `d`.`t` WHERE `k` IN (");
  const std::vector<std::string_view> ptrs = {"1,2", "3,4", "5,6"};
  std::vector<std::string> sql;
  BOOST_REQUIRE(mysql::ForEachStatement(ptrs, "P ", " S", 2, 1 << 20,
                                        [&](const std::string& q) {
                                          sql.push_back(q);
                                          return absl::OkStatus();
                                        })
                    .ok());
  BOOST_REQUIRE_EQUAL(sql.size(), 2u);
  BOOST_TEST(sql[0] == "P (1,2),(3,4) S");
  BOOST_TEST(sql[1] == "P (5,6) S");
  sql.clear();
  BOOST_REQUIRE(mysql::ForEachStatement(ptrs, "P ", "", 100, 1,
                                        [&](const std::string& q) {
                                          sql.push_back(q);
                                          return absl::OkStatus();
                                        })
                    .ok());
  BOOST_TEST(sql.size() == 3u);
}
