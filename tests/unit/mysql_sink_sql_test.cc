// The SQL a MySQL sink sends, without a server: the cells of values bound
// as parameters (no value is ever SQL text), the DDL of a created table,
// the check of an existing one, the statements with their placeholders.
#define BOOST_TEST_MODULE mysql_sink_sql_test
#include <boost/test/unit_test.hpp>
#include <cstdint>
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

std::string Cell(const Column& c, size_t row) {
  std::string out;
  absl::Status st = mysql::AppendCell(c, row, "c", &out);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  return out;
}

/// A cell as AppendCell writes it, spelled out: 1, the length in 4 bytes
/// (little-endian, as this machine stores it), the bytes.
std::string Present(const std::string& bytes) {
  std::string out(1, '\1');
  const uint32_t n = static_cast<uint32_t>(bytes.size());
  out.push_back(static_cast<char>(n & 0xff));
  out.push_back(static_cast<char>((n >> 8) & 0xff));
  out.push_back(static_cast<char>((n >> 16) & 0xff));
  out.push_back(static_cast<char>(n >> 24));
  return out + bytes;
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

BOOST_AUTO_TEST_CASE(text_and_bytes_are_cells_of_their_own_bytes) {
  Column text(LogicalType::Varchar());
  text.AppendString(std::string("a'\\\0", 4));
  text.AppendString("'); DROP TABLE x; --");
  text.AppendNull();
  text.AppendString("");
  text.AppendString("emoji \xF0\x9F\x98\x80");
  // No escaping: parameters are never SQL text.
  BOOST_TEST(Cell(text, 0) == std::string("\1\4\0\0\0a'\\\0", 9));
  BOOST_TEST(Cell(text, 1) == Present("'); DROP TABLE x; --"));
  BOOST_TEST(Cell(text, 2) == std::string(1, '\0'));
  BOOST_TEST(Cell(text, 3) == std::string("\1\0\0\0\0", 5));
  BOOST_TEST(Cell(text, 4) == Present("emoji \xF0\x9F\x98\x80"));
  Column bytes(LogicalType::Bytes());
  bytes.AppendString(std::string("\xff\x00'", 3));
  BOOST_TEST(Cell(bytes, 0) == std::string("\1\3\0\0\0\xff\0'", 8));
}

BOOST_AUTO_TEST_CASE(numbers_and_times_are_written_exactly) {
  Column big(LogicalType::Bigint());
  big.AppendInt(-2);
  big.AppendInt(258);
  BOOST_TEST(Cell(big, 0) == std::string("\1\x08\0\0\0\xfe\xff\xff\xff\xff\xff\xff\xff", 13));
  BOOST_TEST(Cell(big, 1) == std::string("\1\x08\0\0\0\x02\x01\0\0\0\0\0\0", 13));
  Column b(LogicalType::Boolean());
  b.AppendInt(1);
  BOOST_TEST(Cell(b, 0) == std::string("\1\x08\0\0\0\1\0\0\0\0\0\0\0", 13));
  Column d(LogicalType::Double());
  d.AppendDouble(1.0);  // 0x3FF0000000000000
  d.AppendDouble(std::numeric_limits<double>::quiet_NaN());
  BOOST_TEST(Cell(d, 0) == std::string("\1\x08\0\0\0\0\0\0\0\0\0\xf0\x3f", 13));
  std::string out;
  absl::Status nan = mysql::AppendCell(d, 1, "ratio", &out);
  BOOST_TEST(!nan.ok());
  BOOST_TEST(std::string(nan.message()).find("'ratio'") != std::string::npos);
  Column dec(LogicalType::DecimalOrDie(10, 2));
  dec.AppendDecimal(-1250);
  BOOST_TEST(Cell(dec, 0) == Present("-12.50"));
  Column ts(LogicalType::TimestampOrDie(3));
  ts.AppendInt(1767225600123000);  // 2026-01-01 00:00:00.123
  BOOST_TEST(Cell(ts, 0) == Present("2026-01-01 00:00:00.123"));
}

BOOST_AUTO_TEST_CASE(cells_read_back_in_order) {
  Column k(LogicalType::Bigint());
  k.AppendInt(7);
  Column s(LogicalType::Varchar());
  s.AppendNull();
  Column t(LogicalType::Varchar());
  t.AppendString("unused");
  std::string cells;
  BOOST_REQUIRE(mysql::AppendCell(k, 0, "k", &cells).ok());
  BOOST_REQUIRE(mysql::AppendCell(s, 0, "s", &cells).ok());
  t.AppendString(std::string("x\0y", 3));
  BOOST_REQUIRE(mysql::AppendCell(t, 1, "t", &cells).ok());
  size_t at = 0;
  auto first = mysql::NextCell(cells, &at);
  BOOST_REQUIRE(first.has_value());
  BOOST_TEST(*first == std::string_view("\7\0\0\0\0\0\0\0", 8));
  BOOST_TEST(!mysql::NextCell(cells, &at).has_value());
  auto third = mysql::NextCell(cells, &at);
  BOOST_REQUIRE(third.has_value());
  BOOST_TEST(*third == std::string_view("x\0y", 3));
  BOOST_TEST(at == cells.size());
  auto kinds = mysql::CellKinds(Schema({{"a", LogicalType::Int(), false},
                                        {"b", LogicalType::Double(), true},
                                        {"c", LogicalType::Bytes(), true},
                                        {"d", LogicalType::Date(), true}}));
  BOOST_REQUIRE(kinds.ok());
  BOOST_TEST((*kinds == std::vector<mysql::CellKind>{
                  mysql::CellKind::kInt64, mysql::CellKind::kDouble,
                  mysql::CellKind::kBinary, mysql::CellKind::kText}));
  auto interval = mysql::CellKinds(Schema({{"i", LogicalType::Interval(), true}}));
  BOOST_TEST(!interval.ok());
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

BOOST_AUTO_TEST_CASE(statements_bind_one_row_of_parameters) {
  Schema schema({{"k", LogicalType::Bigint(), false},
                 {"we`ird", LogicalType::Varchar(), false},
                 {"v", LogicalType::Bigint(), true}});
  const auto s = mysql::SinkStatements::For("`d`.`t`", schema, {0, 1},
                                            mysql::SinkMode::kUpsert);
  BOOST_TEST(s.insert_bulk ==
             "INSERT INTO `d`.`t` (`k`,`we``ird`,`v`) VALUES (?,?,?) ON "
             "DUPLICATE KEY UPDATE `v`=VALUES(`v`)");
  BOOST_TEST(s.delete_bulk ==
             "DELETE FROM `d`.`t` WHERE `k`=? AND `we``ird`=?");
  const auto append = mysql::SinkStatements::For("`d`.`t`", schema, {},
                                                 mysql::SinkMode::kAppend);
  BOOST_TEST(append.insert_bulk ==
             "INSERT INTO `d`.`t` (`k`,`we``ird`,`v`) VALUES (?,?,?)");
  BOOST_TEST(append.delete_bulk == "");
}
