// Binlog decoding without a server: events built byte by byte from the
// published formats (MySQL libbinlogevents / MariaDB log_event.h), decoded
// by connectors/mysql, compared with values written independently here.
#define BOOST_TEST_MODULE binlog_decode_test
#include <zlib.h>

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "connectors/mysql/binlog_event.h"
#include "connectors/mysql/gtid.h"
#include "connectors/mysql/mysql_json.h"
#include "connectors/mysql/row_decoder.h"
#include "engine/types/batch.h"

namespace mysql = weir::connectors::mysql;
namespace ft = mysql::field_type;
using weir::types::Batch;
using weir::types::ChangeKind;
using weir::types::LogicalType;
using weir::types::Schema;
using weir::types::Value;

namespace {

/// A little-endian byte builder for fixtures.
struct Bytes {
  std::vector<uint8_t> b;
  Bytes& u8(uint64_t v) { return le(v, 1); }
  Bytes& le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  Bytes& be(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) {
      b.push_back(static_cast<uint8_t>(v >> (8 * i)));
    }
    return *this;
  }
  Bytes& str(std::string_view s) {
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  Bytes& raw(const std::vector<uint8_t>& v) {
    b.insert(b.end(), v.begin(), v.end());
    return *this;
  }
  Bytes& packed(uint64_t v) {  // length-encoded integer
    if (v < 251) return u8(v);
    if (v < 65536) return u8(252).le(v, 2);
    if (v < (1u << 24)) return u8(253).le(v, 3);
    return u8(254).le(v, 8);
  }
};

/// CRC-32 (IEEE, reflected), bit by bit: the binlog checksum.
uint32_t Crc32(const std::vector<uint8_t>& data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (uint8_t byte : data) {
    crc ^= byte;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1));
  }
  return ~crc;
}

/// A whole event: v4 header, body, CRC32 trailer when `checksum`.
std::vector<uint8_t> Event(uint8_t type, const Bytes& body,
                           bool checksum = true, uint32_t server_id = 1) {
  uint32_t size = 19 + static_cast<uint32_t>(body.b.size()) + (checksum ? 4 : 0);
  Bytes e;
  e.le(1700000000, 4).u8(type).le(server_id, 4).le(size, 4).le(1000, 4).le(0, 2);
  e.raw(body.b);
  if (checksum) e.le(Crc32(e.b), 4);
  return e.b;
}

const mysql::BinlogFormat kCrc{.checksum = true};

/// One column of a fixture table: table-map type and metadata, the
/// information_schema facts, the Weir type, and the value's image bytes.
struct Col {
  uint8_t type;
  std::vector<uint8_t> meta;
  std::string column_type;  // COLUMN_TYPE (for "unsigned")
  LogicalType target;
  std::vector<uint8_t> value;  // empty = NULL
  std::string charset = "";
  std::vector<std::string> labels = {};
};

Bytes TableMapBody(const std::vector<Col>& cols, uint64_t table_id = 42,
                   const Bytes& optional = {}) {
  Bytes b;
  b.le(table_id, 6).le(1, 2).u8(4).str("shop").u8(0).u8(1).str("t").u8(0);
  b.packed(cols.size());
  for (const Col& c : cols) b.u8(c.type);
  Bytes meta;
  for (const Col& c : cols) meta.raw(c.meta);
  b.packed(meta.b.size()).raw(meta.b);
  std::vector<uint8_t> nulls((cols.size() + 7) / 8, 0xFF);
  b.raw(nulls);
  b.raw(optional.b);
  return b;
}

/// A full row image of `cols` (all present).
Bytes Image(const std::vector<Col>& cols) {
  Bytes b;
  std::vector<uint8_t> nulls((cols.size() + 7) / 8, 0);
  for (size_t i = 0; i < cols.size(); ++i) {
    if (cols[i].value.empty()) nulls[i / 8] |= 1 << (i % 8);
  }
  b.raw(nulls);
  for (const Col& c : cols) b.raw(c.value);
  return b;
}

std::vector<uint8_t> Bitmap(size_t n, bool on = true) {
  return std::vector<uint8_t>((n + 7) / 8, on ? 0xFF : 0x00);
}

Bytes RowsBody(size_t ncols, bool update, const Bytes& images,
               bool v2 = false, uint64_t table_id = 42) {
  Bytes b;
  b.le(table_id, 6).le(1, 2);
  if (v2) b.le(2 + 3, 2).u8(0).u8(1).u8(2);  // extra data of 3 bytes
  b.packed(ncols).raw(Bitmap(ncols));
  if (update) b.raw(Bitmap(ncols));
  return b.raw(images.b);
}

std::vector<mysql::ColumnTarget> Targets(const std::vector<Col>& cols) {
  std::vector<mysql::ColumnTarget> t;
  for (size_t i = 0; i < cols.size(); ++i) {
    mysql::ColumnInfo info;
    info.name = "c" + std::to_string(i);
    info.column_type = cols[i].column_type;
    info.ordinal = static_cast<int>(i);
    info.charset = cols[i].charset;
    info.labels = cols[i].labels;
    t.push_back({static_cast<int>(i), info, cols[i].target});
  }
  return t;
}

Batch EmptyBatch(const std::vector<Col>& cols) {
  Schema s;
  for (size_t i = 0; i < cols.size(); ++i) {
    s.Add({"c" + std::to_string(i), cols[i].target, true});
  }
  return Batch(std::make_shared<const Schema>(std::move(s)));
}

std::vector<uint8_t> Le(uint64_t v, int n) { return Bytes().le(v, n).b; }
std::vector<uint8_t> Be(uint64_t v, int n) { return Bytes().be(v, n).b; }
std::vector<uint8_t> Str(std::string_view s, int prefix) {
  return Bytes().le(s.size(), prefix).str(s).b;
}

/// TIME2 image bytes of a signed duration (fsp 0, 3 or 6), from the
/// format: hour << 12 | minute << 6 | second, shifted 24, plus the fraction,
/// offset by 0x800000(000000); a negative value with a fraction borrows one
/// from the integer part (the fraction stored as 0x10000 - frac for fsp 3).
std::vector<uint8_t> Time2(bool neg, int64_t h, int64_t m, int64_t s,
                           int64_t micros, int fsp) {
  int64_t hms = h << 12 | m << 6 | s;
  if (fsp == 6) {
    int64_t packed = (hms << 24) + micros;
    return Be(static_cast<uint64_t>((neg ? -packed : packed) + 0x800000000000LL),
              6);
  }
  int64_t frac = fsp == 3 ? micros / 100 : 0;  // units of 1/10000 s
  int64_t ip = neg ? -hms - (frac ? 1 : 0) : hms;
  std::vector<uint8_t> out = Be(static_cast<uint64_t>(ip + 0x800000), 3);
  if (fsp == 3) {
    auto f = Be(static_cast<uint64_t>(neg && frac ? 0x10000 - frac : frac), 2);
    out.insert(out.end(), f.begin(), f.end());
  }
  return out;
}

/// DATETIME2 image bytes.
std::vector<uint8_t> DateTime2(int64_t y, int64_t mo, int64_t d, int64_t h,
                               int64_t mi, int64_t s, int64_t micros,
                               int fsp) {
  int64_t ymd = ((y * 13 + mo) << 5) | d;
  int64_t hms = h << 12 | mi << 6 | s;
  std::vector<uint8_t> out =
      Be(static_cast<uint64_t>((ymd << 17 | hms) + 0x8000000000LL), 5);
  if (fsp == 6) {
    auto f = Be(static_cast<uint64_t>(micros), 3);
    out.insert(out.end(), f.begin(), f.end());
  }
  return out;
}

Value Dec(__int128 unscaled, int p, int s) {
  return Value::Decimal(unscaled, LogicalType::DecimalOrDie(p, s));
}

/// The type-matrix fixture: every type with an edge value.
std::vector<Col> Matrix() {
  LogicalType dec20 = LogicalType::DecimalOrDie(20, 0);
  // 1234567890.1234 as DECIMAL(14, 4), from MySQL's decimal.c comment, and
  // its negation (every bit inverted).
  std::vector<uint8_t> dec_pos = {0x81, 0x0D, 0xFB, 0x38, 0xD2, 0x04, 0xD2};
  std::vector<uint8_t> dec_neg;
  for (uint8_t x : dec_pos) dec_neg.push_back(static_cast<uint8_t>(~x));
  // DECIMAL(65, 30): 35 integer digits (8 in a 4-byte partial group + 3
  // groups of 9), 30 fraction digits (3 groups of 9 + 3 in 2 bytes).
  // Value 12345678.000000001000000002000000003 ... with fraction
  // "000000001000000002000000003123".
  Bytes big;
  big.be(12345678u | 0x80000000u, 4).be(0, 4).be(0, 4).be(7, 4);
  big.be(1, 4).be(2, 4).be(3, 4).be(123, 2);
  return {
      {ft::kTiny, {}, "tinyint(4)", LogicalType::Int(), Le(0x80, 1)},
      {ft::kTiny, {}, "tinyint(3) unsigned", LogicalType::Int(), Le(255, 1)},
      {ft::kShort, {}, "smallint(6)", LogicalType::Int(), Le(0x8000, 2)},
      {ft::kInt24, {}, "mediumint(8) unsigned", LogicalType::Int(),
       Le(0xFFFFFF, 3)},
      {ft::kLong, {}, "int(11)", LogicalType::Int(), Le(0x80000000u, 4)},
      {ft::kLong, {}, "int(10) unsigned", LogicalType::Bigint(),
       Le(0xFFFFFFFFu, 4)},
      {ft::kLongLong, {}, "bigint(20)", LogicalType::Bigint(),
       Le(0x8000000000000000ull, 8)},
      {ft::kLongLong, {}, "bigint(20) unsigned", dec20, Le(~0ull, 8)},
      {ft::kFloat, {4}, "float", LogicalType::Double(), Le(0x3FC00000, 4)},
      {ft::kDouble, {8}, "double", LogicalType::Double(),
       Le(0xC002000000000000ull, 8)},
      {ft::kNewDecimal, {14, 4}, "decimal(14,4)",
       LogicalType::DecimalOrDie(14, 4), dec_pos},
      {ft::kNewDecimal, {14, 4}, "decimal(14,4)",
       LogicalType::DecimalOrDie(14, 4), dec_neg},
      {ft::kNewDecimal, {65, 30}, "decimal(65,30)", LogicalType::Varchar(),
       big.b},
      {ft::kBit, {0, 8}, "bit(64)", dec20, Be(~0ull, 8)},
      {ft::kYear, {}, "year(4)", LogicalType::Int(), Le(255, 1)},
      {ft::kDate, {}, "date", LogicalType::Date(),
       Le(2024 << 9 | 2 << 5 | 29, 3)},
      {ft::kDate, {}, "date", LogicalType::Date(), Le(0, 3)},  // zero date
      {ft::kTime2, {0}, "time", LogicalType::Interval(),
       Time2(true, 838, 59, 59, 0, 0)},
      {ft::kTime2, {6}, "time(6)", LogicalType::Interval(),
       Time2(false, 123, 45, 6, 789012, 6)},
      {ft::kTime2, {3}, "time(3)", LogicalType::Interval(),
       Time2(true, 0, 0, 1, 500000, 3)},
      {ft::kDateTime2, {6}, "datetime(6)", LogicalType::TimestampOrDie(6),
       DateTime2(9999, 12, 31, 23, 59, 59, 999999, 6)},
      {ft::kTimestamp2, {3}, "timestamp(3)", LogicalType::TimestampOrDie(3),
       Bytes().be(1700000000, 4).be(1230, 2).b},
      {ft::kVarchar, Le(40, 2), "varchar(10)", LogicalType::Varchar(),
       Str("a\xF0\x9F\x98\x80'\\", 1), "utf8mb4"},
      {ft::kVarchar, Le(300, 2), "varchar(300)", LogicalType::Varchar(),
       Str("caf\xE9 \x80", 2), "latin1"},
      {ft::kString, {ft::kString, 4}, "binary(4)", LogicalType::Bytes(),
       Str("ab", 1), "binary"},
      {ft::kBlob, {2}, "blob", LogicalType::Bytes(),
       Str(std::string("x\0y", 3), 2)},
      {ft::kString, {ft::kEnum, 1}, "enum('a','b','c')", LogicalType::Varchar(),
       Le(2, 1), "utf8mb4", {"a", "b", "c"}},
      {ft::kString, {ft::kSet, 1}, "set('x','y','z')", LogicalType::Varchar(),
       Le(0b101, 1), "utf8mb4", {"x", "y", "z"}},
      {ft::kLong, {}, "int(11)", LogicalType::Int(), {}},  // NULL
      {ft::kTiny, {}, "tinyint(1)", LogicalType::Boolean(), Le(5, 1)},
      {ft::kTime2, {0}, "time", LogicalType::Interval(),
       Time2(false, 838, 59, 59, 0, 0)},
  };
}

std::vector<Value> MatrixExpected() {
  int64_t us = 1000000;
  auto hms = [&](int64_t h, int64_t m, int64_t s) {
    return ((h * 60 + m) * 60 + s) * us;
  };
  __int128 u64max = static_cast<__int128>(std::numeric_limits<uint64_t>::max());
  // 2024-02-29: days since 1970-01-01 counted by years and months.
  int64_t days_2024 = 0;
  for (int y = 1970; y < 2024; ++y) {
    days_2024 += (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 366 : 365;
  }
  int64_t feb29 = days_2024 + 31 + 28;
  int64_t days_9999_12_31 = 2932896;  // 9999-12-31
  return {
      Value::Int(-128),
      Value::Int(255),
      Value::Int(-32768),
      Value::Int(16777215),
      Value::Int(std::numeric_limits<int32_t>::min()),
      Value::Bigint(4294967295LL),
      Value::Bigint(std::numeric_limits<int64_t>::min()),
      Dec(u64max, 20, 0),
      Value::Double(1.5),
      Value::Double(-2.25),
      Dec(12345678901234, 14, 4),
      Dec(-12345678901234, 14, 4),
      Value::Varchar("12345678000000000000000000000000007."
                     "000000001000000002000000003123"),
      Dec(u64max, 20, 0),
      Value::Int(2155),
      Value::Date(feb29),
      Value::Null(LogicalType::Date()),
      Value::Interval({0, -hms(838, 59, 59)}),
      Value::Interval({0, hms(123, 45, 6) + 789012}),
      Value::Interval({0, -(hms(0, 0, 1) + 500000)}),
      Value::Timestamp((days_9999_12_31 + 1) * 86400 * us - 1, 6),
      Value::Timestamp(1700000000 * us + 123000, 3),
      Value::Varchar("a\xF0\x9F\x98\x80'\\"),
      Value::Varchar("caf\xC3\xA9 \xE2\x82\xAC"),
      Value::Bytes(std::string("ab\0\0", 4)),
      Value::Bytes(std::string("x\0y", 3)),
      Value::Varchar("b"),
      Value::Varchar("x,z"),
      Value::Null(LogicalType::Int()),
      Value::Boolean(true),
      Value::Interval({0, hms(838, 59, 59)}),
  };
}

void CheckRow(const std::vector<Value>& got, const std::vector<Value>& want) {
  BOOST_REQUIRE_EQUAL(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    BOOST_TEST((got[i] == want[i]),
               "column " << i << ": got " << got[i].ToString() << " want "
                         << want[i].ToString());
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(header_checksum_and_ok_byte) {
  auto ev = Event(mysql::kXid, Bytes().le(77, 8));
  auto h = mysql::ParseEventHeader(ev);
  BOOST_REQUIRE(h.ok());
  BOOST_TEST(h->type == mysql::kXid);
  BOOST_TEST(h->event_size == 19 + 8 + 4);
  BOOST_TEST(h->log_pos == 1000u);
  BOOST_TEST(h->timestamp == 1700000000u);
  BOOST_TEST(mysql::VerifyChecksum(ev, kCrc).ok());
  auto xid = mysql::ParseXid(ev, kCrc);
  BOOST_REQUIRE(xid.ok());
  BOOST_TEST(*xid == 77u);
  // A replication packet's OK byte is stripped, only when it is one.
  std::vector<uint8_t> packet = {0x00};
  packet.insert(packet.end(), ev.begin(), ev.end());
  BOOST_TEST(mysql::StripOkByte(packet).size() == ev.size());
  BOOST_TEST(mysql::StripOkByte(ev).size() == ev.size());
  // A flipped bit fails the checksum.
  ev[20] ^= 1;
  auto bad = mysql::VerifyChecksum(ev, kCrc);
  BOOST_TEST(bad.code() == absl::StatusCode::kDataLoss);
  // Without checksums the body is the rest.
  auto plain = Event(mysql::kXid, Bytes().le(5, 8), false);
  auto x2 = mysql::ParseXid(plain, mysql::BinlogFormat{.checksum = false});
  BOOST_REQUIRE(x2.ok());
  BOOST_TEST(*x2 == 5u);
}

BOOST_AUTO_TEST_CASE(format_description_rotate_query) {
  Bytes fd;
  std::string version = "10.11.19-MariaDB-0+deb12u1";
  version.resize(50, '\0');
  fd.le(4, 2).str(version).le(0, 4).u8(19);
  fd.raw({56, 13, 0, 8, 0, 18, 0, 4, 4, 4, 4, 18, 0, 0, 0xF5});
  fd.u8(1);  // CRC32
  auto ev = Event(mysql::kFormatDescription, fd);
  auto f = mysql::ParseFormatDescription(ev);
  BOOST_REQUIRE_MESSAGE(f.ok(), f.status().message());
  BOOST_TEST(f->binlog_version == 4);
  BOOST_TEST(f->server_version == "10.11.19-MariaDB-0+deb12u1");
  BOOST_TEST(f->header_length == 19);
  BOOST_TEST(f->post_header_lengths.size() == 15u);
  BOOST_TEST(f->checksum_alg == mysql::kChecksumCrc32);
  BOOST_TEST(f->Format().checksum);

  auto rot = mysql::ParseRotate(
      Event(mysql::kRotate, Bytes().le(4, 8).str("binlog.000007")), kCrc);
  BOOST_REQUIRE(rot.ok());
  BOOST_TEST(rot->file == "binlog.000007");
  BOOST_TEST(rot->position == 4u);

  Bytes q;
  q.le(9, 4).le(0, 4).u8(4).le(0, 2).le(3, 2).raw({1, 2, 3});
  q.str("shop").u8(0).str("TRUNCATE TABLE t");
  auto query = mysql::ParseQuery(Event(mysql::kQuery, q), kCrc);
  BOOST_REQUIRE(query.ok());
  BOOST_TEST(query->database == "shop");
  BOOST_TEST(query->statement == "TRUNCATE TABLE t");
  BOOST_TEST(query->thread_id == 9u);

  auto hb = mysql::ParseHeartbeat(
      Event(mysql::kHeartbeat, Bytes().str("binlog.000002")), kCrc);
  BOOST_REQUIRE(hb.ok());
  BOOST_TEST(*hb == "binlog.000002");
}

BOOST_AUTO_TEST_CASE(table_map_with_optional_metadata) {
  std::vector<Col> cols = {
      {ft::kLong, {}, "", LogicalType::Int(), {}},
      {ft::kVarchar, Le(1020, 2), "", LogicalType::Varchar(), {}},
      {ft::kString, {ft::kEnum, 1}, "", LogicalType::Varchar(), {}},
      {ft::kNewDecimal, {10, 2}, "", LogicalType::Varchar(), {}},
      // CHAR(100) utf8mb4 = 400 bytes: two length bits hide in byte 0.
      {ft::kString, {static_cast<uint8_t>(0xFE ^ (((400 >> 8) & 3) << 4)),
                     400 & 0xFF},
       "", LogicalType::Varchar(), {}},
  };
  Bytes opt;
  opt.u8(1).packed(1).u8(0b01000000);  // signedness: LONG no, DECIMAL yes
  Bytes names;
  for (auto n : {"id", "name", "state", "amount", "code"}) {
    names.packed(strlen(n)).str(n);
  }
  opt.u8(4).packed(names.b.size()).raw(names.b);
  Bytes enums;
  enums.packed(2).packed(2).str("on").packed(3).str("off");
  opt.u8(6).packed(enums.b.size()).raw(enums.b);
  opt.u8(8).packed(1).packed(0);  // primary key (id)
  auto ev = Event(mysql::kTableMapEvent, TableMapBody(cols, 0x0000ABCDEF01, opt));
  auto m = mysql::ParseTableMap(ev, kCrc);
  BOOST_REQUIRE_MESSAGE(m.ok(), m.status().message());
  BOOST_TEST(m->table_id == 0xABCDEF01u);
  BOOST_TEST(m->database == "shop");
  BOOST_TEST(m->table == "t");
  BOOST_TEST(m->column_types.size() == 5u);
  BOOST_TEST(m->metadata[1] == 1020);
  BOOST_TEST(m->RealType(2) == ft::kEnum);
  BOOST_TEST(m->StringMaxLength(2) == 1u);
  BOOST_TEST(m->metadata[3] == (10 << 8 | 2));
  BOOST_TEST(m->RealType(4) == ft::kString);
  BOOST_TEST(m->StringMaxLength(4) == 400u);
  BOOST_TEST(m->nullable[0]);
  BOOST_REQUIRE(m->is_unsigned.size() == 5u);
  BOOST_TEST(!m->is_unsigned[0]);
  BOOST_TEST(m->is_unsigned[3]);
  BOOST_REQUIRE(m->column_names.size() == 5u);
  BOOST_TEST(m->column_names[3] == "amount");
  BOOST_REQUIRE(m->enum_labels.size() == 5u);
  BOOST_TEST((m->enum_labels[2] == std::vector<std::string>{"on", "off"}));
  BOOST_TEST((m->primary_key == std::vector<int>{0}));
}

BOOST_AUTO_TEST_CASE(write_rows_v1_type_matrix) {
  std::vector<Col> cols = Matrix();
  auto map = mysql::ParseTableMap(
      Event(mysql::kTableMapEvent, TableMapBody(cols)), kCrc);
  BOOST_REQUIRE_MESSAGE(map.ok(), map.status().message());
  auto rows = mysql::ParseRows(
      Event(mysql::kWriteRowsV1, RowsBody(cols.size(), false, Image(cols))),
      kCrc);
  BOOST_REQUIRE_MESSAGE(rows.ok(), rows.status().message());
  BOOST_TEST((rows->kind == mysql::RowsKind::kWrite));
  BOOST_TEST(rows->table_id == 42u);
  mysql::RowDecoder decoder(*map, Targets(cols));
  Batch out = EmptyBatch(cols);
  auto st = decoder.Decode(*rows, &out);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  BOOST_REQUIRE_EQUAL(out.num_rows(), 1u);
  BOOST_TEST((out.change(0) == ChangeKind::kInsert));
  CheckRow(out.ToRows()[0], MatrixExpected());
}

BOOST_AUTO_TEST_CASE(update_v2_and_delete_v1) {
  std::vector<Col> cols = {
      {ft::kLong, {}, "int(11)", LogicalType::Int(), Le(7, 4)},
      {ft::kVarchar, Le(20, 2), "varchar(20)", LogicalType::Varchar(),
       Str("old", 1), "utf8mb4"},
  };
  std::vector<Col> after = cols;
  after[1].value = Str("new", 1);
  Bytes images;
  images.raw(Image(cols).b).raw(Image(after).b);
  auto map = mysql::ParseTableMap(
      Event(mysql::kTableMapEvent, TableMapBody(cols)), kCrc);
  BOOST_REQUIRE(map.ok());
  mysql::RowDecoder decoder(*map, Targets(cols));
  auto upd = mysql::ParseRows(
      Event(mysql::kUpdateRowsV2, RowsBody(2, true, images, true)), kCrc);
  BOOST_REQUIRE_MESSAGE(upd.ok(), upd.status().message());
  BOOST_TEST((upd->kind == mysql::RowsKind::kUpdate));
  Batch out = EmptyBatch(cols);
  BOOST_REQUIRE(decoder.Decode(*upd, &out).ok());
  auto del = mysql::ParseRows(
      Event(mysql::kDeleteRowsV1, RowsBody(2, false, Image(after))), kCrc);
  BOOST_REQUIRE(del.ok());
  BOOST_TEST((del->kind == mysql::RowsKind::kDelete));
  BOOST_REQUIRE(decoder.Decode(*del, &out).ok());
  BOOST_REQUIRE_EQUAL(out.num_rows(), 3u);
  auto r = out.ToRows();
  BOOST_TEST((out.change(0) == ChangeKind::kUpdateBefore));
  BOOST_TEST((out.change(1) == ChangeKind::kUpdateAfter));
  BOOST_TEST((out.change(2) == ChangeKind::kDelete));
  CheckRow(r[0], {Value::Int(7), Value::Varchar("old")});
  CheckRow(r[1], {Value::Int(7), Value::Varchar("new")});
  CheckRow(r[2], {Value::Int(7), Value::Varchar("new")});
}

BOOST_AUTO_TEST_CASE(minimal_images) {
  std::vector<Col> cols = {
      {ft::kLong, {}, "int(11)", LogicalType::Int(), Le(7, 4)},
      {ft::kLong, {}, "int(11)", LogicalType::Int(), Le(1, 4)},
      {ft::kLong, {}, "int(11)", LogicalType::Int(), Le(2, 4)},
  };
  auto map = mysql::ParseTableMap(
      Event(mysql::kTableMapEvent, TableMapBody(cols)), kCrc);
  BOOST_REQUIRE(map.ok());
  // Update with a full before image and an after image of column 2 only:
  // column 1 comes from the before image.
  Bytes b;
  b.le(42, 6).le(1, 2).packed(3).u8(0b111).u8(0b100);
  b.raw(Image(cols).b).u8(0).raw(Le(9, 4));
  auto upd = mysql::ParseRows(Event(mysql::kUpdateRowsV1, b), kCrc);
  BOOST_REQUIRE(upd.ok());
  mysql::RowDecoder decoder(*map, Targets(cols));
  Batch out = EmptyBatch(cols);
  auto st = decoder.Decode(*upd, &out);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  CheckRow(out.ToRows()[1], {Value::Int(7), Value::Int(1), Value::Int(9)});
  // A delete whose before image has the key only: an error by default,
  // NULLs with AbsentColumn::kNull.
  Bytes d;
  d.le(42, 6).le(1, 2).packed(3).u8(0b001).u8(0).raw(Le(7, 4));
  auto del = mysql::ParseRows(Event(mysql::kDeleteRowsV1, d), kCrc);
  BOOST_REQUIRE(del.ok());
  Batch out2 = EmptyBatch(cols);
  st = decoder.Decode(*del, &out2);
  BOOST_TEST(st.code() == absl::StatusCode::kFailedPrecondition);
  BOOST_TEST(std::string(st.message()).find("column 'c1' of MySQL table "
                                            "shop.t is absent") == 0,
             st.message());
  mysql::RowDecoder lenient(
      *map, Targets(cols),
      {.absent_column = mysql::RowDecoderOptions::AbsentColumn::kNull});
  BOOST_REQUIRE(lenient.Decode(*del, &out2).ok());
  CheckRow(out2.ToRows()[0], {Value::Int(7), Value::Null(LogicalType::Int()),
                              Value::Null(LogicalType::Int())});
}

BOOST_AUTO_TEST_CASE(zero_dates_by_option) {
  std::vector<Col> cols = {
      {ft::kDateTime2, {0}, "datetime", LogicalType::TimestampOrDie(0),
       DateTime2(0, 0, 0, 0, 0, 0, 0, 0)},
      {ft::kTimestamp2, {0}, "timestamp", LogicalType::TimestampOrDie(0),
       Be(0, 4)},
  };
  auto map = mysql::ParseTableMap(
      Event(mysql::kTableMapEvent, TableMapBody(cols)), kCrc);
  BOOST_REQUIRE(map.ok());
  auto rows = mysql::ParseRows(
      Event(mysql::kWriteRowsV1, RowsBody(2, false, Image(cols))), kCrc);
  BOOST_REQUIRE(rows.ok());
  Batch out = EmptyBatch(cols);
  BOOST_REQUIRE(mysql::RowDecoder(*map, Targets(cols)).Decode(*rows, &out).ok());
  CheckRow(out.ToRows()[0], {Value::Null(LogicalType::TimestampOrDie(0)),
                             Value::Null(LogicalType::TimestampOrDie(0))});
  mysql::RowDecoder strict(
      *map, Targets(cols),
      {.zero_date = mysql::RowDecoderOptions::ZeroDate::kError});
  auto st = strict.Decode(*rows, &out);
  BOOST_TEST(st.code() == absl::StatusCode::kInvalidArgument);
  BOOST_TEST(std::string(st.message()).find("zero date") != std::string::npos,
             st.message());
}

BOOST_AUTO_TEST_CASE(compressed_rows) {
  std::vector<Col> cols = Matrix();
  auto map = mysql::ParseTableMap(
      Event(mysql::kTableMapEvent, TableMapBody(cols)), kCrc);
  BOOST_REQUIRE(map.ok());
  Bytes image = Image(cols);
  for (uint8_t type : {mysql::kMariaWriteRowsCompressedV1,
                       mysql::kMariaWriteRowsCompressed}) {
    // MariaDB: 0x80 | length bytes, the length big-endian, a zlib stream.
    uLongf zlen = compressBound(image.b.size());
    std::vector<uint8_t> z(zlen);
    BOOST_REQUIRE(compress(z.data(), &zlen, image.b.data(), image.b.size()) ==
                  Z_OK);
    z.resize(zlen);
    Bytes packed;
    packed.u8(0x80 | 2).be(image.b.size(), 2).raw(z);
    bool v2 = type == mysql::kMariaWriteRowsCompressed;
    auto rows = mysql::ParseRows(
        Event(type, RowsBody(cols.size(), false, packed, v2)), kCrc);
    BOOST_REQUIRE_MESSAGE(rows.ok(), rows.status().message());
    BOOST_TEST(rows->rows.size() == image.b.size());
    Batch out = EmptyBatch(cols);
    auto st = mysql::RowDecoder(*map, Targets(cols)).Decode(*rows, &out);
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
    CheckRow(out.ToRows()[0], MatrixExpected());
    // A corrupt stream is DataLoss, not a crash.
    packed.b[5] ^= 0xFF;
    auto bad = mysql::ParseRows(
        Event(type, RowsBody(cols.size(), false, packed, v2)), kCrc);
    BOOST_TEST(!bad.ok());
  }
}

BOOST_AUTO_TEST_CASE(truncated_and_malformed_events_are_errors) {
  std::vector<Col> cols = Matrix();
  auto tm = Event(mysql::kTableMapEvent, TableMapBody(cols));
  auto wr = Event(mysql::kWriteRowsV1, RowsBody(cols.size(), false, Image(cols)));
  auto map = mysql::ParseTableMap(tm, kCrc);
  BOOST_REQUIRE(map.ok());
  // Every prefix of the events, with the size field claiming the whole.
  for (size_t n = 0; n < tm.size(); ++n) {
    std::vector<uint8_t> cut(tm.begin(), tm.begin() + n);
    BOOST_TEST(!mysql::ParseTableMap(cut, kCrc).ok());
  }
  for (size_t n = 0; n < wr.size(); ++n) {
    std::vector<uint8_t> cut(wr.begin(), wr.begin() + n);
    BOOST_TEST(!mysql::ParseRows(cut, kCrc).ok());
  }
  // Row images cut short (size field adjusted): a clean error.
  Bytes image = Image(cols);
  for (size_t n = 1; n < image.b.size(); ++n) {
    Bytes cut;
    cut.b.assign(image.b.begin(), image.b.begin() + n);
    auto rows = mysql::ParseRows(
        Event(mysql::kWriteRowsV1, RowsBody(cols.size(), false, cut)), kCrc);
    BOOST_REQUIRE(rows.ok());
    Batch out = EmptyBatch(cols);
    auto st = mysql::RowDecoder(*map, Targets(cols)).Decode(*rows, &out);
    BOOST_TEST(!st.ok());
    BOOST_TEST(out.num_rows() == 0u);
  }
  // Every byte of the image flipped: no crash (errors or other values).
  for (size_t i = 0; i < image.b.size(); ++i) {
    Bytes bad = image;
    bad.b[i] ^= 0xA5;
    auto rows = mysql::ParseRows(
        Event(mysql::kWriteRowsV1, RowsBody(cols.size(), false, bad)), kCrc);
    BOOST_REQUIRE(rows.ok());
    Batch out = EmptyBatch(cols);
    (void)mysql::RowDecoder(*map, Targets(cols)).Decode(*rows, &out);
  }
  // MySQL's partial JSON updates are refused, not skipped.
  BOOST_TEST(mysql::IsRowsEvent(mysql::kPartialUpdateRows));
  BOOST_TEST(mysql::ParseRows(Event(mysql::kPartialUpdateRows,
                                    RowsBody(1, true, Bytes(), true)),
                              kCrc)
                 .status()
                 .code() == absl::StatusCode::kUnimplemented);
  // A batch that does not fit the targets is an error, not a crash.
  {
    auto rows = mysql::ParseRows(wr, kCrc);
    BOOST_REQUIRE(rows.ok());
    std::vector<Col> wrong = cols;
    wrong[17].target = LogicalType::Time();  // INTERVAL target, TIME batch
    Batch out = EmptyBatch(wrong);
    auto st = mysql::RowDecoder(*map, Targets(cols)).Decode(*rows, &out);
    BOOST_TEST(st.code() == absl::StatusCode::kInvalidArgument);
    Batch narrow = EmptyBatch({cols[0]});
    BOOST_TEST(!mysql::RowDecoder(*map, Targets(cols)).Decode(*rows, &narrow)
                    .ok());
  }
  // A header whose size exceeds the bytes.
  std::vector<uint8_t> shortev(wr.begin(), wr.begin() + 30);
  auto h = mysql::ParseEventHeader(shortev);
  BOOST_TEST(!h.ok());
  BOOST_TEST(std::string(h.status().message()).find("size of") !=
             std::string::npos);
  // A table map that no longer fits the targets (ALTER TABLE).
  std::vector<Col> changed = cols;
  changed[4].type = ft::kVarchar;
  changed[4].meta = Le(10, 2);
  auto map2 = mysql::ParseTableMap(
      Event(mysql::kTableMapEvent, TableMapBody(changed)), kCrc);
  BOOST_REQUIRE(map2.ok());
  auto st = mysql::RowDecoder(*map2, Targets(cols)).Validate();
  BOOST_TEST(st.code() == absl::StatusCode::kFailedPrecondition);
  BOOST_TEST(std::string(st.message()).find("column 'c4' of MySQL table shop.t "
                                            "is VARCHAR in the binlog") == 0,
             st.message());
}

BOOST_AUTO_TEST_CASE(mariadb_gtid_events) {
  Bytes g;
  g.le(42, 8).le(3, 4).u8(0x02 | 0x01).le(99, 8);
  auto ev = mysql::ParseMariaGtid(Event(mysql::kMariaGtid, g, true, 7), kCrc);
  BOOST_REQUIRE_MESSAGE(ev.ok(), ev.status().message());
  BOOST_TEST(ev->gtid.ToString() == "3-7-42");
  BOOST_TEST(ev->standalone());
  BOOST_TEST(ev->commit_id == 99u);
  Bytes l;
  l.le(2, 4).le(0, 4).le(1, 4).le(10, 8).le(1, 4).le(2, 4).le(5, 8);
  auto list = mysql::ParseMariaGtidList(Event(mysql::kMariaGtidList, l), kCrc);
  BOOST_REQUIRE(list.ok());
  BOOST_REQUIRE_EQUAL(list->size(), 2u);
  BOOST_TEST((*list)[0].ToString() == "0-1-10");
  BOOST_TEST((*list)[1].ToString() == "1-2-5");
  // Truncated list.
  Bytes l2;
  l2.le(3, 4).le(0, 4);
  BOOST_TEST(!mysql::ParseMariaGtidList(Event(mysql::kMariaGtidList, l2), kCrc)
                  .ok());
}

BOOST_AUTO_TEST_CASE(mariadb_gtid_set) {
  auto set = mysql::GtidSet::Parse("1-2-7, 0-1-42",
                                   mysql::GtidSet::Flavor::kMariaDb);
  BOOST_REQUIRE(set.ok());
  BOOST_TEST(set->ToString() == "0-1-42,1-2-7");
  set->Add(mysql::Gtid{0, 3, 43});
  set->Add(mysql::Gtid{5, 1, 1});
  BOOST_TEST(set->ToString() == "0-3-43,1-2-7,5-1-1");
  BOOST_TEST(set->Contains(mysql::Gtid{1, 2, 6}));
  BOOST_TEST(!set->Contains(mysql::Gtid{1, 2, 8}));
  auto again = mysql::GtidSet::Parse(set->ToString(),
                                     mysql::GtidSet::Flavor::kMariaDb);
  BOOST_REQUIRE(again.ok());
  BOOST_TEST((*again == *set));
  BOOST_TEST(mysql::GtidSet::Parse("", mysql::GtidSet::Flavor::kMariaDb)
                 ->empty());
  for (auto bad : {"0-1", "0-1-x", "0-1-2,0-3-4", "a-b-c", "0-1-2,"}) {
    BOOST_TEST(!mysql::GtidSet::Parse(bad, mysql::GtidSet::Flavor::kMariaDb)
                    .ok(),
               bad);
  }
}

BOOST_AUTO_TEST_CASE(mysql_gtid_event_and_set) {
  mysql::Uuid uuid = {0x3E, 0x11, 0xFA, 0x47, 0x71, 0xCA, 0x11, 0xE1,
                      0x9E, 0x33, 0xC8, 0x0A, 0xA9, 0x42, 0x95, 0x62};
  Bytes g;
  g.u8(1);
  for (uint8_t x : uuid) g.u8(x);
  g.le(23, 8).u8(2).le(5, 8).le(6, 8);
  auto ev = mysql::ParseMySqlGtid(Event(mysql::kMySqlGtid, g), kCrc);
  BOOST_REQUIRE(ev.ok());
  BOOST_TEST(ev->gtid.ToString() == "3e11fa47-71ca-11e1-9e33-c80aa9429562:23");
  BOOST_TEST(ev->last_committed == 5);
  BOOST_TEST(ev->sequence_number == 6);

  auto set = mysql::GtidSet::Parse(
      "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5:7-9,\n"
      "00000000-0000-0000-0000-000000000001:1-3",
      mysql::GtidSet::Flavor::kMySql);
  BOOST_REQUIRE_MESSAGE(set.ok(), set.status().message());
  BOOST_TEST(set->ToString() ==
             "00000000-0000-0000-0000-000000000001:1-3,"
             "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7-9");
  set->Add(ev->gtid);  // 23: a new interval
  set->Add(mysql::MySqlGtid{uuid, 6});  // joins 1-5 and 7-9
  BOOST_TEST(set->ToString() ==
             "00000000-0000-0000-0000-000000000001:1-3,"
             "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-9:23");
  BOOST_TEST(set->Contains(mysql::MySqlGtid{uuid, 8}));
  BOOST_TEST(!set->Contains(mysql::MySqlGtid{uuid, 10}));
  set->Add(mysql::MySqlGtid{uuid, 10});
  BOOST_TEST(set->ToString().ends_with(":1-10:23"));
  auto again =
      mysql::GtidSet::Parse(set->ToString(), mysql::GtidSet::Flavor::kMySql);
  BOOST_REQUIRE(again.ok());
  BOOST_TEST((*again == *set));
  for (auto bad : {"3e11fa47:1-5", "3e11fa47-71ca-11e1-9e33-c80aa9429562",
                   "3e11fa47-71ca-11e1-9e33-c80aa9429562:5-1",
                   "3e11fa47-71ca-11e1-9e33-c80aa9429562:0"}) {
    BOOST_TEST(!mysql::GtidSet::Parse(bad, mysql::GtidSet::Flavor::kMySql).ok(),
               bad);
  }
}

namespace {

std::string Json(const std::vector<uint8_t>& b) {
  auto t = mysql::MySqlJsonToText(b);
  return t.ok() ? *t : "ERROR " + std::string(t.status().message());
}

std::vector<uint8_t> Cat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(mysql_binary_json_scalars) {
  BOOST_TEST(Json({}) == "null");
  BOOST_TEST(Json({0x04, 0x00}) == "null");
  BOOST_TEST(Json({0x04, 0x01}) == "true");
  BOOST_TEST(Json({0x04, 0x02}) == "false");
  BOOST_TEST(Json({0x05, 0xFF, 0xFF}) == "-1");
  BOOST_TEST(Json({0x06, 0xFF, 0xFF}) == "65535");
  BOOST_TEST(Json(Cat({{0x07}, Le(0x80000000u, 4)})) == "-2147483648");
  BOOST_TEST(Json(Cat({{0x08}, Le(0xFFFFFFFFu, 4)})) == "4294967295");
  BOOST_TEST(Json(Cat({{0x09}, Le(0x8000000000000000ull, 8)})) ==
             "-9223372036854775808");
  BOOST_TEST(Json(Cat({{0x0a}, Le(~0ull, 8)})) == "18446744073709551615");
  BOOST_TEST(Json(Cat({{0x0b}, Le(0x4004000000000000ull, 8)})) == "2.5");
  BOOST_TEST(Json(Cat({{0x0b}, Le(0x4008000000000000ull, 8)})) == "3.0");
  double big = 1e300;
  uint64_t bits;
  std::memcpy(&bits, &big, 8);
  BOOST_TEST(Json(Cat({{0x0b}, Le(bits, 8)})) == "1e300");
  // A string: 7-bit groups of length, then UTF-8, escaped on output.
  BOOST_TEST(Json(Cat({{0x0c, 5}, Bytes().str("a\"b\n\x01").b})) ==
             "\"a\\\"b\\n\\u0001\"");
  std::string long_text(200, 'z');
  BOOST_TEST(Json(Cat({{0x0c, 0x80 | (200 & 0x7f), 200 >> 7},
                       Bytes().str(long_text).b})) ==
             "\"" + long_text + "\"");
  // Opaque DECIMAL(14, 4) and DATETIME.
  BOOST_TEST(Json({0x0f, 246, 9, 14, 4, 0x81, 0x0D, 0xFB, 0x38, 0xD2, 0x04,
                   0xD2}) == "1234567890.1234");
  int64_t ymd = ((2024 * 13 + 2) << 5) | 29;
  int64_t hms = 12 << 12 | 34 << 6 | 56;
  uint64_t packed = static_cast<uint64_t>(((ymd << 17) | hms) << 24) + 5;
  BOOST_TEST(Json(Cat({{0x0f, 12, 8}, Le(packed, 8)})) ==
             "\"2024-02-29 12:34:56.000005\"");
  BOOST_TEST(Json({0x0f, 255, 2, 0xAB, 0xCD}) == "\"base64:type255:q80=\"");
}

BOOST_AUTO_TEST_CASE(mysql_binary_json_containers) {
  // {"a": 1, "bb": [true, "x"]}: a small object (2-byte counts and
  // offsets, relative to the container's start after the type byte).
  std::vector<uint8_t> array = Cat({Le(2, 2), Le(12, 2),  // count, size
                                    {0x04}, Le(1, 2),     // true, inlined
                                    {0x0c}, Le(10, 2),    // string at 10
                                    {1, 'x'}});
  BOOST_REQUIRE_EQUAL(array.size(), 12u);
  std::vector<uint8_t> object =
      Cat({Le(2, 2), Le(33, 2),             // count, size
           Le(18, 2), Le(1, 2),             // key "a" at 18
           Le(19, 2), Le(2, 2),             // key "bb" at 19
           {0x05}, Le(1, 2),                // 1, inlined int16
           {0x02}, Le(21, 2),               // small array at 21
           Bytes().str("abb").b, array});
  BOOST_REQUIRE_EQUAL(object.size(), 33u);
  std::vector<uint8_t> doc = Cat({{0x00}, object});
  BOOST_TEST(Json(doc) == "{\"a\": 1, \"bb\": [true, \"x\"]}");
  // A large array: 4-byte counts, int32 inlined.
  BOOST_TEST(Json(Cat({{0x03}, Le(2, 4), Le(18, 4), {0x07},
                       Le(0xFFFFFFFB, 4), {0x04}, Le(2, 4)})) == "[-5, false]");
  BOOST_TEST(Json(Cat({{0x02}, Le(0, 2), Le(4, 2)})) == "[]");
  BOOST_TEST(Json(Cat({{0x00}, Le(0, 2), Le(4, 2)})) == "{}");

  // Every prefix of the object fails cleanly (or prints a shorter value);
  // a bad offset and deep nesting are errors.
  for (size_t n = 1; n < doc.size(); ++n) {
    std::vector<uint8_t> cut(doc.begin(), doc.begin() + n);
    (void)mysql::MySqlJsonToText(cut);
  }
  std::vector<uint8_t> bad = doc;
  bad[1 + 16] = 200;  // the array's offset
  BOOST_TEST(Json(bad).starts_with("ERROR malformed MySQL binary JSON"));
  BOOST_TEST(Json({0x0e, 0}).starts_with("ERROR"));
  // 101 nested one-element arrays, each holding the next at offset 7.
  std::vector<uint8_t> deep = {0x04, 0x00};
  for (int i = 0; i < 101; ++i) {
    std::vector<uint8_t> inner(deep.begin() + 1, deep.end());
    deep = Cat({{0x02}, Le(1, 2), Le(7 + inner.size(), 2), {deep[0]},
                Le(7, 2), inner});
  }
  BOOST_TEST(Json(deep).find("deeper than 100") != std::string::npos);
}
