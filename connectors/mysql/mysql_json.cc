#include "connectors/mysql/mysql_json.h"

#include <bit>
#include <charconv>

#include "connectors/mysql/binary_decimal.h"
#include "connectors/mysql/binlog_event.h"
#include "connectors/mysql/byte_reader.h"
#include "fmt/format.h"

namespace weir::connectors::mysql {
namespace {

// Value type bytes (json_binary.h).
constexpr uint8_t kSmallObject = 0x00;
constexpr uint8_t kLargeObject = 0x01;
constexpr uint8_t kSmallArray = 0x02;
constexpr uint8_t kLargeArray = 0x03;
constexpr uint8_t kLiteral = 0x04;
constexpr uint8_t kInt16 = 0x05;
constexpr uint8_t kUint16 = 0x06;
constexpr uint8_t kInt32 = 0x07;
constexpr uint8_t kUint32 = 0x08;
constexpr uint8_t kInt64 = 0x09;
constexpr uint8_t kUint64 = 0x0a;
constexpr uint8_t kDouble = 0x0b;
constexpr uint8_t kString = 0x0c;
constexpr uint8_t kOpaque = 0x0f;
constexpr int kMaxDepth = 100;

absl::Status Malformed(std::string_view what) {
  return absl::InvalidArgumentError(
      fmt::format("malformed MySQL binary JSON: {}", what));
}

void AppendQuoted(std::string_view s, std::string* out) {
  *out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\b': *out += "\\b"; break;
      case '\f': *out += "\\f"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      default:
        if (c < 0x20) {
          *out += fmt::format("\\u{:04x}", c);
        } else {
          *out += static_cast<char>(c);
        }
    }
  }
  *out += '"';
}

std::string Base64(std::span<const uint8_t> in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t v = uint32_t{in[i]} << 16;
    if (i + 1 < in.size()) v |= uint32_t{in[i + 1]} << 8;
    if (i + 2 < in.size()) v |= in[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kAlphabet[v & 63] : '=';
  }
  return out;
}

/// MySQL's double text: shortest round trip, "1e300" not "1e+300", and a
/// ".0" on integral values ("3.0").
std::string DoubleText(double d) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), d);
  std::string s(buf, ec == std::errc() ? end : buf);
  size_t plus = s.find("e+");
  if (plus != std::string::npos) s.erase(plus + 1, 1);
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

/// The packed DATETIME/DATE/TIME of an opaque JSON value (8 bytes, little
/// endian: int part << 24 | microseconds) as MySQL prints it.
std::string PackedTemporalText(uint8_t type, int64_t packed) {
  bool neg = packed < 0;
  uint64_t a = neg ? static_cast<uint64_t>(-packed) : packed;
  uint64_t frac = a % (uint64_t{1} << 24);
  uint64_t ip = a >> 24;
  if (type == field_type::kTime || type == field_type::kTime2) {
    return fmt::format("{}{:02}:{:02}:{:02}.{:06}", neg ? "-" : "",
                       (ip >> 12) % 1024, (ip >> 6) % 64, ip % 64, frac);
  }
  uint64_t ymd = ip >> 17, ym = ymd >> 5, hms = ip % (1 << 17);
  std::string date =
      fmt::format("{:04}-{:02}-{:02}", ym / 13, ym % 13, ymd % 32);
  if (type == field_type::kDate || type == field_type::kNewDate) return date;
  return fmt::format("{} {:02}:{:02}:{:02}.{:06}", date, hms >> 12,
                     (hms >> 6) % 64, hms % 64, frac);
}

class JsonPrinter {
 public:
  explicit JsonPrinter(std::span<const uint8_t> doc) : doc_(doc) {}

  /// The value of `type` whose bytes start at `pos` of the document.
  absl::Status Value(uint8_t type, size_t pos, int depth, std::string* out) {
    if (depth > kMaxDepth) return Malformed("nested deeper than 100");
    if (pos > doc_.size()) return Malformed("offset out of bounds");
    ByteReader r(doc_.subspan(pos));
    switch (type) {
      case kSmallObject:
      case kLargeObject:
      case kSmallArray:
      case kLargeArray:
        return Container(type, pos, depth, out);
      case kLiteral: {
        uint64_t v = r.Le(1);
        if (r.failed() || v > 2) return Malformed("bad literal");
        *out += v == 0 ? "null" : v == 1 ? "true" : "false";
        return absl::OkStatus();
      }
      case kInt16:
        *out += std::to_string(static_cast<int16_t>(r.Le(2)));
        break;
      case kUint16: *out += std::to_string(r.Le(2)); break;
      case kInt32:
        *out += std::to_string(static_cast<int32_t>(r.Le(4)));
        break;
      case kUint32: *out += std::to_string(r.Le(4)); break;
      case kInt64:
        *out += std::to_string(static_cast<int64_t>(r.Le(8)));
        break;
      case kUint64: *out += std::to_string(r.Le(8)); break;
      case kDouble: *out += DoubleText(std::bit_cast<double>(r.Le(8))); break;
      case kString: {
        uint64_t len = VarLength(r);
        std::string_view s = r.Str(len);
        if (r.failed()) return Malformed("string out of bounds");
        AppendQuoted(s, out);
        return absl::OkStatus();
      }
      case kOpaque: {
        uint8_t ftype = static_cast<uint8_t>(r.Le(1));
        uint64_t len = VarLength(r);
        std::span<const uint8_t> data = r.Bytes(len);
        if (r.failed()) return Malformed("opaque value out of bounds");
        return Opaque(ftype, data, out);
      }
      default:
        return Malformed(fmt::format("unknown value type {:#x}", type));
    }
    if (r.failed()) return Malformed("number out of bounds");
    return absl::OkStatus();
  }

 private:
  /// 7 bits per byte, low first, high bit = more (at most 5 bytes).
  static uint64_t VarLength(ByteReader& r) {
    uint64_t len = 0;
    for (int i = 0; i < 5; ++i) {
      uint64_t b = r.Le(1);
      len |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) return len;
    }
    r.Bytes(r.remaining() + 1);  // marks the reader failed
    return 0;
  }

  absl::Status Container(uint8_t type, size_t pos, int depth,
                         std::string* out) {
    bool large = type == kLargeObject || type == kLargeArray;
    bool object = type == kSmallObject || type == kLargeObject;
    size_t w = large ? 4 : 2;  // offset and count width
    ByteReader r(doc_.subspan(pos));
    uint64_t count = r.Le(w);
    uint64_t size = r.Le(w);
    if (r.failed() || size > doc_.size() - pos) {
      return Malformed("container size out of bounds");
    }
    // Key entries (offset, 2-byte length), then value entries (type,
    // offset or inlined value); offsets from the container's start.
    size_t header = 2 * w + count * (object ? w + 2 : 0) + count * (1 + w);
    if (count > size || header > size) {
      return Malformed("container header out of bounds");
    }
    ByteReader c(doc_.subspan(pos, size));
    c.Skip(2 * w);
    *out += object ? '{' : '[';
    size_t key_entries = 2 * w;
    size_t value_entries = key_entries + (object ? count * (w + 2) : 0);
    for (uint64_t i = 0; i < count; ++i) {
      if (i > 0) *out += ", ";
      if (object) {
        ByteReader k(doc_.subspan(pos + key_entries + i * (w + 2)));
        uint64_t key_off = k.Le(w);
        uint64_t key_len = k.Le(2);
        if (key_off + key_len > size) return Malformed("key out of bounds");
        AppendQuoted(std::string_view(reinterpret_cast<const char*>(
                                          doc_.data() + pos + key_off),
                                      key_len),
                     out);
        *out += ": ";
      }
      ByteReader v(doc_.subspan(pos + value_entries + i * (1 + w)));
      uint8_t vtype = static_cast<uint8_t>(v.Le(1));
      bool inlined = vtype == kLiteral || vtype == kInt16 ||
                     vtype == kUint16 ||
                     (large && (vtype == kInt32 || vtype == kUint32));
      if (inlined) {
        absl::Status s =
            Value(vtype, pos + value_entries + i * (1 + w) + 1, depth + 1, out);
        if (!s.ok()) return s;
        continue;
      }
      uint64_t off = v.Le(w);
      if (off >= size) return Malformed("value offset out of bounds");
      absl::Status s = Value(vtype, pos + off, depth + 1, out);
      if (!s.ok()) return s;
    }
    *out += object ? '}' : ']';
    return absl::OkStatus();
  }

  absl::Status Opaque(uint8_t ftype, std::span<const uint8_t> data,
                      std::string* out) {
    using namespace field_type;
    if (ftype == kNewDecimal && data.size() >= 2) {
      absl::StatusOr<std::string> text =
          DecimalBinaryToText(data.subspan(2), data[0], data[1]);
      if (!text.ok()) return text.status();
      *out += *text;
      return absl::OkStatus();
    }
    if ((ftype == kDate || ftype == kNewDate || ftype == kTime ||
         ftype == kTime2 || ftype == kDateTime || ftype == kDateTime2 ||
         ftype == kTimestamp || ftype == kTimestamp2) &&
        data.size() == 8) {
      ByteReader r(data);
      AppendQuoted(
          PackedTemporalText(ftype, static_cast<int64_t>(r.Le(8))), out);
      return absl::OkStatus();
    }
    AppendQuoted(fmt::format("base64:type{}:{}", ftype, Base64(data)), out);
    return absl::OkStatus();
  }

  std::span<const uint8_t> doc_;
};

}  // namespace

absl::StatusOr<std::string> MySqlJsonToText(std::span<const uint8_t> binary) {
  if (binary.empty()) return std::string("null");
  std::string out;
  JsonPrinter printer(binary.subspan(1));
  absl::Status s = printer.Value(binary[0], 0, 0, &out);
  if (!s.ok()) return s;
  return out;
}

}  // namespace weir::connectors::mysql
