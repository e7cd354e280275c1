// The type matrix on the real MariaDB of the tests: a table with every type
// and edge values is written, the server's own binlog files are read from
// its data directory and decoded with RowDecoder, and every decoded value
// is compared with what the server returns for SELECT (text converted here,
// independently of the decoder). Also: MariaDB compressed rows events,
// binlog_row_metadata = FULL, and binlog_row_image = MINIMAL.
#define BOOST_TEST_MODULE mysql_types_test
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "connectors/mysql/binlog_event.h"
#include "connectors/mysql/mysql_connection.h"
#include "connectors/mysql/row_decoder.h"
#include "connectors/mysql/schema_reader.h"
#include "connectors/mysql/text_values.h"
#include "engine/types/batch.h"
#include "engine/types/value.h"
#include "tests/e2e/mysql_test_util.h"

namespace mysql = weir::connectors::mysql;
using weir::types::Batch;
using weir::types::ChangeKind;
using weir::types::LogicalType;
using weir::types::TypeId;
using weir::types::Value;

namespace {

/// The test server, in the matrix's database.
mysql::ConnectionOptions Options() {
  return weir::mysql_test::Options("typesdb");
}

std::vector<mysql::Row> Q(mysql::Connection& c, const std::string& sql) {
  auto r = c.Query(sql);
  BOOST_REQUIRE_MESSAGE(r.ok(), sql << ": " << r.status().message());
  return *r;
}

const char* kCreate =
    "CREATE TABLE typesdb.t ("
    " id INT NOT NULL PRIMARY KEY,"
    " ti TINYINT, tiu TINYINT UNSIGNED, b TINYINT(1),"
    " si SMALLINT, siu SMALLINT UNSIGNED,"
    " mi MEDIUMINT, miu MEDIUMINT UNSIGNED,"
    " i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED,"
    " d DECIMAL(10,2), d38 DECIMAL(38,10), d65 DECIMAL(65,30),"
    " f FLOAT, db DOUBLE, bt BIT(5), bt64 BIT(64), y YEAR,"
    " dt DATE, tm TIME, tm6 TIME(6), tm3 TIME(3),"
    " dtm DATETIME, dtm6 DATETIME(6), ts TIMESTAMP(3) NULL DEFAULT NULL,"
    " c CHAR(10), vc VARCHAR(300), vl VARCHAR(20) CHARACTER SET latin1,"
    " cl CHAR(5) CHARACTER SET latin1, tx TEXT, mtx MEDIUMTEXT,"
    " bn BINARY(4), vb VARBINARY(100), bl BLOB, lbl LONGBLOB,"
    " e ENUM('a','b''c','d'), s SET('x','y','z'), j JSON)";

std::string Nines(int n) { return std::string(n, '9'); }

/// The rows of the matrix as SQL value lists (after the id).
std::vector<std::string> MatrixRows(mysql::Connection& c) {
  // sizeof - 1: the text holds a NUL byte, so strlen would stop there.
  static constexpr char kTricky[] =
      "it's \"q\" \\ back\0nul \xF0\x9F\x98\x80 \xE2\x82\xAC";
  std::string tricky = c.Quote(std::string(kTricky, sizeof(kTricky) - 1));
  std::string blob64k(65535, '\0');
  for (size_t k = 0; k < blob64k.size(); ++k) blob64k[k] = char(k * 7 % 256);
  std::string big(100000, 'x');
  for (size_t k = 0; k < big.size(); k += 97) big[k] = char(k % 256);
  return {
      // minimums
      "-128, 0, 0, -32768, 0, -8388608, 0, -2147483648, 0, "
      "-9223372036854775808, 0, -99999999.99, -" + Nines(28) + "." +
          Nines(10) + ", -" + Nines(35) + "." + Nines(30) +
          ", -3.40282e38, -1.7976931348623157e308, b'00000', 0, 1901, "
          "'1000-01-01', '-838:59:59', '-838:59:59.000000', '-00:00:01.500', "
          "'1000-01-01 00:00:00', '1000-01-01 00:00:00.000000', "
          "'1970-01-01 00:00:01.000', '', '', '', '', '', '', "
          "X'00000000', '', '', '', 'a', '', '[]'",
      // maximums
      "127, 255, 1, 32767, 65535, 8388607, 16777215, 2147483647, "
      "4294967295, 9223372036854775807, 18446744073709551615, 99999999.99, " +
          Nines(28) + "." + Nines(10) + ", " + Nines(35) + "." + Nines(30) +
          ", 3.40282e38, 1.7976931348623157e308, b'11111', "
          "b'1111111111111111111111111111111111111111111111111111111111111111'"
          ", 2155, '9999-12-31', '838:59:59', '838:59:59.999999', "
          "'123:45:06.789', '9999-12-31 23:59:59', "
          "'9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999', "
          "'abc  ', " + tricky + ", 'caf\xC3\xA9 \xE2\x82\xAC', '\xC3\xA9', " +
          tricky + ", " + c.Quote(std::string(70000, 'm')) + ", 'ab', " +
          c.Quote(std::string("x\0y\0", 4)) + ", " + c.Quote(blob64k) + ", " +
          c.Quote(big) + ", 'b''c', 'x,z', " +
          c.Quote("{\"a\": [1, 2.5, \"x\"], \"b\": null}"),
      // NULLs
      "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
      "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
      "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
      "NULL, NULL, NULL, NULL, NULL, NULL",
      // everyday values with fractions
      "-1, 1, 0, 2, 3, 4, 5, 6, 7, -8, 9, 0.5, -0.0000000001, "
      "0.000000000000000000000000000001, 1.1, 0.1, b'101', b'1', 0, "
      "'2024-02-29', '25:00:00', '-00:00:00.000001', '00:00:00.001', "
      "'2024-02-29 12:34:56', '2024-02-29 12:34:56.000001', "
      "'2024-02-29 12:34:56.5', 'x', 'y', 'z', 'w', 'text', 'm', 'a', 'b', "
      "'c', 'd', 'd', '', '{}'",
  };
}

/// Inserts the matrix rows with ids 1, 2, ...; returns how many.
size_t InsertMatrix(mysql::Connection& c) {
  std::vector<std::string> rows = MatrixRows(c);
  for (size_t i = 0; i < rows.size(); ++i) {
    Q(c, "INSERT INTO typesdb.t VALUES (" + std::to_string(i + 1) + ", " +
             rows[i] + ")");
  }
  return rows.size();
}

/// The SELECT list: FLOAT through CAST AS DOUBLE (the exact stored value;
/// FLOAT's own text is rounded to 6 digits), BIT as its number.
std::string SelectList(const std::vector<mysql::ColumnInfo>& cols) {
  std::string s;
  for (const auto& c : cols) {
    if (!s.empty()) s += ", ";
    if (c.data_type == "float") {
      s += "CAST(`" + c.name + "` AS DOUBLE)";
    } else if (c.data_type == "bit") {
      s += "`" + c.name + "` + 0";
    } else {
      s += "`" + c.name + "`";
    }
  }
  return s;
}

/// "-838:59:59.5" -> signed microseconds.
int64_t TimeMicros(const std::string& t) {
  bool neg = t[0] == '-';
  std::string a = neg ? t.substr(1) : t;
  int64_t h = 0, m = 0, s = 0, f = 0;
  char c1, c2;
  std::istringstream in(a);
  in >> h >> c1 >> m >> c2 >> s;
  size_t dot = a.find('.');
  if (dot != std::string::npos) {
    std::string frac = a.substr(dot + 1);
    frac.resize(6, '0');
    f = std::stoll(frac);
  }
  int64_t v = ((h * 60 + m) * 60 + s) * 1000000 + f;
  return neg ? -v : v;
}

/// A SELECT cell as the Weir value of `type`, converted independently of
/// the decoder.
Value FromText(const LogicalType& type, const std::optional<std::string>& t) {
  if (!t) return Value::Null(type);
  const std::string& s = *t;
  switch (type.id()) {
    case TypeId::kBoolean: return Value::Boolean(s != "0");
    case TypeId::kInt: return Value::Int(std::stoi(s));
    case TypeId::kBigint: return Value::Bigint(std::stoll(s));
    case TypeId::kDouble: return Value::Double(std::strtod(s.c_str(), nullptr));
    case TypeId::kDecimal: {
      auto v = weir::types::ParseDecimalLiteral(s);
      BOOST_REQUIRE_MESSAGE(v.ok(), s);
      auto cast = weir::types::CastValue(*v, type);
      BOOST_REQUIRE_MESSAGE(cast.ok(), s);
      return *cast;
    }
    case TypeId::kVarchar: return Value::Varchar(s);
    case TypeId::kBytes: return Value::Bytes(s);
    case TypeId::kDate: {
      if (s == "0000-00-00") return Value::Null(type);
      return Value::Date(*weir::types::ParseDate(s));
    }
    case TypeId::kTimestamp: {
      if (s.starts_with("0000-00-00")) return Value::Null(type);
      return Value::Timestamp(*weir::types::ParseTimestamp(s),
                              type.precision());
    }
    case TypeId::kInterval: return Value::Interval({0, TimeMicros(s)});
    default: BOOST_FAIL("unexpected type " << type.ToString()); return {};
  }
}

std::vector<uint8_t> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in, "cannot open " << path);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

struct Decoded {
  Batch batch;
  std::vector<uint8_t> event_types;  // of t's rows events
  std::vector<std::string> map_names;  // optional column names seen
  std::vector<uint8_t> map_types;      // the table map's column types
};

/// Decodes every rows event of typesdb.t in binlog file `path`.
Decoded DecodeFile(const std::string& path, const mysql::TableSchema& schema,
                   mysql::RowDecoderOptions options = {},
                   absl::Status* error = nullptr) {
  std::vector<uint8_t> file = ReadFile(path);
  BOOST_REQUIRE(file.size() >= 4);
  BOOST_REQUIRE((file[0] == 0xFE && file[1] == 'b' && file[2] == 'i' &&
                 file[3] == 'n'));
  Decoded out{Batch(std::make_shared<const weir::types::Schema>(schema.schema)),
              {}, {}, {}};
  mysql::BinlogFormat format;
  std::optional<mysql::RowDecoder> decoder;
  uint64_t table_id = ~0ull;
  size_t pos = 4;
  while (pos + mysql::kEventHeaderSize <= file.size()) {
    std::span<const uint8_t> rest(file.data() + pos, file.size() - pos);
    auto h = mysql::ParseEventHeader(rest);
    BOOST_REQUIRE_MESSAGE(h.ok(), h.status().message());
    std::span<const uint8_t> ev = rest.first(h->event_size);
    pos += h->event_size;
    if (h->type == mysql::kFormatDescription) {
      auto fd = mysql::ParseFormatDescription(ev);
      BOOST_REQUIRE_MESSAGE(fd.ok(), fd.status().message());
      format = fd->Format();
      continue;
    }
    BOOST_REQUIRE_MESSAGE(mysql::VerifyChecksum(ev, format).ok(),
                          mysql::EventTypeName(h->type));
    if (h->type == mysql::kTableMapEvent) {
      auto m = mysql::ParseTableMap(ev, format);
      BOOST_REQUIRE_MESSAGE(m.ok(), m.status().message());
      if (m->database != "typesdb" || m->table != "t") continue;
      table_id = m->table_id;
      out.map_names = m->column_names;
      out.map_types = m->column_types;
      decoder.emplace(*m, mysql::TargetsFor(schema), options);
    } else if (mysql::IsRowsEvent(h->type)) {
      auto rows = mysql::ParseRows(ev, format);
      BOOST_REQUIRE_MESSAGE(rows.ok(), rows.status().message());
      if (rows->table_id != table_id) continue;
      out.event_types.push_back(h->type);
      absl::Status st = decoder->Decode(*rows, &out.batch);
      if (error && !st.ok()) {
        *error = st;
        return out;
      }
      BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
    }
  }
  return out;
}

using Table = std::map<int64_t, std::vector<Value>>;

/// SELECT of the whole table, converted.
Table Select(mysql::Connection& c, const mysql::TableSchema& schema) {
  Table t;
  for (const mysql::Row& r :
       Q(c, "SELECT " + SelectList(schema.columns) +
                " FROM typesdb.t ORDER BY id")) {
    std::vector<Value> row;
    for (size_t i = 0; i < r.size(); ++i) {
      row.push_back(FromText(schema.schema.field(i).type, r[i]));
      // The snapshot's converter agrees with this independent one.
      mysql::ColumnTarget target{schema.columns[i].ordinal, schema.columns[i],
                                 schema.schema.field(i).type};
      auto v = mysql::ValueFromText(
          target, r[i] ? std::optional<std::string_view>(*r[i]) : std::nullopt);
      BOOST_REQUIRE_MESSAGE(v.ok(), v.status().message());
      BOOST_TEST((*v == row.back()), "ValueFromText of column "
                                         << schema.columns[i].name);
      BOOST_TEST(mysql::SnapshotSelectExpr(schema.columns[i]) ==
                 SelectList({schema.columns[i]}));
    }
    t[row[0].integer()] = std::move(row);
  }
  return t;
}

void CheckEqual(const std::vector<Value>& got, const std::vector<Value>& want,
                const mysql::TableSchema& schema) {
  BOOST_REQUIRE_EQUAL(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    BOOST_TEST((got[i] == want[i]),
               "row " << want[0].ToString() << " column "
                      << schema.schema.field(i).name << ": binlog "
                      << got[i].ToString().substr(0, 80) << ", SELECT "
                      << want[i].ToString().substr(0, 80));
  }
}

/// Folds a changelog into `table`, checking every -U/-D against it (before
/// images must be exact).
void Fold(const Batch& b, Table* table, const mysql::TableSchema& schema) {
  auto rows = b.ToRows();
  for (size_t r = 0; r < rows.size(); ++r) {
    int64_t id = rows[r][0].integer();
    switch (b.change(r)) {
      case ChangeKind::kInsert:
      case ChangeKind::kUpdateAfter: (*table)[id] = rows[r]; break;
      case ChangeKind::kUpdateBefore:
      case ChangeKind::kDelete:
        BOOST_REQUIRE(table->count(id));
        CheckEqual(rows[r], (*table)[id], schema);
        table->erase(id);
        break;
    }
  }
}

void CheckTables(const Table& got, const Table& want,
                 const mysql::TableSchema& schema) {
  BOOST_REQUIRE_EQUAL(got.size(), want.size());
  for (const auto& [id, row] : want) {
    BOOST_REQUIRE(got.count(id));
    CheckEqual(got.at(id), row, schema);
  }
}

struct Server {
  std::unique_ptr<mysql::Connection> conn;
  std::string dir;  // the binlog directory

  Server() {
    auto root = mysql::Connection::Open([] {
      auto o = Options();
      o.database = "";
      return o;
    }());
    BOOST_REQUIRE_MESSAGE(root.ok(), root.status().message());
    conn = std::move(*root);
    Q(*conn, "SET time_zone = '+00:00'");
    std::string base = *Q(*conn, "SELECT @@log_bin_basename")[0][0];
    dir = base.substr(0, base.rfind('/') + 1);
  }
  /// typesdb.t created anew, and its schema.
  mysql::TableSchema FreshTable() {
    Q(*conn, "DROP DATABASE IF EXISTS typesdb");
    Q(*conn, "CREATE DATABASE typesdb CHARACTER SET utf8mb4");
    Q(*conn, kCreate);
    auto schema = mysql::ReadTableSchema(Options(), "t");
    BOOST_REQUIRE_MESSAGE(schema.ok(), schema.status().message());
    return *schema;
  }
  /// Starts a new binlog file and returns the name of the one it opened.
  std::string Flush() {
    Q(*conn, "FLUSH BINARY LOGS");
    return dir + *Q(*conn, "SHOW MASTER STATUS")[0][0];
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(every_type_decodes_as_select_returns_it) {
  Server s;
  mysql::Connection& c = *s.conn;
  const mysql::TableSchema schema = s.FreshTable();

  // Inserts (one file), updates (the next), deletes (the next).
  std::string inserts = s.Flush();
  const size_t rows = InsertMatrix(c);
  // Zero dates and the zero YEAR need a permissive sql_mode.
  Q(c, "SET SESSION sql_mode = ''");
  Q(c, "INSERT INTO typesdb.t (id, y, dt, dtm, dtm6, ts) VALUES (9, 0, "
       "'0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', "
       "'0000-00-00 00:00:00')");
  Q(c, "SET SESSION sql_mode = DEFAULT");
  Table after_inserts = Select(c, schema);
  std::string updates = s.Flush();
  Q(c, "UPDATE typesdb.t SET vc = CONCAT(vc, 'Z'), d = d / 2, tm = '-1:00:00',"
       " biu = 1 WHERE id IN (1, 2, 4)");
  Q(c, "UPDATE typesdb.t SET id = 10, ti = NULL WHERE id = 3");
  Table after_updates = Select(c, schema);
  std::string deletes = s.Flush();
  Q(c, "DELETE FROM typesdb.t WHERE id IN (2, 9)");
  Table after_deletes = Select(c, schema);
  s.Flush();

  Table folded;
  Decoded ins = DecodeFile(inserts, schema);
  BOOST_TEST(ins.batch.num_rows() == rows + 1);
  Fold(ins.batch, &folded, schema);
  CheckTables(folded, after_inserts, schema);
  Decoded upd = DecodeFile(updates, schema);
  BOOST_TEST(upd.batch.num_rows() == 2 * 4u);
  Fold(upd.batch, &folded, schema);
  CheckTables(folded, after_updates, schema);
  Decoded del = DecodeFile(deletes, schema);
  BOOST_TEST(del.batch.num_rows() == 2u);
  Fold(del.batch, &folded, schema);
  CheckTables(folded, after_deletes, schema);
}

BOOST_AUTO_TEST_CASE(compressed_rows_and_full_row_metadata) {
  Server s;
  mysql::Connection& c = *s.conn;
  const mysql::TableSchema schema = s.FreshTable();
  Q(c, "SET GLOBAL log_bin_compress = ON");
  Q(c, "SET GLOBAL binlog_row_metadata = 'FULL'");
  std::string file = s.Flush();
  InsertMatrix(c);
  Q(c, "UPDATE typesdb.t SET vc = 'changed' WHERE id = 2");
  Q(c, "DELETE FROM typesdb.t WHERE id = 1");
  Table want = Select(c, schema);
  Q(c, "SET GLOBAL log_bin_compress = OFF");
  Q(c, "SET GLOBAL binlog_row_metadata = 'MINIMAL'");
  s.Flush();
  Decoded d = DecodeFile(file, schema);
  bool compressed = false;
  for (uint8_t t : d.event_types) {
    compressed = compressed || (t >= mysql::kMariaWriteRowsCompressedV1 &&
                                t <= mysql::kMariaDeleteRowsCompressed);
  }
  BOOST_TEST(compressed, "no compressed rows event in the binlog");
  BOOST_REQUIRE_EQUAL(d.map_names.size(), schema.columns.size());
  BOOST_TEST(d.map_names[1] == "ti");
  Table folded;
  Fold(d.batch, &folded, schema);
  CheckTables(folded, want, schema);
}

BOOST_AUTO_TEST_CASE(minimal_row_image) {
  Server s;
  mysql::Connection& c = *s.conn;
  const mysql::TableSchema schema = s.FreshTable();
  Q(c, "INSERT INTO typesdb.t (id, i, vc) VALUES (1, 1, 'a')");
  std::string file = s.Flush();
  Q(c, "SET SESSION binlog_row_image = 'MINIMAL'");
  Q(c, "UPDATE typesdb.t SET i = 5 WHERE id = 1");
  Q(c, "SET SESSION binlog_row_image = DEFAULT");
  s.Flush();
  // By default a column absent from the before image is an error.
  absl::Status err;
  DecodeFile(file, schema, {}, &err);
  BOOST_TEST(err.code() == absl::StatusCode::kFailedPrecondition);
  BOOST_TEST(std::string(err.message()).find("binlog_row_image") !=
                 std::string::npos,
             err.message());
  // With AbsentColumn::kNull: the key and the changed column.
  Decoded d = DecodeFile(
      file, schema,
      {.absent_column = mysql::RowDecoderOptions::AbsentColumn::kNull});
  BOOST_REQUIRE_EQUAL(d.batch.num_rows(), 2u);
  auto r = d.batch.ToRows();
  size_t i_col = *schema.schema.IndexOf("i");
  size_t vc_col = *schema.schema.IndexOf("vc");
  BOOST_TEST((r[0][0] == Value::Int(1)));
  BOOST_TEST(r[0][i_col].is_null());
  BOOST_TEST((r[1][0] == Value::Int(1)));
  BOOST_TEST((r[1][i_col] == Value::Int(5)));
  BOOST_TEST(r[1][vc_col].is_null());
}

BOOST_AUTO_TEST_CASE(old_temporal_formats) {
  // Tables created with mysql56_temporal_format = OFF (or before MariaDB
  // 10.1) keep the old TIME/DATETIME/TIMESTAMP formats.
  Server s;
  mysql::Connection& c = *s.conn;
  Q(c, "DROP DATABASE IF EXISTS typesdb");
  Q(c, "CREATE DATABASE typesdb CHARACTER SET utf8mb4");
  Q(c, "SET GLOBAL mysql56_temporal_format = OFF");
  // With fractions these are MariaDB's own formats, whose size only
  // information_schema knows (the table map has no metadata for them).
  Q(c, "CREATE TABLE typesdb.t (id INT PRIMARY KEY, tm TIME, "
       "dtm DATETIME, ts TIMESTAMP NULL DEFAULT NULL, tm6 TIME(6), "
       "tm1 TIME(1), dtm3 DATETIME(3), ts6 TIMESTAMP(6) NULL DEFAULT NULL)");
  Q(c, "SET GLOBAL mysql56_temporal_format = ON");
  auto schema = mysql::ReadTableSchema(Options(), "t");
  BOOST_REQUIRE(schema.ok());
  std::string file = s.Flush();
  Q(c, "INSERT INTO typesdb.t VALUES (1, '-838:59:59', '1000-01-01 00:00:00',"
       " '1970-01-01 00:00:01', '-838:59:59.000000', '-00:00:00.1', "
       "'1000-01-01 00:00:00.000', '1970-01-01 00:00:01.000000'), "
       "(2, '123:45:06', '9999-12-31 23:59:59', '2038-01-19 03:14:07', "
       "'838:59:59.999999', '-01:02:03.5', '9999-12-31 23:59:59.999', "
       "'2038-01-19 03:14:07.999999'), (3, NULL, NULL, NULL, NULL, NULL, NULL, "
       "NULL), (4, '00:00:00', '2024-02-29 12:34:56', '2024-02-29 12:34:56', "
       "'-00:00:00.000001', '00:00:00.9', '2024-02-29 12:34:56.5', "
       "'2024-02-29 12:34:56.000001')");
  Table want = Select(c, *schema);
  s.Flush();
  Decoded d = DecodeFile(file, *schema);
  namespace ft = mysql::field_type;
  BOOST_TEST((d.map_types ==
              std::vector<uint8_t>{ft::kLong, ft::kTime, ft::kDateTime,
                                   ft::kTimestamp, ft::kTime, ft::kTime,
                                   ft::kDateTime, ft::kTimestamp}));
  Table folded;
  Fold(d.batch, &folded, *schema);
  CheckTables(folded, want, *schema);
}
