#define BOOST_TEST_MODULE formats_test
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "connectors/formats/convert.h"
#include "connectors/formats/format.h"
#include "engine/types/batch.h"
#include "engine/types/schema.h"
#include "engine/types/value.h"

namespace weir::formats {
namespace {

using types::Batch;
using types::ChangeKind;
using types::Field;
using types::LogicalType;
using types::Schema;
using types::Value;

// 2026-01-01 00:00:00 UTC: 56 years after 1970 with 14 leap days
// (1972..2024), so 56 * 365 + 14 = 20454 days.
constexpr int64_t kDay2026 = 20454;
constexpr int64_t kMicros2026 = kDay2026 * 86'400'000'000LL;

std::shared_ptr<const Schema> MakeSchema(std::vector<Field> fields) {
  return std::make_shared<const Schema>(std::move(fields));
}

std::shared_ptr<const Schema> BidSchema() {
  return MakeSchema({
      {"auction", LogicalType::Bigint(), true},
      {"bidder", LogicalType::Bigint(), true},
      {"price", LogicalType::Bigint(), true},
      {"channel", LogicalType::Varchar(), true},
      {"url", LogicalType::Varchar(), true},
      {"date_time", LogicalType::TimestampOrDie(3), true},
      {"extra", LogicalType::Varchar(), true},
  });
}

std::unique_ptr<Decoder> Dec(std::string_view format,
                             std::shared_ptr<const Schema> schema,
                             const FormatOptions& options = {}) {
  auto d = MakeDecoder(format, std::move(schema), options);
  BOOST_REQUIRE_MESSAGE(d.ok(), d.status().ToString());
  return std::move(d).value();
}

std::unique_ptr<Encoder> Enc(std::string_view format,
                             std::shared_ptr<const Schema> schema,
                             const FormatOptions& options = {}) {
  auto e = MakeEncoder(format, std::move(schema), options);
  BOOST_REQUIRE_MESSAGE(e.ok(), e.status().ToString());
  return std::move(e).value();
}

std::string Show(const std::vector<Value>& row) {
  std::string s = "(";
  for (size_t i = 0; i < row.size(); ++i) {
    if (i > 0) s += ", ";
    s += row[i].ToSqlLiteral();
  }
  return s + ")";
}

void CheckRow(const Batch& b, size_t row, const std::vector<Value>& expected) {
  BOOST_REQUIRE_LT(row, b.num_rows());
  std::vector<Value> got;
  for (size_t c = 0; c < b.num_columns(); ++c) {
    got.push_back(b.column(c).GetValue(row));
  }
  BOOST_CHECK_MESSAGE(got == expected, "row " << row << ": got " << Show(got)
                                              << ", expected "
                                              << Show(expected));
}

/// Decoding `payload` fails with `code`, a message containing `needle`, and
/// leaves `batch` as it was.
void CheckError(Decoder& d, Batch& batch, std::string_view payload,
                std::string_view needle,
                absl::StatusCode code = absl::StatusCode::kInvalidArgument) {
  auto before = batch.ToRows();
  std::vector<size_t> sizes;
  for (size_t c = 0; c < batch.num_columns(); ++c) {
    sizes.push_back(batch.column(c).size());
  }
  absl::Status s = d.Decode(payload, &batch);
  BOOST_CHECK_MESSAGE(!s.ok(), "expected an error for: " << payload);
  BOOST_CHECK_MESSAGE(s.code() == code,
                      "code " << s.ToString() << " for: " << payload);
  BOOST_CHECK_MESSAGE(
      std::string(s.message()).find(needle) != std::string::npos,
      "message '" << s.message() << "' lacks '" << needle
                  << "' for: " << payload);
  BOOST_CHECK_EQUAL(batch.num_rows(), before.size());
  for (size_t c = 0; c < batch.num_columns(); ++c) {
    BOOST_CHECK_EQUAL(batch.column(c).size(), sizes[c]);
  }
  BOOST_CHECK(batch.ToRows() == before);
}

Value Ts(int64_t micros, int p = 3) { return Value::Timestamp(micros, p); }
Value Dec(__int128 unscaled, int p, int s) {
  return Value::Decimal(unscaled, LogicalType::DecimalOrDie(p, s));
}

// ---------------------------------------------------------------- random

/// Random valid UTF-8 with the characters that need care: quotes,
/// backslashes, control characters, delimiters, multi-byte sequences.
std::string RandomText(std::mt19937_64& rng) {
  static const std::vector<std::string> kPieces = {"a",
                                                   "Z",
                                                   "0",
                                                   " ",
                                                   ",",
                                                   ";",
                                                   "\"",
                                                   "\\",
                                                   "\n",
                                                   "\r",
                                                   "\t",
                                                   std::string(1, '\x01'),
                                                   std::string(1, '\x1f'),
                                                   "\x7f",
                                                   "/",
                                                   "{",
                                                   "}",
                                                   "é",
                                                   "€",
                                                   "😀",
                                                   "中",
                                                   "\xe2\x80\xa8" /* U+2028 */,
                                                   "null",
                                                   "\"\""};
  size_t n = rng() % 12;
  std::string s;
  for (size_t i = 0; i < n; ++i) s += kPieces[rng() % kPieces.size()];
  return s;
}

std::shared_ptr<const Schema> AllTypesSchema() {
  return MakeSchema({
      {"b", LogicalType::Boolean(), true},
      {"i", LogicalType::Int(), true},
      {"Big", LogicalType::Bigint(), true},
      {"d", LogicalType::Double(), true},
      {"dec", LogicalType::DecimalOrDie(18, 4), true},
      {"wide", LogicalType::DecimalOrDie(38, 10), true},
      {"s", LogicalType::Varchar(), true},
      {"bytes", LogicalType::Bytes(), true},
      {"day", LogicalType::Date(), true},
      {"tod", LogicalType::Time(), true},
      {"ts0", LogicalType::TimestampOrDie(0), true},
      {"ts3", LogicalType::TimestampOrDie(3), true},
      {"ts6", LogicalType::TimestampOrDie(6), true},
      {"id", LogicalType::Bigint(), false},
  });
}

__int128 RandomUnscaled(std::mt19937_64& rng, int precision) {
  int digits = 1 + static_cast<int>(rng() % precision);
  __int128 v = 0;
  for (int i = 0; i < digits; ++i) v = v * 10 + static_cast<int>(rng() % 10);
  return rng() % 2 ? -v : v;
}

double RandomDouble(std::mt19937_64& rng) {
  switch (rng() % 5) {
    case 0:
      return static_cast<double>(static_cast<int64_t>(rng())) / 1e3;
    case 1:
      return HUGE_VAL * (rng() % 2 ? 1 : -1);
    case 2:
      return static_cast<double>(rng() % 100);
    default: {
      double d;
      do {
        uint64_t bits = rng();
        std::memcpy(&d, &bits, sizeof d);
      } while (std::isnan(d));
      return d;
    }
  }
}

std::vector<Value> RandomRow(std::mt19937_64& rng, const Schema& schema,
                             int64_t id) {
  // Timestamps between years 1 and 9999, truncated to their precision.
  const int64_t kMinMicros = -62135596800LL * 1'000'000;
  const int64_t kSpan = 315537897599LL * 1'000'000;
  auto ts = [&](int p) {
    int64_t m = kMinMicros + static_cast<int64_t>(rng() % kSpan);
    int64_t unit = 1;
    for (int i = p; i < 6; ++i) unit *= 10;
    m -= ((m % unit) + unit) % unit;
    return Value::Timestamp(m, p);
  };
  std::vector<Value> row = {
      Value::Boolean(rng() % 2),
      Value::Int(static_cast<int32_t>(rng())),
      Value::Bigint(static_cast<int64_t>(rng())),
      Value::Double(RandomDouble(rng)),
      Value::Decimal(RandomUnscaled(rng, 18), LogicalType::DecimalOrDie(18, 4)),
      Value::Decimal(RandomUnscaled(rng, 38),
                     LogicalType::DecimalOrDie(38, 10)),
      Value::Varchar(RandomText(rng)),
      Value::Bytes([&] {
        std::string s(rng() % 9, '\0');
        for (char& c : s) c = static_cast<char>(rng());
        return s;
      }()),
      Value::Date(-719162 + static_cast<int64_t>(rng() % 3652059)),
      Value::Time(static_cast<int64_t>(rng() % 86'400'000'000ULL)),
      ts(0),
      ts(3),
      ts(6),
      Value::Bigint(id),
  };
  for (size_t c = 0; c + 1 < row.size(); ++c) {
    if (rng() % 10 == 0) row[c] = Value::Null(schema.field(c).type);
  }
  return row;
}

void RoundTrip(std::string_view format, const FormatOptions& options,
               uint64_t seed) {
  auto schema = AllTypesSchema();
  std::mt19937_64 rng(seed);
  Batch original(schema);
  std::vector<ChangeKind> kinds;
  for (int i = 0; i < 500; ++i) {
    ChangeKind kind = ChangeKind::kInsert;
    original.AppendRow(RandomRow(rng, *schema, i), kind);
  }
  // TIME(0)? The TIME column above is TIME (micros); keep it at millis so
  // that every format's text form is exact.
  auto enc = Enc(format, schema, options);
  auto dec = Dec(format, schema, options);
  Batch decoded(schema);
  std::string payload;
  for (size_t r = 0; r < original.num_rows();) {
    auto n = enc->Encode(original, r, &payload);
    BOOST_REQUIRE_MESSAGE(n.ok(), n.status().ToString());
    absl::Status s = dec->Decode(payload, &decoded);
    BOOST_REQUIRE_MESSAGE(s.ok(), s.ToString() << " decoding: " << payload);
    r += *n;
  }
  BOOST_REQUIRE_EQUAL(decoded.num_rows(), original.num_rows());
  for (size_t r = 0; r < original.num_rows(); ++r) {
    CheckRow(decoded, r, original.ToRows()[r]);
    BOOST_CHECK(decoded.change(r) == ChangeKind::kInsert);
  }
}

}  // namespace

// ---------------------------------------------------------------- factory

BOOST_AUTO_TEST_SUITE(factory)

BOOST_AUTO_TEST_CASE(rejects_bad_formats_and_schemas) {
  auto bid = BidSchema();
  auto s = MakeDecoder("xml", bid, {});
  BOOST_CHECK(s.status().code() == absl::StatusCode::kInvalidArgument);
  BOOST_CHECK(std::string(s.status().message()).find("unknown format 'xml'") !=
              std::string::npos);
  BOOST_CHECK(MakeDecoder("avro", bid, {}).status().code() ==
              absl::StatusCode::kUnimplemented);
  BOOST_CHECK(!MakeDecoder("raw", bid, {}).ok());
  BOOST_CHECK(!MakeEncoder("raw", bid, {}).ok());
  auto interval = MakeSchema({{"x", LogicalType::Interval(), true}});
  auto e = MakeDecoder("json", interval, {});
  BOOST_CHECK(std::string(e.status().message()).find("column 'x' of type") !=
              std::string::npos);
  BOOST_CHECK(!MakeDecoder("csv", bid, {{"csv.delimiter", ";;"}}).ok());
  BOOST_CHECK(!MakeEncoder("csv", bid, {{"csv.delimiter", "\""}}).ok());
  BOOST_CHECK(MakeDecoder("csv", bid, {{"csv.delimiter", "\\t"}}).ok());
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------- convert

BOOST_AUTO_TEST_SUITE(convert)

BOOST_AUTO_TEST_CASE(decimal_text_rounds_half_away_from_zero) {
  using internal::DecimalParse;
  auto parse = [](std::string_view t, int p, int s) {
    __int128 v = -999;
    DecimalParse r = internal::ParseDecimalText(t, p, s, &v);
    return std::make_pair(r, static_cast<int64_t>(v));
  };
  auto ok = [&](std::string_view t, int p, int s, int64_t want) {
    auto [r, v] = parse(t, p, s);
    BOOST_CHECK_MESSAGE(r == DecimalParse::kOk && v == want,
                        t << " -> " << v << " want " << want);
  };
  ok("12.345", 10, 2, 1235);
  ok("-12.345", 10, 2, -1235);
  ok("12.344", 10, 2, 1234);
  ok("1e2", 10, 2, 10000);
  ok("1.5E-1", 10, 2, 15);
  ok("0.005", 10, 2, 1);
  ok("0.004999", 10, 2, 0);
  ok("-0.5", 5, 0, -1);
  ok("0.05", 5, 0, 0);
  ok("000123", 3, 0, 123);
  ok("+7.", 3, 0, 7);
  ok(".5", 3, 1, 5);
  ok("0e999999999", 3, 1, 0);
  ok("1e-400", 3, 1, 0);
  BOOST_CHECK(parse("123456789.0", 10, 2).first == DecimalParse::kOverflow);
  BOOST_CHECK(parse("99999999.995", 10, 2).first == DecimalParse::kOverflow);
  BOOST_CHECK(parse("99999999.994", 10, 2).first == DecimalParse::kOk);
  BOOST_CHECK(parse("1e40", 38, 0).first == DecimalParse::kOverflow);
  for (std::string_view bad :
       {"", "-", ".", "1.2.3", "1e", "1e+", "abc", "1 ", "0x10", "--1"}) {
    BOOST_CHECK_MESSAGE(parse(bad, 10, 2).first == DecimalParse::kSyntax, bad);
  }
}

// The usual timestamp text is parsed by a fast path that reuses the day
// of the last date text it read and truncates the fraction itself: values
// across days, the fraction at every length against every precision, and
// bad dates and times right after a good text of the same day. Expected
// micros are counted from 2026-01-01 (kMicros2026) by hand.
BOOST_AUTO_TEST_CASE(timestamp_text_days_reused_and_fractions_truncated) {
  constexpr int64_t kDay = 86'400'000'000LL;
  struct Case {
    const char* text;
    int precision;
    int64_t micros;
  };
  const Case cases[] = {
      {"2026-01-01 00:00:00", 3, kMicros2026},
      {"2026-01-01 00:00:01.5", 3, kMicros2026 + 1'500'000},
      {"2026-01-02T00:00:00", 0, kMicros2026 + kDay},
      {"2026-01-01 23:59:59.999999", 6, kMicros2026 + kDay - 1},
      {"2026-01-01 23:59:59.999999", 3, kMicros2026 + kDay - 1000},
      {"2026-01-01 23:59:59.999999", 0, kMicros2026 + kDay - 1'000'000},
      {"2026-01-01 00:00:00.1", 6, kMicros2026 + 100'000},
      {"2026-01-01 00:00:00.12", 1, kMicros2026 + 100'000},
      {"2026-01-01 00:00:00.123", 3, kMicros2026 + 123'000},
      {"2026-01-01 00:00:00.1234", 3, kMicros2026 + 123'000},
      {"2026-01-01 00:00:00.12345", 2, kMicros2026 + 120'000},
      {"2026-01-01 00:00:00.123456", 5, kMicros2026 + 123'450},
      {"2026-03-01 12:00:00Z", 3, kMicros2026 + 59 * kDay + kDay / 2},
      {"2026-01-01 00:00:00.5", 3, kMicros2026 + 500'000},
      // 1969-12-31 is day -1: the fraction still truncates toward the past.
      {"1969-12-31 23:59:59.9999", 3, -1000},
      {"1970-01-01 00:00:00", 3, 0},
  };
  for (const Case& c : cases) {
    int64_t v = 0;
    BOOST_CHECK_MESSAGE(internal::ParseTimestampText(c.text, c.precision, &v),
                        c.text);
    BOOST_CHECK_MESSAGE(v == c.micros, c.text << " (" << c.precision
                                              << "): " << v << " != "
                                              << c.micros);
  }
  // Each bad text right after a good one of the same first ten characters
  // (where that can be), so that a reused day cannot let it through: each
  // is refused as the general parser (types::ParseTimestamp, which the
  // fast path leaves the unusual forms to) refuses it.
  const char* good = "2026-02-28 00:00:00";
  const char* bad[] = {"2026-02-29 00:00:00", "2026-02-28 24:00:00",
                       "2026-02-28 00:60:00", "2026-02-28 0a:00:00",
                       "2026-13-01 00:00:00", "2026-02-30 00:00:00",
                       "2025-02-29 12:00:00", "0000-01-01 00:00:00"};
  int64_t v = 0;
  for (const char* text : bad) {
    BOOST_CHECK(internal::ParseTimestampText(good, 6, &v));
    BOOST_CHECK_EQUAL(v, kMicros2026 + 58 * kDay);
    BOOST_CHECK_MESSAGE(!types::ParseTimestamp(text).ok(), text);
    BOOST_CHECK_MESSAGE(!internal::ParseTimestampText(text, 6, &v), text);
  }
}

BOOST_AUTO_TEST_CASE(base64) {
  std::string out;
  internal::Base64Encode("", &out);
  BOOST_CHECK_EQUAL(out, "");
  out.clear();
  internal::Base64Encode("foob", &out);
  BOOST_CHECK_EQUAL(out, "Zm9vYg==");
  out.clear();
  internal::Base64Encode("fooba", &out);
  BOOST_CHECK_EQUAL(out, "Zm9vYmE=");
  BOOST_CHECK(internal::Base64Decode("Zm9vYmFy", &out) && out == "foobar");
  BOOST_CHECK(internal::Base64Decode("Zm9vYg", &out) && out == "foob");
  BOOST_CHECK(!internal::Base64Decode("Zm9vY", &out));
  BOOST_CHECK(!internal::Base64Decode("Zm9v!g==", &out));
  BOOST_CHECK(!internal::Base64Decode("Zh==", &out));  // non-zero pad bits
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------- json

BOOST_AUTO_TEST_SUITE(json)

BOOST_AUTO_TEST_CASE(decodes_a_nexmark_bid) {
  auto dec = Dec("json", BidSchema());
  Batch b(BidSchema());
  BOOST_REQUIRE(
      dec->Decode(R"({"auction":1000,"bidder":1001,"price":12345,)"
                  R"("channel":"Google","url":"https://www.nexmark.com/a",)"
                  R"("date_time":"2026-01-01 00:00:00.000","extra":""})",
                  &b)
          .ok());
  CheckRow(
      b, 0,
      {Value::Bigint(1000), Value::Bigint(1001), Value::Bigint(12345),
       Value::Varchar("Google"), Value::Varchar("https://www.nexmark.com/a"),
       Ts(kMicros2026), Value::Varchar("")});
  BOOST_CHECK(b.change(0) == ChangeKind::kInsert);
}

BOOST_AUTO_TEST_CASE(names_unknown_missing_null_and_order) {
  auto dec = Dec("json", BidSchema());
  Batch b(BidSchema());
  // Any order, any case, unknown fields (with nested values) skipped,
  // missing and null fields NULL.
  BOOST_REQUIRE(dec->Decode(R"( {"EXTRA":"x","unknown":{"a":[1,{"b":2}]},)"
                            R"("Auction":7,"other":[1,2],"URL":null,)"
                            R"("bidder":8} )",
                            &b)
                    .ok());
  auto null_s = Value::Null(LogicalType::Varchar());
  auto null_i = Value::Null(LogicalType::Bigint());
  CheckRow(b, 0,
           {Value::Bigint(7), Value::Bigint(8), null_i, null_s, null_s,
            Value::Null(LogicalType::TimestampOrDie(3)), Value::Varchar("x")});
  // Escaped keys are unescaped before matching.
  BOOST_REQUIRE(dec->Decode(R"({"\u0061uction":9,"bid\"der":1})", &b).ok());
  BOOST_CHECK(b.column(0).GetValue(1) == Value::Bigint(9));
  BOOST_CHECK(b.column(1).IsNull(1));
  // A later duplicate key wins.
  BOOST_REQUIRE(
      dec->Decode(R"({"price":1,"price":2,"extra":"a","extra":null})", &b)
          .ok());
  BOOST_CHECK(b.column(2).GetValue(2) == Value::Bigint(2));
  BOOST_CHECK(b.column(6).IsNull(2));
}

BOOST_AUTO_TEST_CASE(escaped_strings_and_other_tokens_read_as_plain_ones) {
  // Plain strings and integers are read without asking for their type
  // first; escaped strings, numbers in a VARCHAR and timestamps given as
  // numbers take the general path and must give the same values.
  auto dec = Dec("json", BidSchema());
  Batch b(BidSchema());
  BOOST_REQUIRE(dec->Decode(R"({"auction":1,"bidder":-2,"price":0,)"
                            R"("channel":"Google","url":"a\"b\u00e9\n",)"
                            R"("date_time":"2026-01-01\u002000:00:00",)"
                            R"("extra":12.50})",
                            &b)
                    .ok());
  BOOST_REQUIRE(dec->Decode(R"({"auction":null,"channel":null,)"
                            R"("date_time":1767225600000,"extra":{"a":1}})",
                            &b)
                    .ok());
  CheckRow(b, 0,
           {Value::Bigint(1), Value::Bigint(-2), Value::Bigint(0),
            Value::Varchar("Google"), Value::Varchar("a\"b\xC3\xA9\n"),
            Ts(kMicros2026), Value::Varchar("12.50")});
  auto null_s = Value::Null(LogicalType::Varchar());
  auto null_i = Value::Null(LogicalType::Bigint());
  CheckRow(b, 1,
           {null_i, null_i, null_i, null_s, null_s, Ts(kMicros2026),
            Value::Varchar(R"({"a":1})")});
}

BOOST_AUTO_TEST_CASE(types_from_json) {
  auto schema = MakeSchema({
      {"flag", LogicalType::Boolean(), true},
      {"i", LogicalType::Int(), true},
      {"d", LogicalType::Double(), true},
      {"price", LogicalType::DecimalOrDie(10, 2), true},
      {"ts", LogicalType::TimestampOrDie(3), true},
      {"day", LogicalType::Date(), true},
      {"t", LogicalType::Time(), true},
      {"s", LogicalType::Varchar(), true},
      {"raw", LogicalType::Bytes(), true},
  });
  auto dec = Dec("json", schema);
  Batch b(schema);
  BOOST_REQUIRE(
      dec->Decode(R"({"flag":true,"i":-2147483648,"d":1.5e3,"price":12.345,)"
                  R"("ts":"2026-01-01T00:00:00.123456Z","day":"2026-01-01",)"
                  R"("t":"12:34:56.5","s":"a\"b\\c\n\u00e9\ud83d\ude00/",)"
                  R"("raw":"AAH/"})",
                  &b)
          .ok());
  CheckRow(b, 0,
           {Value::Boolean(true), Value::Int(INT32_MIN), Value::Double(1500),
            Dec(1235, 10, 2), Ts(kMicros2026 + 123000), Value::Date(kDay2026),
            Value::Time(45296500000),
            Value::Varchar("a\"b\\c\n\xc3\xa9\xf0\x9f\x98\x80/"),
            Value::Bytes(std::string("\x00\x01\xff", 3))});
  // Numbers for temporal columns: epoch millis, epoch days, millis of day;
  // DECIMAL from an exponent and from a string; nested values and scalars
  // into VARCHAR as their JSON text.
  BOOST_REQUIRE(
      dec->Decode(R"({"flag":false,"i":2147483647,"d":-7,"price":-1.5e1,)"
                  R"("ts":1767225600123,"day":20454,"t":1000,)"
                  R"("s":{"a": [1, 2.50, "x"]},"raw":""})",
                  &b)
          .ok());
  CheckRow(b, 1,
           {Value::Boolean(false), Value::Int(INT32_MAX), Value::Double(-7),
            Dec(-1500, 10, 2), Ts(kMicros2026 + 123000), Value::Date(kDay2026),
            Value::Time(1000000), Value::Varchar(R"({"a": [1, 2.50, "x"]})"),
            Value::Bytes("")});
  BOOST_REQUIRE(
      dec->Decode(R"({"price":"0.005","s":[true,null],"d":"NaN"})", &b).ok());
  BOOST_CHECK(b.column(3).GetValue(2) == Dec(1, 10, 2));
  BOOST_CHECK(b.column(7).GetValue(2) == Value::Varchar("[true,null]"));
  BOOST_CHECK(std::isnan(b.column(2).doubles()[2]));
  BOOST_REQUIRE(dec->Decode(R"({"s":12.50,"d":"-Infinity"})", &b).ok());
  BOOST_CHECK(b.column(7).GetValue(3) == Value::Varchar("12.50"));
  BOOST_CHECK(b.column(2).GetValue(3) == Value::Double(-HUGE_VAL));
}

// A complete object followed by something else is trailing content, with
// the position of the first extra byte (counted from 1); only a record that
// stops inside its object is reported as truncated. simdjson itself calls
// most of the former "ended early".
BOOST_AUTO_TEST_CASE(trailing_content_is_told_from_a_truncated_record) {
  auto schema = MakeSchema({{"id", LogicalType::Bigint(), true},
                            {"s", LogicalType::Varchar(), true}});
  auto dec = Dec("json", schema);
  auto dbz = Dec("debezium-json", schema);
  Batch b(schema);
  const std::pair<const char*, const char*> trailing[] = {
      {R"({"id":1} x)", "at byte 10 ('x')"},
      {R"({"id":1}x)", "at byte 9 ('x')"},
      {R"({"id":1}})", "at byte 9 ('}')"},
      {R"({"id":1}])", "at byte 9 (']')"},
      {R"({"id":1},)", "at byte 9 (',')"},
      {R"({"id":1} 5)", "at byte 10 ('5')"},
      {R"({"id":1} null)", "at byte 10 ('n')"},
      {R"({"id":1}")", "at byte 9 ('\"')"},
      {R"({"id":1} "a}")", "at byte 10 ('\"')"},
      {R"({"id":1, "s":"}"}  {)", "at byte 20 ('{')"},
      {"{\"id\":1}\x01", "at byte 9 (byte 0x01)"},
  };
  for (const auto& [payload, where] : trailing) {
    CheckError(*dec, b, payload,
               std::string("malformed JSON: trailing content after the "
                           "object ") +
                   where);
  }
  const std::pair<const char*, const char*> truncated[] = {
      {R"({"id":1)", "(truncated record?)"},
      {R"({"id":)", "(truncated record?)"},
      {R"({"s":"}",)", "(truncated record?)"},
      {R"({"id":1,"s":"x})", "unclosed string"},
  };
  for (const auto& [payload, what] : truncated) {
    CheckError(*dec, b, payload, what);
  }
  // Whitespace after the object is fine.
  BOOST_REQUIRE(dec->Decode("{\"id\":7} \n\r\t", &b).ok());
  BOOST_CHECK_EQUAL(b.column(0).ints()[0], 7);
  // The same rule for debezium-json.
  CheckError(*dbz, b, R"({"after":{"id":1},"op":"c"}])",
             "trailing content after the object at byte 28 (']')");
  CheckError(*dbz, b, R"({"after":{"id":1},"op":"c")", "(truncated record?)");
}

BOOST_AUTO_TEST_CASE(malformed_records_are_errors_without_partial_rows) {
  auto schema = MakeSchema({
      {"auction", LogicalType::Bigint(), false},
      {"i", LogicalType::Int(), true},
      {"price", LogicalType::DecimalOrDie(10, 2), true},
      {"flag", LogicalType::Boolean(), true},
      {"date_time", LogicalType::TimestampOrDie(3), true},
      {"day", LogicalType::Date(), true},
      {"s", LogicalType::Varchar(), true},
      {"raw", LogicalType::Bytes(), true},
  });
  auto dec = Dec("json", schema);
  Batch b(schema);
  BOOST_REQUIRE(dec->Decode(R"({"auction":1,"s":"kept"})", &b).ok());
  using absl::StatusCode;
  CheckError(*dec, b, "[1,2]", "expected a JSON object, got an array");
  CheckError(*dec, b, "42", "expected a JSON object, got a number");
  CheckError(*dec, b, "\"x\"", "expected a JSON object, got a string");
  CheckError(*dec, b, "", "empty record");
  CheckError(*dec, b, R"({"auction":1,"price":)", "malformed JSON");
  CheckError(*dec, b, R"({"auction":1,"s":"abc)", "malformed JSON");
  CheckError(*dec, b, R"({"auction":1,"s":"x"} {"a":1})", "trailing content");
  CheckError(*dec, b, R"({"auction":1,"price":"abc"})",
             "field 'price': invalid DECIMAL 'abc'");
  CheckError(*dec, b, R"({"auction":1,"i":"5"})",
             "field 'i': expected a number, got a string");
  CheckError(*dec, b, R"({"auction":1,"i":1.5})",
             "field 'i': expected an integer, got 1.5");
  CheckError(*dec, b, R"({"auction":1,"i":2147483648})",
             "field 'i': 2147483648 is out of range for INT",
             StatusCode::kOutOfRange);
  CheckError(*dec, b, R"({"auction":99999999999999999999})",
             "field 'auction': 99999999999999999999 is out of range for BIGINT",
             StatusCode::kOutOfRange);
  CheckError(*dec, b, R"({"auction":1,"price":123456789.0})",
             "field 'price': 123456789.0 is out of range for DECIMAL(10, 2)",
             StatusCode::kOutOfRange);
  CheckError(*dec, b, R"({"auction":1,"flag":1})",
             "field 'flag': expected a boolean, got a number");
  CheckError(*dec, b, R"({"auction":1,"flag":tru})", "field 'flag'");
  CheckError(*dec, b, R"({"auction":1,"date_time":"2026-13-01 00:00:00"})",
             "field 'date_time': invalid TIMESTAMP '2026-13-01 00:00:00'");
  CheckError(*dec, b,
             R"({"auction":1,"date_time":"2026-01-01 00:00:00.1234567"})",
             "invalid TIMESTAMP");
  CheckError(*dec, b, R"({"auction":1,"date_time":true})",
             "field 'date_time': expected a string or a number, got a boolean");
  CheckError(*dec, b, R"({"auction":1,"date_time":9223372036854775807})",
             "out of range for TIMESTAMP", StatusCode::kOutOfRange);
  CheckError(*dec, b, R"({"auction":1,"day":"2026-02-30"})",
             "field 'day': invalid DATE '2026-02-30'");
  CheckError(*dec, b, R"({"auction":1,"raw":"%%"})",
             "field 'raw': invalid base64");
  CheckError(*dec, b, R"({"i":1,"s":"x"})",
             "field 'auction' is NOT NULL but missing");
  CheckError(*dec, b, R"({"auction":null})",
             "field 'auction' is NOT NULL but null");
  CheckError(*dec, b, "{\"auction\":1,\"s\":\"\xff\xfe\"}", "invalid UTF-8");
  CheckError(*dec, b, "{\"auction\":1,\"s\":\"\xc3\"}", "invalid UTF-8");
  CheckError(*dec, b, R"({"auction":1,"s":"bad \q escape"})", "malformed JSON");
  // The error comes after several columns were written in place.
  CheckError(*dec, b, R"({"auction":5,"s":"gone","raw":"AA==","i":"x"})",
             "field 'i'");
  BOOST_CHECK_EQUAL(b.num_rows(), 1u);
  CheckRow(b, 0,
           {Value::Bigint(1), Value::Null(LogicalType::Int()),
            Value::Null(LogicalType::DecimalOrDie(10, 2)),
            Value::Null(LogicalType::Boolean()),
            Value::Null(LogicalType::TimestampOrDie(3)),
            Value::Null(LogicalType::Date()), Value::Varchar("kept"),
            Value::Null(LogicalType::Bytes())});
  // The decoder keeps working after errors.
  BOOST_REQUIRE(dec->Decode(R"({"auction":2})", &b).ok());
  BOOST_CHECK_EQUAL(b.num_rows(), 2u);
}

BOOST_AUTO_TEST_CASE(padded_input_is_parsed_in_place) {
  auto dec = Dec("json", BidSchema());
  Batch b(BidSchema());
  std::string buf = R"({"auction":3,"channel":"Apple"})";
  size_t len = buf.size();
  buf.append(kPayloadPadding, 'x');  // garbage after the record is fine
  BOOST_REQUIRE(dec->Decode(std::string_view(buf.data(), len), true, &b).ok());
  BOOST_CHECK(b.column(0).GetValue(0) == Value::Bigint(3));
  BOOST_CHECK(b.column(3).GetValue(0) == Value::Varchar("Apple"));
}

BOOST_AUTO_TEST_CASE(encodes_every_type) {
  auto schema = MakeSchema({
      {"b", LogicalType::Boolean(), true},
      {"i", LogicalType::Int(), true},
      {"d", LogicalType::Double(), true},
      {"Dec", LogicalType::DecimalOrDie(10, 2), true},
      {"s", LogicalType::Varchar(), true},
      {"raw", LogicalType::Bytes(), true},
      {"day", LogicalType::Date(), true},
      {"t", LogicalType::Time(), true},
      {"ts", LogicalType::TimestampOrDie(3), true},
      {"ts0", LogicalType::TimestampOrDie(0), true},
      {"n", LogicalType::Bigint(), true},
      {"we\"ird", LogicalType::Double(), true},
  });
  Batch b(schema);
  b.AppendRow({Value::Boolean(true), Value::Int(-5), Value::Double(0.1),
               Dec(-1230, 10, 2), Value::Varchar("q\"b\\n\n\x01\x1f é😀"),
               Value::Bytes(std::string("\x00\xff", 2)), Value::Date(kDay2026),
               Value::Time(45296500000), Ts(kMicros2026 + 120000),
               Value::Timestamp(kMicros2026 - 1000000, 0),
               Value::Null(LogicalType::Bigint()),
               Value::Double(std::nan(""))});
  auto enc = Enc("json", schema);
  std::string out = "stale";
  auto n = enc->Encode(b, 0, &out);
  BOOST_REQUIRE(n.ok());
  BOOST_CHECK_EQUAL(*n, 1u);
  BOOST_CHECK_EQUAL(
      out, R"({"b":true,"i":-5,"d":0.1,"Dec":-12.30,)"
           R"("s":"q\"b\\n\n\u0001\u001f é😀","raw":"AP8=","day":"2026-01-01",)"
           R"("t":"12:34:56.500000","ts":"2026-01-01 00:00:00.120",)"
           R"("ts0":"2025-12-31 23:59:59","n":null,"we\"ird":"NaN"})");
  Batch bad(schema);
  std::vector<Value> row(schema->size(), Value());
  for (size_t i = 0; i < row.size(); ++i)
    row[i] = Value::Null(schema->field(i).type);
  row[4] = Value::Varchar("\xff");
  bad.AppendRow(row);
  auto e = enc->Encode(bad, 0, &out);
  BOOST_CHECK(!e.ok());
  BOOST_CHECK(std::string(e.status().message()).find("column 's'") !=
              std::string::npos);
}

BOOST_AUTO_TEST_CASE(round_trips_random_rows) {
  for (uint64_t seed : {1, 2, 3}) RoundTrip("json", {}, seed);
}

// Projection pushdown (Decoder::ReadOnly): a decoder told to read some
// columns gives, in those, the values full decoding gives (and the rows
// the records were made from), NULL in the others.
BOOST_AUTO_TEST_CASE(a_column_subset_decodes_as_full_decoding_then_projecting) {
  auto schema = AllTypesSchema();
  std::mt19937_64 rng(11);
  Batch original(schema);
  for (int i = 0; i < 300; ++i)
    original.AppendRow(RandomRow(rng, *schema, i), ChangeKind::kInsert);
  auto enc = Enc("json", schema);
  std::vector<std::string> payloads;
  std::string payload;
  for (size_t r = 0; r < original.num_rows(); ++r) {
    BOOST_REQUIRE(enc->Encode(original, r, &payload).ok());
    payloads.push_back(payload);
  }
  // Fields out of schema order, unknown fields, upper-case names.
  payloads.push_back(R"({"id":7,"zzz":[1,{"x":2}],"S":"up","b":true,"i":3})");
  payloads.push_back(R"({"ts3":"2026-01-01 00:00:00","unknown":null,"id":8})");
  const std::vector<Value> last = {
      Value::Null(LogicalType::Boolean()),
      Value::Null(LogicalType::Int()),
      Value::Null(LogicalType::Bigint()),
      Value::Null(LogicalType::Double()),
      Value::Null(LogicalType::DecimalOrDie(18, 4)),
      Value::Null(LogicalType::DecimalOrDie(38, 10)),
      Value::Null(LogicalType::Varchar()),
      Value::Null(LogicalType::Bytes()),
      Value::Null(LogicalType::Date()),
      Value::Null(LogicalType::Time()),
      Value::Null(LogicalType::TimestampOrDie(0)),
      Ts(kMicros2026),
      Value::Null(LogicalType::TimestampOrDie(6)),
      Value::Bigint(8)};

  auto full_decoder = Dec("json", schema);
  Batch full(schema);
  for (const std::string& p : payloads)
    BOOST_REQUIRE_MESSAGE(full_decoder->Decode(p, &full).ok(), p);
  BOOST_REQUIRE_EQUAL(full.num_rows(), payloads.size());
  const auto original_rows = original.ToRows();
  for (size_t r = 0; r < original.num_rows(); ++r)
    CheckRow(full, r, original_rows[r]);
  CheckRow(full, payloads.size() - 1, last);

  std::vector<std::vector<bool>> masks = {
      {true, false, true, false, true, false, true, false, true, false, true,
       false, true, false},
      {false, false, false, false, false, false, false, false, false, false,
       false, false, false, true},  // only the NOT NULL id
      {false, false, false, false, false, false, true, true, false, false,
       false, true, false, false},  // strings and one timestamp
      std::vector<bool>(schema->size(), false),
  };
  for (int i = 0; i < 6; ++i) {
    std::vector<bool> mask(schema->size());
    for (size_t c = 0; c < mask.size(); ++c) mask[c] = rng() % 2 == 0;
    masks.push_back(mask);
  }
  for (const std::vector<bool>& mask : masks) {
    auto decoder = Dec("json", schema);
    decoder->ReadOnly(mask);
    Batch some(schema);
    for (const std::string& p : payloads)
      BOOST_REQUIRE_MESSAGE(decoder->Decode(p, &some).ok(), p);
    BOOST_REQUIRE_EQUAL(some.num_rows(), payloads.size());
    for (size_t r = 0; r < some.num_rows(); ++r) {
      std::vector<Value> expected;
      for (size_t c = 0; c < schema->size(); ++c) {
        expected.push_back(mask[c] ? full.column(c).GetValue(r)
                                   : Value::Null(schema->field(c).type));
      }
      CheckRow(some, r, expected);
      BOOST_CHECK(some.change(r) == ChangeKind::kInsert);
    }
  }
}

// A decoder reading some columns still refuses malformed records, leaving
// no partial row; the field of an unread column is skipped as an unknown
// field is (its value is not converted, so not checked).
BOOST_AUTO_TEST_CASE(a_column_subset_still_refuses_malformed_records) {
  auto schema = MakeSchema({
      {"auction", LogicalType::Bigint(), false},
      {"i", LogicalType::Int(), true},
      {"s", LogicalType::Varchar(), true},
      {"id", LogicalType::Bigint(), false},
  });
  auto dec = Dec("json", schema);
  dec->ReadOnly({true, false, true, false});  // auction, s
  Batch b(schema);
  BOOST_REQUIRE(dec->Decode(R"({"auction":1,"i":2,"s":"kept","id":3})", &b)
                    .ok());
  using absl::StatusCode;
  CheckError(*dec, b, "[1,2]", "expected a JSON object, got an array");
  CheckError(*dec, b, "", "empty record");
  CheckError(*dec, b, R"({"auction":1,"i":)", "malformed JSON");
  CheckError(*dec, b, R"({"auction":1,"i":2,"s":"x")", "malformed JSON");
  CheckError(*dec, b, R"({"auction":1,"i":"abc)", "malformed JSON");
  CheckError(*dec, b, R"({"auction":1,"i":2 "s":"x"})", "malformed JSON");
  CheckError(*dec, b, R"({"auction":1,"i":2} {"a":1})", "trailing content");
  CheckError(*dec, b, "{\"auction\":1,\"i\":\"\xff\xfe\"}",
             "invalid UTF-8");
  CheckError(*dec, b, R"({"auction":"x","i":2})",
             "field 'auction': expected a number, got a string");
  CheckError(*dec, b, R"({"auction":99999999999999999999})",
             "out of range for BIGINT", StatusCode::kOutOfRange);
  CheckError(*dec, b, R"({"i":2,"s":"x","id":4})",
             "field 'auction' is NOT NULL but missing");
  CheckError(*dec, b, R"({"auction":1,"s":"gone","auction":"x"})",
             "field 'auction'");
  BOOST_CHECK_EQUAL(b.num_rows(), 1u);
  // Unread: a wrong type in 'i', a missing NOT NULL 'id'.
  BOOST_REQUIRE(dec->Decode(R"({"auction":2,"i":"not a number"})", &b).ok());
  BOOST_REQUIRE_EQUAL(b.num_rows(), 2u);
  const std::vector<Value> nulls = {Value::Null(LogicalType::Int()),
                                    Value::Null(LogicalType::Bigint())};
  CheckRow(b, 0, {Value::Bigint(1), nulls[0], Value::Varchar("kept"), nulls[1]});
  CheckRow(b, 1, {Value::Bigint(2), nulls[0], Value::Null(LogicalType::Varchar()),
                  nulls[1]});
}

// Keys are matched against the expected column's name 8 bytes at a time
// (ColumnIndex::IsAt): names of every length around a word boundary, and
// keys one byte shorter, one byte longer or differing in their last byte,
// match exactly their own column, also when the key ends the payload
// (read in place from a padded buffer) and with some columns unread.
BOOST_AUTO_TEST_CASE(keys_match_their_column_at_every_name_length) {
  const std::vector<size_t> lengths = {1, 2, 7, 8, 9, 15, 16, 17, 31, 63, 64, 70};
  std::vector<Field> fields;
  for (size_t i = 0; i < lengths.size(); ++i) {
    // 'a' then 'b'... : no name is a prefix of another of the same length.
    fields.push_back({std::string(lengths[i], static_cast<char>('a' + i)),
                      LogicalType::Bigint(), true});
  }
  auto schema = MakeSchema(fields);
  for (bool some : {false, true}) {
    auto dec = Dec("json", schema);
    std::vector<bool> read(fields.size(), true);
    if (some) {
      for (size_t c = 0; c < read.size(); c += 3) read[c] = false;
      dec->ReadOnly(read);
    }
    Batch b(schema);
    size_t row = 0;
    for (size_t c = 0; c < fields.size(); ++c) {
      const std::string& name = fields[c].name;
      std::string wrong_last = name;
      wrong_last.back() = '#';
      // Each record: the near misses first (unknown fields), then the
      // column itself, last in the object: its key is the last one.
      std::string longer = name + "z";
      std::string payload = "{";
      for (const std::string& key :
           {longer, wrong_last, name.substr(0, name.size() - 1)}) {
        if (key.empty()) continue;
        payload += "\"" + key + "\":1,";
      }
      payload += "\"" + name + "\":" + std::to_string(100 + c) + "}";
      // In place: the payload at the end of a buffer with just the padding.
      std::string padded = payload + std::string(kPayloadPadding, '\0');
      BOOST_REQUIRE_MESSAGE(
          dec->Decode(std::string_view(padded.data(), payload.size()),
                      /*padded=*/true, &b)
              .ok(),
          payload);
      // Copied: the same record again.
      BOOST_REQUIRE_MESSAGE(dec->Decode(payload, &b).ok(), payload);
      for (int copy = 0; copy < 2; ++copy, ++row) {
        std::vector<Value> expected;
        for (size_t k = 0; k < fields.size(); ++k) {
          expected.push_back(k == c && read[k]
                                 ? Value::Bigint(static_cast<int64_t>(100 + c))
                                 : Value::Null(LogicalType::Bigint()));
        }
        CheckRow(b, row, expected);
      }
    }
    // Every field in schema order, the usual case, and the same out of
    // order (found by lookup instead).
    std::string in_order = "{";
    std::string reversed = "{";
    for (size_t c = 0; c < fields.size(); ++c) {
      in_order += (c ? ",\"" : "\"") + fields[c].name + "\":" + std::to_string(c);
      const size_t k = fields.size() - 1 - c;
      reversed += (c ? ",\"" : "\"") + fields[k].name + "\":" + std::to_string(k);
    }
    for (const std::string& payload : {in_order + "}", reversed + "}"}) {
      BOOST_REQUIRE_MESSAGE(dec->Decode(payload, &b).ok(), payload);
      std::vector<Value> expected;
      for (size_t k = 0; k < fields.size(); ++k) {
        expected.push_back(read[k] ? Value::Bigint(static_cast<int64_t>(k))
                                   : Value::Null(LogicalType::Bigint()));
      }
      CheckRow(b, row++, expected);
    }
  }
}

// The row appender's per-row work covers only the columns it concerns:
// NOT NULL checks of read columns (an unread NOT NULL column is NULL
// without error), NULL for read columns without a value, and a failed
// record leaves no trace in any column, read or not.
BOOST_AUTO_TEST_CASE(rows_of_read_and_unread_columns_mix_values_and_nulls) {
  auto schema = MakeSchema({
      {"a", LogicalType::Bigint(), false},
      {"s", LogicalType::Varchar(), true},
      {"u", LogicalType::Bigint(), false},
      {"d", LogicalType::Double(), true},
      {"t", LogicalType::Varchar(), true},
  });
  auto dec = Dec("json", schema);
  dec->ReadOnly({true, true, false, true, false});
  Batch b(schema);
  const Value null_s = Value::Null(LogicalType::Varchar());
  const Value null_i = Value::Null(LogicalType::Bigint());
  const Value null_d = Value::Null(LogicalType::Double());
  BOOST_REQUIRE(dec->Decode(R"({"a":1,"s":"x","u":5,"d":0.5,"t":"y"})", &b).ok());
  BOOST_REQUIRE(dec->Decode(R"({"a":2})", &b).ok());
  CheckError(*dec, b, R"({"s":"no a","d":1})",
             "field 'a' is NOT NULL but missing");
  CheckError(*dec, b, R"({"a":null,"s":"x"})", "field 'a' is NOT NULL but null");
  BOOST_REQUIRE(dec->Decode(R"({"a":3,"s":null,"d":2.5,"u":"unread"})", &b).ok());
  BOOST_REQUIRE_EQUAL(b.num_rows(), 3u);
  for (size_t c = 0; c < b.num_columns(); ++c)
    BOOST_CHECK_EQUAL(b.column(c).size(), 3u);
  CheckRow(b, 0, {Value::Bigint(1), Value::Varchar("x"), null_i,
                  Value::Double(0.5), null_s});
  CheckRow(b, 1, {Value::Bigint(2), null_s, null_i, null_d, null_s});
  CheckRow(b, 2, {Value::Bigint(3), null_s, null_i, Value::Double(2.5), null_s});
}

BOOST_AUTO_TEST_SUITE_END()

// --------------------------------------------------------- debezium-json

BOOST_AUTO_TEST_SUITE(debezium_json)

std::shared_ptr<const Schema> IdName() {
  return MakeSchema({{"id", LogicalType::Bigint(), false},
                     {"name", LogicalType::Varchar(), true}});
}

std::vector<Value> Row(int64_t id, std::string name) {
  return {Value::Bigint(id), Value::Varchar(std::move(name))};
}

BOOST_AUTO_TEST_CASE(decodes_ops) {
  auto dec = Dec("debezium-json", IdName());
  Batch b(IdName());
  BOOST_REQUIRE(dec->Decode(R"({"before":null,"after":{"id":1,"name":"a"},)"
                            R"("source":{"db":"x"},"op":"c","ts_ms":1})",
                            &b)
                    .ok());
  BOOST_REQUIRE(
      dec->Decode(R"({"before":null,"after":{"id":2,"name":"b"},"op":"r"})", &b)
          .ok());
  // op first and after before before: rows still come out -U then +U.
  BOOST_REQUIRE(dec->Decode(R"({"op":"u","after":{"id":1,"name":"a2"},)"
                            R"("before":{"id":1,"name":"a"}})",
                            &b)
                    .ok());
  BOOST_REQUIRE(
      dec->Decode(R"({"before":{"id":2,"name":"b"},"after":null,"op":"d"})", &b)
          .ok());
  // Kafka Connect's schema envelope; a tombstone (empty value, null payload).
  BOOST_REQUIRE(
      dec->Decode(R"({"schema":{"type":"struct","fields":[]},)"
                  R"("payload":{"before":null,"after":{"id":3},"op":"c"}})",
                  &b)
          .ok());
  BOOST_REQUIRE(dec->Decode("", &b).ok());
  BOOST_REQUIRE(dec->Decode(R"({"schema":null,"payload":null})", &b).ok());
  BOOST_REQUIRE_EQUAL(b.num_rows(), 6u);
  std::vector<ChangeKind> kinds = {
      ChangeKind::kInsert,      ChangeKind::kInsert, ChangeKind::kUpdateBefore,
      ChangeKind::kUpdateAfter, ChangeKind::kDelete, ChangeKind::kInsert};
  std::vector<std::vector<Value>> rows = {
      Row(1, "a"), Row(2, "b"),
      Row(1, "a"), Row(1, "a2"),
      Row(2, "b"), {Value::Bigint(3), Value::Null(LogicalType::Varchar())}};
  for (size_t i = 0; i < rows.size(); ++i) {
    CheckRow(b, i, rows[i]);
    BOOST_CHECK(b.change(i) == kinds[i]);
  }
}

BOOST_AUTO_TEST_CASE(a_column_subset_reads_the_images_of_those_columns) {
  auto dec = Dec("debezium-json", IdName());
  dec->ReadOnly({true, false});
  Batch b(IdName());
  BOOST_REQUIRE(dec->Decode(R"({"op":"u","after":{"id":1,"name":"a2"},)"
                            R"("before":{"id":1,"name":[1]}})",
                            &b)
                    .ok());
  BOOST_REQUIRE_EQUAL(b.num_rows(), 2u);
  const Value no_name = Value::Null(LogicalType::Varchar());
  CheckRow(b, 0, {Value::Bigint(1), no_name});
  CheckRow(b, 1, {Value::Bigint(1), no_name});
  BOOST_CHECK(b.change(0) == ChangeKind::kUpdateBefore);
  BOOST_CHECK(b.change(1) == ChangeKind::kUpdateAfter);
  CheckError(*dec, b, R"({"op":"c","after":{"id":"x"}})", "field 'id'");
  CheckError(*dec, b, R"({"op":"c","after":{"name":"x"}})",
             "field 'id' is NOT NULL but missing");
  CheckError(*dec, b, R"({"op":"c","after":{"id":1,"name":"x")",
             "malformed JSON");
}

BOOST_AUTO_TEST_CASE(malformed_events) {
  auto dec = Dec("debezium-json", IdName());
  Batch b(IdName());
  BOOST_REQUIRE(dec->Decode(R"({"after":{"id":1},"op":"c"})", &b).ok());
  CheckError(*dec, b, R"({"before":null,"after":null})", "missing field 'op'");
  CheckError(*dec, b, R"({"before":null,"after":{"id":1},"op":"t"})",
             "unsupported op 't'");
  CheckError(*dec, b, R"({"before":null,"after":{"id":1},"op":"u"})",
             "'u' event with a null 'before'");
  CheckError(*dec, b, R"({"after":{"id":1},"op":"d"})",
             "'d' event without 'before'");
  CheckError(*dec, b, R"({"before":null,"after":null,"op":"c"})",
             "'c' event with a null 'after'");
  CheckError(*dec, b, R"({"after":[1],"op":"c"})", "'after' must be an object");
  // The before image is decoded, then the after image fails: no rows kept.
  CheckError(
      *dec, b, R"({"before":{"id":1,"name":"a"},"after":{"id":"x"},"op":"u"})",
      "debezium-json 'after': field 'id': expected a number, got a string");
  CheckError(*dec, b, R"({"before":{"id":1},"after":{"name":"b"},"op":"u"})",
             "field 'id' is NOT NULL but missing");
  CheckError(*dec, b, "[]", "expected a JSON object");
  CheckError(*dec, b, R"({"after":{"id":1},"op":"c"} {})", "trailing content");
  BOOST_CHECK_EQUAL(b.num_rows(), 1u);
}

BOOST_AUTO_TEST_CASE(encodes_changes_and_pairs_updates) {
  auto schema = IdName();
  Batch b(schema);
  b.AppendRow(Row(1, "a"), ChangeKind::kInsert);
  b.AppendRow(Row(1, "a"), ChangeKind::kUpdateBefore);
  b.AppendRow(Row(1, "b"), ChangeKind::kUpdateAfter);
  b.AppendRow(Row(1, "b"), ChangeKind::kDelete);
  b.AppendRow(Row(2, "x"), ChangeKind::kUpdateAfter);   // lone +U
  b.AppendRow(Row(3, "y"), ChangeKind::kUpdateBefore);  // lone -U at the end
  auto enc = Enc("debezium-json", schema);
  std::vector<std::string> messages;
  std::vector<size_t> consumed;
  std::string out;
  for (size_t r = 0; r < b.num_rows();) {
    auto n = enc->Encode(b, r, &out);
    BOOST_REQUIRE(n.ok());
    messages.push_back(out);
    consumed.push_back(*n);
    r += *n;
  }
  std::vector<std::string> expected = {
      R"({"before":null,"after":{"id":1,"name":"a"},"op":"c"})",
      R"({"before":{"id":1,"name":"a"},"after":{"id":1,"name":"b"},"op":"u"})",
      R"({"before":{"id":1,"name":"b"},"after":null,"op":"d"})",
      R"({"before":null,"after":{"id":2,"name":"x"},"op":"c"})",
      R"({"before":{"id":3,"name":"y"},"after":null,"op":"d"})",
  };
  BOOST_CHECK_EQUAL_COLLECTIONS(messages.begin(), messages.end(),
                                expected.begin(), expected.end());
  std::vector<size_t> want_consumed = {1, 2, 1, 1, 1};
  BOOST_CHECK_EQUAL_COLLECTIONS(consumed.begin(), consumed.end(),
                                want_consumed.begin(), want_consumed.end());
  // Decoding the messages gives the changelog back (lone +U/-U as +I/-D).
  auto dec = Dec("debezium-json", schema);
  Batch back(schema);
  for (const std::string& m : messages)
    BOOST_REQUIRE(dec->Decode(m, &back).ok());
  BOOST_REQUIRE_EQUAL(back.num_rows(), 6u);
  std::vector<ChangeKind> kinds = {
      ChangeKind::kInsert, ChangeKind::kUpdateBefore, ChangeKind::kUpdateAfter,
      ChangeKind::kDelete, ChangeKind::kInsert,       ChangeKind::kDelete};
  for (size_t i = 0; i < 6; ++i) {
    CheckRow(back, i, b.ToRows()[i]);
    BOOST_CHECK(back.change(i) == kinds[i]);
  }
  // With a selection, pairing looks at the next live row only.
  b.SetSelection({1, 3});
  auto n = enc->Encode(b, 1, &out);
  BOOST_REQUIRE(n.ok());
  BOOST_CHECK_EQUAL(*n, 1u);
  BOOST_CHECK_EQUAL(out,
                    R"({"before":{"id":1,"name":"a"},"after":null,"op":"d"})");
  b.SetSelection({1, 2});
  BOOST_CHECK_EQUAL(*enc->Encode(b, 1, &out), 2u);
}

BOOST_AUTO_TEST_CASE(round_trips_random_rows) {
  for (uint64_t seed : {4, 5}) RoundTrip("debezium-json", {}, seed);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------- csv

BOOST_AUTO_TEST_SUITE(csv)

std::shared_ptr<const Schema> CsvSchema() {
  return MakeSchema({
      {"id", LogicalType::Int(), false},
      {"name", LogicalType::Varchar(), true},
      {"note", LogicalType::Varchar(), true},
      {"price", LogicalType::DecimalOrDie(6, 2), true},
      {"ts", LogicalType::TimestampOrDie(3), true},
  });
}

BOOST_AUTO_TEST_CASE(decodes_lines) {
  auto dec = Dec("csv", CsvSchema());
  Batch b(CsvSchema());
  BOOST_REQUIRE(
      dec->Decode(
             R"(1,"Google, Inc.","say ""hi""",12.345,2026-01-01 00:00:00.000)"
             "\r\n",
             &b)
          .ok());
  CheckRow(b, 0,
           {Value::Int(1), Value::Varchar("Google, Inc."),
            Value::Varchar("say \"hi\""), Dec(1235, 6, 2), Ts(kMicros2026)});
  // Empty unquoted -> NULL; empty quoted VARCHAR -> ''; quoted newline;
  // epoch millis for a TIMESTAMP.
  BOOST_REQUIRE(dec->Decode("2,,\"\",\"\",1767225600001", &b).ok());
  CheckRow(
      b, 1,
      {Value::Int(2), Value::Null(LogicalType::Varchar()), Value::Varchar(""),
       Value::Null(LogicalType::DecimalOrDie(6, 2)), Ts(kMicros2026 + 1000)});
  BOOST_REQUIRE(dec->Decode("3,\"two\nlines\",x,-1,", &b).ok());
  CheckRow(b, 2,
           {Value::Int(3), Value::Varchar("two\nlines"), Value::Varchar("x"),
            Dec(-100, 6, 2), Value::Null(LogicalType::TimestampOrDie(3))});
}

BOOST_AUTO_TEST_CASE(delimiters) {
  auto semi = Dec("csv", CsvSchema(), {{"csv.delimiter", ";"}});
  Batch b(CsvSchema());
  BOOST_REQUIRE(semi->Decode("1;a,b;\"c;d\";1.5;", &b).ok());
  CheckRow(b, 0,
           {Value::Int(1), Value::Varchar("a,b"), Value::Varchar("c;d"),
            Dec(150, 6, 2), Value::Null(LogicalType::TimestampOrDie(3))});
  auto tab = Dec("csv", CsvSchema(), {{"csv.delimiter", "\\t"}});
  BOOST_REQUIRE(tab->Decode("2\ta b\t\t\t2026-01-01T00:00:00Z", &b).ok());
  CheckRow(b, 1,
           {Value::Int(2), Value::Varchar("a b"),
            Value::Null(LogicalType::Varchar()),
            Value::Null(LogicalType::DecimalOrDie(6, 2)), Ts(kMicros2026)});
}

BOOST_AUTO_TEST_CASE(malformed_lines) {
  auto dec = Dec("csv", CsvSchema());
  Batch b(CsvSchema());
  BOOST_REQUIRE(dec->Decode("1,a,b,1,", &b).ok());
  CheckError(*dec, b, "1,a,b,1", "expected 5 fields, got 4");
  CheckError(*dec, b, "1,a,b,1,,", "expected 5 fields, got 6");
  CheckError(*dec, b, "1,\"a,b,1,", "unclosed quote in field 2");
  CheckError(*dec, b, "1,\"a\"x,b,1,",
             "unexpected character after the closing quote");
  CheckError(*dec, b, "x,a,b,1,", "field 'id': invalid INT 'x'");
  CheckError(*dec, b, " 1,a,b,1,", "field 'id': invalid INT ' 1'");
  CheckError(*dec, b, "2147483648,a,b,1,",
             "field 'id': 2147483648 is out of range for INT",
             absl::StatusCode::kOutOfRange);
  CheckError(*dec, b, "1,a,b,10000,", "field 'price': 10000 is out of range",
             absl::StatusCode::kOutOfRange);
  CheckError(*dec, b, "1,a,b,1,2026-01-01 25:00:00",
             "field 'ts': invalid TIMESTAMP(3) '2026-01-01 25:00:00'");
  CheckError(*dec, b, ",a,b,1,", "field 'id' is NOT NULL but null");
  CheckError(*dec, b, "1,\xff,b,1,", "field 'name': invalid UTF-8");
  BOOST_CHECK_EQUAL(b.num_rows(), 1u);
}

BOOST_AUTO_TEST_CASE(encodes_with_quoting) {
  auto schema = CsvSchema();
  Batch b(schema);
  b.AppendRow({Value::Int(1), Value::Varchar("a,b"),
               Value::Varchar("say \"hi\"\n"), Dec(-5, 6, 2), Ts(kMicros2026)});
  b.AppendRow({Value::Int(2), Value::Varchar(""),
               Value::Null(LogicalType::Varchar()),
               Value::Null(LogicalType::DecimalOrDie(6, 2)),
               Value::Null(LogicalType::TimestampOrDie(3))});
  auto enc = Enc("csv", schema);
  std::string out;
  BOOST_REQUIRE(enc->Encode(b, 0, &out).ok());
  BOOST_CHECK_EQUAL(
      out, "1,\"a,b\",\"say \"\"hi\"\"\n\",-0.05,2026-01-01 00:00:00.000");
  BOOST_REQUIRE(enc->Encode(b, 1, &out).ok());
  BOOST_CHECK_EQUAL(out, "2,\"\",,,");
  auto dot = Enc("csv", schema, {{"csv.delimiter", "."}});
  BOOST_REQUIRE(dot->Encode(b, 0, &out).ok());
  BOOST_CHECK_EQUAL(
      out, "1.a,b.\"say \"\"hi\"\"\n\".\"-0.05\".\"2026-01-01 00:00:00.000\"");
}

BOOST_AUTO_TEST_CASE(round_trips_random_rows) {
  RoundTrip("csv", {}, 6);
  RoundTrip("csv", {{"csv.delimiter", ";"}}, 7);
  RoundTrip("csv", {{"csv.delimiter", "\\t"}}, 8);
  RoundTrip("csv", {{"csv.delimiter", "0"}}, 9);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------- raw

BOOST_AUTO_TEST_SUITE(raw)

BOOST_AUTO_TEST_CASE(whole_payload) {
  auto text = MakeSchema({{"line", LogicalType::Varchar(), true}});
  auto dec = Dec("raw", text);
  Batch b(text);
  BOOST_REQUIRE(dec->Decode("any {text}, \"é\"", &b).ok());
  CheckRow(b, 0, {Value::Varchar("any {text}, \"é\"")});
  CheckError(*dec, b, "\xff", "field 'line': invalid UTF-8");
  auto bytes = MakeSchema({{"data", LogicalType::Bytes(), true}});
  auto bdec = Dec("raw", bytes);
  Batch bb(bytes);
  BOOST_REQUIRE(bdec->Decode(std::string_view("\xff\x00", 2), &bb).ok());
  CheckRow(bb, 0, {Value::Bytes(std::string("\xff\x00", 2))});
  std::string out;
  BOOST_REQUIRE(Enc("raw", bytes)->Encode(bb, 0, &out).ok());
  BOOST_CHECK_EQUAL(out, std::string("\xff\x00", 2));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace weir::formats
