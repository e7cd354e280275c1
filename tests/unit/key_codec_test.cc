// storage/key_codec.h: memcmp order of encodings against a SQL comparison
// written here, round trips, corrupt bytes, the stable cross-type hash and
// key-group ranges.
#define BOOST_TEST_MODULE key_codec_test
#include "storage/key_codec.h"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "xxhash.h"

using namespace weir::storage;
using weir::types::IntervalValue;
using weir::types::LogicalType;
using weir::types::TypeId;
using weir::types::Value;
using int128 = __int128;

namespace {

constexpr int64_t kDay = 86'400'000'000LL;

std::string Hex(std::string_view s) {
  std::string out;
  char buf[4];
  for (unsigned char c : s) {
    std::snprintf(buf, sizeof buf, "%02x", c);
    if (!out.empty()) out += ' ';
    out += buf;
  }
  return out;
}

std::string Enc(const Value& v, SortOrder order = SortOrder::kAscending) {
  std::string s;
  AppendValue(&s, v, order);
  return s;
}

int Sign(int v) { return (v > 0) - (v < 0); }

int MemcmpSign(const std::string& a, const std::string& b) {
  int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  if (c != 0) return Sign(c);
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

template <typename T>
int Cmp(T a, T b) {
  return a < b ? -1 : (a > b ? 1 : 0);
}

/// SQL order of two values of one type, NULLs first, written independently
/// of the codec: NaN equals NaN and is the largest DOUBLE, -0.0 equals 0.0;
/// strings compare as unsigned bytes; an INTERVAL month is 30 days.
int SqlCompare(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) {
    return a.is_null() == b.is_null() ? 0 : (a.is_null() ? -1 : 1);
  }
  switch (a.type().id()) {
    case TypeId::kBoolean:
      return Cmp(a.boolean(), b.boolean());
    case TypeId::kDouble: {
      double x = a.dbl(), y = b.dbl();
      if (std::isnan(x) || std::isnan(y)) {
        return std::isnan(x) == std::isnan(y) ? 0 : (std::isnan(x) ? 1 : -1);
      }
      return Cmp(x, y);
    }
    case TypeId::kDecimal:
      return Cmp(a.decimal(), b.decimal());
    case TypeId::kVarchar:
    case TypeId::kBytes: {
      const std::string &x = a.str(), &y = b.str();
      for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
        unsigned char p = static_cast<unsigned char>(x[i]);
        unsigned char q = static_cast<unsigned char>(y[i]);
        if (p != q) return p < q ? -1 : 1;
      }
      return Cmp(x.size(), y.size());
    }
    case TypeId::kInterval: {
      auto total = [](IntervalValue v) {
        return static_cast<int128>(v.months) * 30 * kDay + v.micros;
      };
      return Cmp(total(a.interval()), total(b.interval()));
    }
    default:
      return Cmp(a.integer(), b.integer());
  }
}

/// Random values of `type`, edge values first, a few NULLs among them.
std::vector<Value> RandomValues(const LogicalType& type, std::mt19937_64& rng,
                                int n) {
  std::vector<Value> out;
  auto i64 = [&] { return static_cast<int64_t>(rng()); };
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  out.push_back(Value::Null(type));
  out.push_back(Value::Null(type));
  switch (type.id()) {
    case TypeId::kBoolean:
      for (int i = 0; i < n; ++i) out.push_back(Value::Boolean(rng() & 1));
      break;
    case TypeId::kInt: {
      for (int32_t e : {std::numeric_limits<int32_t>::min(), -1, 0, 1,
                        std::numeric_limits<int32_t>::max()}) {
        out.push_back(Value::Int(e));
      }
      for (int i = 0; i < n; ++i) {
        out.push_back(Value::Int(static_cast<int32_t>(
            i % 2 ? pick(-100, 100)
                  : static_cast<int64_t>(rng() >> 32) - (int64_t{1} << 31))));
      }
      break;
    }
    case TypeId::kBigint:
      for (int64_t e :
           {std::numeric_limits<int64_t>::min(), int64_t{-1}, int64_t{0},
            int64_t{1}, std::numeric_limits<int64_t>::max()}) {
        out.push_back(Value::Bigint(e));
      }
      for (int i = 0; i < n; ++i) {
        out.push_back(Value::Bigint(i % 2 ? pick(-1000, 1000) : i64()));
      }
      break;
    case TypeId::kDouble: {
      const double inf = std::numeric_limits<double>::infinity();
      uint64_t nan_bits[] = {0x7ff8000000000000ULL, 0xfff8000000000000ULL,
                             0x7ff0000000000001ULL, 0x7fffffffffffffffULL};
      for (uint64_t bits : nan_bits) {
        double d;
        std::memcpy(&d, &bits, sizeof d);
        out.push_back(Value::Double(d));
      }
      for (double e : {-inf, inf, -0.0, 0.0, 1.0, -1.0,
                       std::numeric_limits<double>::denorm_min(),
                       -std::numeric_limits<double>::denorm_min(),
                       std::numeric_limits<double>::max(),
                       std::numeric_limits<double>::lowest()}) {
        out.push_back(Value::Double(e));
      }
      for (int i = 0; i < n; ++i) {
        if (i % 3 == 0) {
          out.push_back(Value::Double(static_cast<double>(pick(-50, 50)) / 4));
        } else {
          uint64_t bits = rng();  // any bit pattern: NaNs and denormals too
          double d;
          std::memcpy(&d, &bits, sizeof d);
          out.push_back(Value::Double(d));
        }
      }
      break;
    }
    case TypeId::kDecimal: {
      int128 limit = 1;
      for (int i = 0; i < type.precision(); ++i) limit *= 10;
      for (int128 e :
           {-(limit - 1), int128{-1}, int128{0}, int128{1}, limit - 1}) {
        out.push_back(Value::Decimal(e, type));
      }
      for (int i = 0; i < n; ++i) {
        int128 v = (static_cast<int128>(rng()) << 64) | rng();
        v %= limit;  // keeps the sign: within +-(10^p - 1)
        if (i % 2) v = pick(-500, 500);
        out.push_back(Value::Decimal(v, type));
      }
      break;
    }
    case TypeId::kVarchar:
    case TypeId::kBytes: {
      // Bytes that stress the escaping: 0x00, 0x01, 0xFF and neighbours.
      const char alphabet[] = {'\0', '\1', 'a', 'b', '\xfe', '\xff'};
      out.push_back(Value::Varchar(""));
      for (int i = 0; i < n; ++i) {
        std::string s;
        int len = static_cast<int>(pick(0, 6));
        for (int k = 0; k < len; ++k) s.push_back(alphabet[rng() % 6]);
        out.push_back(type.id() == TypeId::kVarchar ? Value::Varchar(s)
                                                    : Value::Bytes(s));
      }
      if (type.id() == TypeId::kBytes) {
        out[2] = Value::Bytes("");
      }
      break;
    }
    case TypeId::kDate:
      for (int i = 0; i < n; ++i) {
        out.push_back(Value::Date(pick(-719162, 2932896)));
      }
      break;
    case TypeId::kTime:
      for (int i = 0; i < n; ++i) out.push_back(Value::Time(pick(0, kDay - 1)));
      break;
    case TypeId::kTimestamp:
      for (int i = 0; i < n; ++i) {
        out.push_back(Value::Timestamp(
            i % 2 ? pick(-1000, 1000)
                  : pick(-62135596800000000LL, 253402300799999999LL),
            type.precision()));
      }
      break;
    case TypeId::kInterval: {
      // Equal totals spelled differently: 1 month and 30 days.
      out.push_back(Value::Interval({1, 0}));
      out.push_back(Value::Interval({0, 30 * kDay}));
      out.push_back(Value::Interval({std::numeric_limits<int32_t>::max(),
                                     std::numeric_limits<int64_t>::max()}));
      out.push_back(Value::Interval({std::numeric_limits<int32_t>::min(),
                                     std::numeric_limits<int64_t>::min()}));
      for (int i = 0; i < n; ++i) {
        IntervalValue v;
        v.months = static_cast<int32_t>(
            i % 2 ? pick(-3, 3)
                  : static_cast<int64_t>(static_cast<int32_t>(rng())));
        v.micros = i % 3 ? pick(-100 * kDay, 100 * kDay) : i64();
        out.push_back(Value::Interval(v));
      }
      break;
    }
    case TypeId::kNull:
      break;
  }
  return out;
}

std::vector<LogicalType> AllTypes() {
  return {LogicalType::Boolean(),
          LogicalType::Int(),
          LogicalType::Bigint(),
          LogicalType::Double(),
          LogicalType::DecimalOrDie(38, 4),
          LogicalType::DecimalOrDie(5, 2),
          LogicalType::Varchar(),
          LogicalType::Bytes(),
          LogicalType::Date(),
          LogicalType::Time(),
          LogicalType::TimestampOrDie(6),
          LogicalType::Interval()};
}

}  // namespace

BOOST_AUTO_TEST_CASE(encodings_worked_out_by_hand) {
  // Marker 01, then the value big-endian with the sign bit flipped.
  BOOST_TEST(Hex(Enc(Value::Int(1))) == "01 80 00 00 00 00 00 00 01");
  BOOST_TEST(Hex(Enc(Value::Bigint(-1))) == "01 7f ff ff ff ff ff ff ff");
  BOOST_TEST(Hex(Enc(Value::Null(LogicalType::Bigint()))) == "00");
  // 1.5 = 0x3FF8000000000000: positive, so the sign bit is set.
  BOOST_TEST(Hex(Enc(Value::Double(1.5))) == "01 bf f8 00 00 00 00 00 00");
  // -2.0 = 0xC000000000000000: negative, so every bit flips.
  BOOST_TEST(Hex(Enc(Value::Double(-2.0))) == "01 3f ff ff ff ff ff ff ff");
  BOOST_TEST(Hex(Enc(Value::Double(-0.0))) == Hex(Enc(Value::Double(0.0))));
  BOOST_TEST(Hex(Enc(Value::Boolean(true))) == "01 01");
  // A 0x00 byte is escaped as 00 ff; the string ends with 00 01.
  BOOST_TEST(Hex(Enc(Value::Varchar(std::string("a\0b", 3)))) ==
             "01 61 00 ff 62 00 01");
  BOOST_TEST(Hex(Enc(Value::Decimal(-1, LogicalType::DecimalOrDie(10, 2)))) ==
             "01 7f ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff");
  // Descending: every byte inverted, so NULL (00 -> ff) sorts last.
  BOOST_TEST(Hex(Enc(Value::Int(1), SortOrder::kDescending)) ==
             "fe 7f ff ff ff ff ff ff fe");
  BOOST_TEST(Hex(KeyPrefix(0x01020304, 0x0102)) == "01 02 03 04 01 02");
  std::string t;
  AppendTime(&t, 0);
  AppendTime(&t, -1);
  BOOST_TEST(Hex(t) == "80 00 00 00 00 00 00 00 7f ff ff ff ff ff ff ff");
  // 1 month and 30 days are one INTERVAL in SQL, so one key.
  BOOST_TEST(Hex(Enc(Value::Interval({1, 0}))) ==
             Hex(Enc(Value::Interval({0, 30 * kDay}))));
}

BOOST_AUTO_TEST_CASE(memcmp_order_is_sql_order_for_every_type) {
  std::mt19937_64 rng(20260901);
  for (const LogicalType& type : AllTypes()) {
    BOOST_TEST_CONTEXT("type " << type.ToString()) {
      std::vector<Value> values = RandomValues(type, rng, 250);
      for (SortOrder order : {SortOrder::kAscending, SortOrder::kDescending}) {
        std::vector<std::string> enc;
        for (const Value& v : values) enc.push_back(Enc(v, order));
        int bad = 0;
        for (size_t i = 0; i < values.size() && bad < 5; ++i) {
          for (size_t j = 0; j < values.size(); ++j) {
            int want = SqlCompare(values[i], values[j]);
            if (order == SortOrder::kDescending) want = -want;
            if (MemcmpSign(enc[i], enc[j]) != want) {
              ++bad;
              BOOST_ERROR("order of " << values[i].ToSqlLiteral() << " and "
                                      << values[j].ToSqlLiteral() << ": "
                                      << Hex(enc[i]) << " vs " << Hex(enc[j]));
              break;
            }
          }
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(composite_keys_order_part_by_part) {
  // (VARCHAR, BIGINT DESC, time): a prefix-free first part keeps "a" + x
  // before "ab" + y whatever x and y are.
  std::mt19937_64 rng(7);
  struct Row {
    Value s, n;
    int64_t t;
    std::string key;
  };
  std::vector<Row> rows;
  auto strings = RandomValues(LogicalType::Varchar(), rng, 60);
  auto numbers = RandomValues(LogicalType::Bigint(), rng, 60);
  for (size_t i = 0; i < 400; ++i) {
    Row r{strings[rng() % strings.size()], numbers[rng() % numbers.size()],
          static_cast<int64_t>(rng() % 7) - 3, ""};
    AppendKeyPrefix(&r.key, 9, 3);
    AppendValue(&r.key, r.s);
    AppendValue(&r.key, r.n, SortOrder::kDescending);
    AppendTime(&r.key, r.t);
    rows.push_back(std::move(r));
  }
  for (const Row& a : rows) {
    for (const Row& b : rows) {
      int want = SqlCompare(a.s, b.s);
      if (want == 0) want = -SqlCompare(a.n, b.n);
      if (want == 0) want = Cmp(a.t, b.t);
      BOOST_REQUIRE_EQUAL(MemcmpSign(a.key, b.key), want);
    }
  }
  // And the parts decode back in order.
  std::string_view in = rows[0].key;
  auto prefix = DecodeKeyPrefix(&in);
  BOOST_REQUIRE(prefix.ok());
  BOOST_TEST(prefix->op == 9u);
  BOOST_TEST(prefix->key_group == 3);
  auto s = DecodeValue(&in, LogicalType::Varchar());
  auto n = DecodeValue(&in, LogicalType::Bigint(), SortOrder::kDescending);
  auto t = DecodeTime(&in);
  BOOST_REQUIRE(s.ok() && n.ok() && t.ok());
  BOOST_TEST((*s == rows[0].s));
  BOOST_TEST((*n == rows[0].n));
  BOOST_TEST(*t == rows[0].t);
  BOOST_TEST(in.empty());
}

BOOST_AUTO_TEST_CASE(values_decode_back) {
  std::mt19937_64 rng(99);
  for (const LogicalType& type : AllTypes()) {
    BOOST_TEST_CONTEXT("type " << type.ToString()) {
      for (const Value& v : RandomValues(type, rng, 200)) {
        for (SortOrder order :
             {SortOrder::kAscending, SortOrder::kDescending}) {
          std::string e = Enc(v, order) + "rest";
          std::string_view in = e;
          absl::StatusOr<Value> back = DecodeValue(&in, type, order);
          BOOST_REQUIRE_MESSAGE(back.ok(), back.status().ToString());
          BOOST_TEST(in == "rest");
          BOOST_TEST((back->type() == type));
          if (type.id() == TypeId::kDouble && !v.is_null()) {
            // -0.0 comes back as 0.0, any NaN as a NaN.
            if (std::isnan(v.dbl())) {
              BOOST_TEST(std::isnan(back->dbl()));
            } else {
              BOOST_TEST(back->dbl() == v.dbl());
              BOOST_TEST((!std::signbit(back->dbl()) || back->dbl() != 0.0));
            }
          } else if (type.id() == TypeId::kInterval && !v.is_null()) {
            // The SQL-equal canonical form: whole 30-day months, the rest
            // below 30 days with the same sign (unless months are at the
            // end of their range).
            BOOST_TEST(SqlCompare(*back, v) == 0);
            IntervalValue iv = back->interval();
            bool months_at_limit =
                iv.months == std::numeric_limits<int32_t>::max() ||
                iv.months == std::numeric_limits<int32_t>::min();
            if (!months_at_limit) {
              BOOST_TEST(std::abs(static_cast<double>(iv.micros)) <
                         30.0 * kDay);
              BOOST_TEST((iv.months == 0 || iv.micros == 0 ||
                          (iv.months > 0) == (iv.micros > 0)));
            }
          } else {
            BOOST_TEST((*back == v), v.ToSqlLiteral() << " came back as "
                                                      << back->ToSqlLiteral());
          }
        }
      }
    }
  }
  // The canonical INTERVAL of 45 days is 1 month 15 days.
  std::string e = Enc(Value::Interval({0, 45 * kDay}));
  std::string_view in = e;
  auto iv = DecodeValue(&in, LogicalType::Interval());
  BOOST_REQUIRE(iv.ok());
  BOOST_TEST(iv->interval().months == 1);
  BOOST_TEST(iv->interval().micros == 15 * kDay);
}

BOOST_AUTO_TEST_CASE(column_cells_encode_and_hash_like_values) {
  std::mt19937_64 rng(5);
  for (const LogicalType& type : AllTypes()) {
    BOOST_TEST_CONTEXT("type " << type.ToString()) {
      std::vector<Value> values = RandomValues(type, rng, 50);
      weir::types::Column col(type);
      for (const Value& v : values) col.Append(v);
      for (size_t r = 0; r < values.size(); ++r) {
        std::string a, b;
        AppendColumnValue(&a, col, r, SortOrder::kDescending);
        AppendValue(&b, values[r], SortOrder::kDescending);
        BOOST_TEST(Hex(a) == Hex(b));
      }
    }
  }
  // A batch of two key columns with a selection: one hash per live row,
  // equal to HashKey of that row's values.
  auto schema = std::make_shared<weir::types::Schema>(
      std::vector<weir::types::Field>{{"k", LogicalType::Varchar(), true},
                                      {"n", LogicalType::Int(), true}});
  weir::types::Batch batch(schema);
  std::vector<std::vector<Value>> rows = {
      {Value::Varchar("x"), Value::Int(1)},
      {Value::Null(LogicalType::Varchar()), Value::Int(2)},
      {Value::Varchar("y"), Value::Null(LogicalType::Int())},
      {Value::Varchar("x"), Value::Int(1)}};
  for (const auto& row : rows) batch.AppendRow(row);
  batch.SetSelection({1, 2, 3});
  std::vector<uint64_t> hashes;
  HashKeyColumns(batch, {0, 1}, &hashes);
  BOOST_REQUIRE_EQUAL(hashes.size(), 3u);
  for (size_t i = 0; i < 3; ++i) BOOST_TEST(hashes[i] == HashKey(rows[i + 1]));
  BOOST_TEST(hashes[2] == HashKey(rows[0]));  // the same key as row 0
}

BOOST_AUTO_TEST_CASE(corrupt_bytes_are_errors_not_crashes) {
  auto decode = [](std::string bytes, LogicalType type) {
    std::string_view in = bytes;
    return DecodeValue(&in, type).status();
  };
  auto is_data_loss = [](const absl::Status& s) {
    return s.code() == absl::StatusCode::kDataLoss;
  };
  BOOST_TEST(is_data_loss(decode("", LogicalType::Int())));
  BOOST_TEST(is_data_loss(decode("\x02", LogicalType::Int())));  // marker
  BOOST_TEST(is_data_loss(decode("\x01\x80\x00", LogicalType::Bigint())));
  // INT beyond 32 bits: 0x80000001_00000000 after the flip.
  BOOST_TEST(is_data_loss(
      decode(std::string("\x01\x80\x00\x00\x01\x00\x00\x00\x00", 9),
             LogicalType::Int())));
  BOOST_TEST(
      is_data_loss(decode(std::string("\x01\x02", 2), LogicalType::Boolean())));
  BOOST_TEST(is_data_loss(decode(std::string("\x01"
                                             "ab",
                                             3),
                                 LogicalType::Varchar())));
  BOOST_TEST(is_data_loss(decode(std::string("\x01"
                                             "a\x00\x07",
                                             4),
                                 LogicalType::Varchar())));
  BOOST_TEST(
      is_data_loss(decode(std::string("\x01\xff\xff\xff\xff\xff\xff\xff\xff"
                                      "\xff\xff\xff\xff\xff\xff\xff\xff",
                                      17),
                          LogicalType::Interval())));
  // DECIMAL(3, 2) holds at most 9.99: unscaled 1000 is out of its range.
  std::string big;
  AppendValue(&big, Value::Decimal(1000, LogicalType::DecimalOrDie(5, 2)));
  BOOST_TEST(is_data_loss(decode(big, LogicalType::DecimalOrDie(3, 2))));
  std::string_view in = "\x01\x02";
  BOOST_TEST(is_data_loss(DecodeKeyPrefix(&in).status()));
  std::string t("\x01\x02\x03", 3);
  in = t;
  BOOST_TEST(is_data_loss(DecodeTime(&in).status()));
  // Any bytes at all: an answer or DataLoss, for every type.
  std::mt19937_64 rng(3);
  for (int i = 0; i < 20000; ++i) {
    std::string bytes;
    int len = static_cast<int>(rng() % 20);
    for (int k = 0; k < len; ++k) bytes.push_back(static_cast<char>(rng()));
    if (i % 2 && !bytes.empty()) bytes[0] = '\x01';
    for (const LogicalType& type : AllTypes()) {
      absl::Status s = decode(bytes, type);
      BOOST_REQUIRE(s.ok() || is_data_loss(s));
    }
  }
}

BOOST_AUTO_TEST_CASE(sql_equal_values_of_different_types_hash_alike) {
  const LogicalType d10_1 = LogicalType::DecimalOrDie(10, 1);
  const LogicalType d38_5 = LogicalType::DecimalOrDie(38, 5);
  const LogicalType d3_2 = LogicalType::DecimalOrDie(3, 2);
  uint64_t one = HashValue(Value::Int(1));
  BOOST_TEST(HashValue(Value::Bigint(1)) == one);
  BOOST_TEST(HashValue(Value::Decimal(10, d10_1)) == one);      // 1.0
  BOOST_TEST(HashValue(Value::Decimal(100000, d38_5)) == one);  // 1.00000
  BOOST_TEST(HashValue(Value::Double(1.0)) == one);
  BOOST_TEST(HashValue(Value::Double(-0.0)) == HashValue(Value::Int(0)));
  BOOST_TEST(HashValue(Value::Decimal(50, d3_2)) ==  // 0.50
             HashValue(Value::Double(0.5)));
  BOOST_TEST(HashValue(Value::Decimal(-125, d3_2)) ==  // -1.25
             HashValue(Value::Double(-1.25)));
  // 10^20 is an integer beyond 64 bits, exact as a DOUBLE and a DECIMAL.
  int128 e20 = 1;
  for (int i = 0; i < 20; ++i) e20 *= 10;
  BOOST_TEST(
      HashValue(Value::Decimal(e20 * 10, LogicalType::DecimalOrDie(38, 1))) ==
      HashValue(Value::Double(1e20)));
  double nan1 = std::numeric_limits<double>::quiet_NaN();
  uint64_t bits = 0xfff8000000000123ULL;
  double nan2;
  std::memcpy(&nan2, &bits, sizeof nan2);
  BOOST_TEST(HashValue(Value::Double(nan1)) == HashValue(Value::Double(nan2)));
  // DATE and the TIMESTAMP of its midnight; TIMESTAMP precisions.
  BOOST_TEST(HashValue(Value::Date(20454)) ==
             HashValue(Value::Timestamp(20454 * kDay, 0)));
  BOOST_TEST(HashValue(Value::Timestamp(5, 3)) ==
             HashValue(Value::Timestamp(5, 6)));
  BOOST_TEST(HashValue(Value::Interval({1, 0})) ==
             HashValue(Value::Interval({0, 30 * kDay})));
  // NULLs hash alike whatever their type, and unlike 0 and "".
  uint64_t null_hash = HashValue(Value::Null(LogicalType::Int()));
  BOOST_TEST(HashValue(Value::Null(LogicalType::Varchar())) == null_hash);
  BOOST_TEST(null_hash != HashValue(Value::Int(0)));
  BOOST_TEST(null_hash != HashValue(Value::Varchar("")));
  // Different values differ (no accidental collapse).
  BOOST_TEST(HashValue(Value::Int(1)) != HashValue(Value::Int(2)));
  BOOST_TEST(HashValue(Value::Double(0.1)) != HashValue(Value::Double(0.2)));
  BOOST_TEST(HashValue(Value::Decimal(1, d3_2)) != HashValue(Value::Int(1)));
  BOOST_TEST(HashValue(Value::Varchar("ab")) !=
             HashValue(Value::Varchar("ba")));
  // Order of key columns matters.
  std::vector<Value> ab = {Value::Int(1), Value::Int(2)};
  std::vector<Value> ba = {Value::Int(2), Value::Int(1)};
  BOOST_TEST(HashKey(ab) != HashKey(ba));
}

BOOST_AUTO_TEST_CASE(the_hash_is_its_specification) {
  // Fixed forever (it places state on disk): a 64-bit integer hashes as
  // XXH3-64 of its 8 little-endian bytes, seed 0; a key folds each
  // column's hash as XXH3-64 of its 8 little-endian bytes seeded with the
  // running hash, from 0.
  auto xxh_le = [](uint64_t v, uint64_t seed) {
    unsigned char b[8];
    for (int k = 0; k < 8; ++k) b[k] = static_cast<unsigned char>(v >> (8 * k));
    return XXH3_64bits_withSeed(b, 8, seed);
  };
  BOOST_TEST(HashValue(Value::Bigint(42)) == xxh_le(42, 0));
  BOOST_TEST(HashValue(Value::Bigint(-7)) ==
             xxh_le(static_cast<uint64_t>(-7), 0));
  std::vector<Value> key = {Value::Bigint(42), Value::Int(-7)};
  uint64_t h = xxh_le(xxh_le(42, 0), 0);
  h = xxh_le(xxh_le(static_cast<uint64_t>(-7), 0), h);
  BOOST_TEST(HashKey(key) == h);
  BOOST_TEST(KeyGroupOf(h, 128) == static_cast<int>(h % 128));
  // One literal, so that a change of xxHash's output itself is seen too:
  // XXH3-64 of the bytes 2a 00 00 00 00 00 00 00, seed 0, computed with
  // python3 from the algorithm of the XXH3 specification (the 4-8 byte
  // path: the input xor the secret's bytes 8..23, then rrmxmx).
  BOOST_TEST(HashValue(Value::Bigint(42)) == 0xd5a6f8c838df27c8ULL);
}

BOOST_AUTO_TEST_CASE(key_group_ranges_partition_the_groups) {
  // 128 groups over 3 tasks, by hand: ceil(128/3) = 43, ceil(256/3) = 86.
  BOOST_TEST((KeyGroupRangeForTask(0, 3, 128) == KeyGroupRange{0, 42}));
  BOOST_TEST((KeyGroupRangeForTask(1, 3, 128) == KeyGroupRange{43, 85}));
  BOOST_TEST((KeyGroupRangeForTask(2, 3, 128) == KeyGroupRange{86, 127}));
  BOOST_TEST((KeyGroupRangeForTask(0, 1, 128) == KeyGroupRange{0, 127}));
  for (int max : {1, 2, 7, 128, 1000, kMaxMaxParallelism}) {
    for (int tasks : {1, 2, 3, 5, 7, 64, 127, 128}) {
      if (tasks > max) continue;
      int next = 0, smallest = max, largest = 0;
      for (int t = 0; t < tasks; ++t) {
        KeyGroupRange r = KeyGroupRangeForTask(t, tasks, max);
        BOOST_REQUIRE_EQUAL(r.first, next);
        smallest = std::min(smallest, r.size());
        largest = std::max(largest, r.size());
        for (int g = r.first; g <= r.last; g += std::max(1, r.size() / 8)) {
          BOOST_REQUIRE_EQUAL(TaskForKeyGroup(g, tasks, max), t);
        }
        BOOST_REQUIRE_EQUAL(TaskForKeyGroup(r.last, tasks, max), t);
        next = r.last + 1;
      }
      BOOST_TEST(next == max);
      BOOST_TEST(largest - smallest <= 1);
    }
  }
  BOOST_TEST(CheckMaxParallelism(128).ok());
  BOOST_TEST(CheckMaxParallelism(0).code() ==
             absl::StatusCode::kInvalidArgument);
  BOOST_TEST(std::string(CheckMaxParallelism(40000).message()) ==
             "max-parallelism must be between 1 and 32768, got 40000");
}

BOOST_AUTO_TEST_CASE(prefix_successor_ends_a_prefix_scan) {
  BOOST_TEST(PrefixSuccessor("ab") == "ac");
  BOOST_TEST(PrefixSuccessor("a\xff") == "b");
  BOOST_TEST(PrefixSuccessor("\xff\xff") == "");
  std::string p = KeyPrefix(1, 5);
  std::string inside = p + "\xff\xff\xff";
  BOOST_TEST(MemcmpSign(inside, PrefixSuccessor(p)) < 0);
  BOOST_TEST(MemcmpSign(KeyPrefix(1, 6), PrefixSuccessor(p)) == 0);
}
