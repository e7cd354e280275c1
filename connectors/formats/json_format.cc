#include "connectors/formats/json_format.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "connectors/formats/convert.h"
#include "engine/base/status.h"

namespace weir::formats {
namespace {

namespace ondemand = simdjson::ondemand;
using types::Batch;
using types::ChangeKind;
using types::Column;
using types::Field;
using types::Schema;
using types::TypeId;

static_assert(kPayloadPadding >= simdjson::SIMDJSON_PADDING,
              "kPayloadPadding must cover simdjson's padding");
static_assert((internal::ColumnIndex::kMaxRawName + 1 + 7) / 8 * 8 <=
                  simdjson::SIMDJSON_PADDING,
              "ColumnIndex::IsAt may read a name and a quote, in 8-byte "
              "words, past a key");

const char* JsonTypeName(ondemand::json_type t) {
  switch (t) {
    case ondemand::json_type::array:
      return "an array";
    case ondemand::json_type::object:
      return "an object";
    case ondemand::json_type::number:
      return "a number";
    case ondemand::json_type::string:
      return "a string";
    case ondemand::json_type::boolean:
      return "a boolean";
    case ondemand::json_type::null:
      return "null";
  }
  return "an unknown value";
}

absl::Status MalformedJson(simdjson::error_code e) {
  switch (e) {
    case simdjson::EMPTY:
      return absl::InvalidArgumentError("empty record: expected a JSON object");
    case simdjson::UTF8_ERROR:
      return absl::InvalidArgumentError("malformed JSON: invalid UTF-8");
    case simdjson::UNCLOSED_STRING:
      return absl::InvalidArgumentError("malformed JSON: unclosed string");
    case simdjson::TAPE_ERROR:
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
      return absl::InvalidArgumentError(
          fmt::format("malformed JSON: {} (truncated record?)",
                      simdjson::error_message(e)));
    default:
      return absl::InvalidArgumentError(
          fmt::format("malformed JSON: {}", simdjson::error_message(e)));
  }
}

/// Where the first JSON value of `text` (an object or array) ends: the
/// index just after its closing bracket, found by counting brackets
/// outside strings; npos when it never closes (a truncated record) or
/// `text` does not start with one.
size_t EndOfFirstValue(std::string_view text) {
  size_t i = text.find_first_not_of(" \t\n\r");
  if (i == std::string_view::npos || (text[i] != '{' && text[i] != '[')) {
    return std::string_view::npos;
  }
  int depth = 0;
  for (; i < text.size(); ++i) {
    switch (text[i]) {
      case '"':
        for (++i; i < text.size() && text[i] != '"'; ++i) {
          if (text[i] == '\\') ++i;  // the escaped character
        }
        if (i >= text.size()) return std::string_view::npos;
        break;
      case '{':
      case '[':
        ++depth;
        break;
      case '}':
      case ']':
        if (--depth == 0) return i + 1;
        break;
      default:
        break;
    }
  }
  return std::string_view::npos;
}

/// The error for `payload`, whose top-level object is complete but
/// followed by more than whitespace; nullopt when that is not the case.
std::optional<absl::Status> TrailingContent(std::string_view payload) {
  const size_t end = EndOfFirstValue(payload);
  if (end == std::string_view::npos) return std::nullopt;
  const size_t next = payload.find_first_not_of(" \t\n\r", end);
  if (next == std::string_view::npos) return std::nullopt;
  const unsigned char c = static_cast<unsigned char>(payload[next]);
  return absl::InvalidArgumentError(fmt::format(
      "malformed JSON: trailing content after the object at byte {} ({})",
      next + 1,
      c >= 0x20 && c < 0x7f ? fmt::format("'{}'", static_cast<char>(c))
                            : fmt::format("byte 0x{:02X}", c)));
}

/// MalformedJson(e) for a parse of `payload`, except that a record whose
/// object is complete but followed by something else says so: simdjson
/// reports most such records as ended early or unclosed.
absl::Status MalformedPayload(simdjson::error_code e,
                              std::string_view payload) {
  if (e == simdjson::INCOMPLETE_ARRAY_OR_OBJECT || e == simdjson::TAPE_ERROR ||
      e == simdjson::UNCLOSED_STRING) {
    if (std::optional<absl::Status> trailing = TrailingContent(payload))
      return *trailing;
  }
  return MalformedJson(e);
}

std::string_view TrimToken(std::string_view t) {
  while (!t.empty() && (t.back() == ' ' || t.back() == '\n' ||
                        t.back() == '\r' || t.back() == '\t')) {
    t.remove_suffix(1);
  }
  return t;
}

/// Parses JSON objects into rows of one schema: the part shared by the json
/// and debezium-json decoders. Owns the simdjson parser and the padded copy
/// buffer; not thread-safe.
class JsonRowReader {
 public:
  explicit JsonRowReader(std::shared_ptr<const Schema> schema)
      : schema_(std::move(schema)), index_(*schema_), rows_(*schema_) {
    for (const Field& f : schema_->fields()) {
      plan_.push_back(ColumnPlan{f.type.id(),
                                 f.type.id() == TypeId::kTimestamp
                                     ? f.type.precision()
                                     : 0,
                                 /*read=*/true});
    }
  }

  /// Starts parsing `payload` (copied into the reused buffer unless
  /// `padded`) as one document.
  absl::Status Iterate(std::string_view payload, bool padded,
                       ondemand::document* doc) {
    simdjson::padded_string_view view;
    if (padded) {
      view = simdjson::padded_string_view(payload.data(), payload.size(),
                                          payload.size() + kPayloadPadding);
    } else {
      size_t need = payload.size() + simdjson::SIMDJSON_PADDING;
      if (buffer_.size() < need)
        buffer_.resize(std::max(need, 2 * buffer_.size()));
      if (!payload.empty()) {
        std::memcpy(buffer_.data(), payload.data(), payload.size());
      }
      view = simdjson::padded_string_view(buffer_.data(), payload.size(),
                                          buffer_.size());
    }
    payload_ = payload;
    auto e = parser_.iterate(view).get(*doc);
    if (e) return Malformed(e);
    return absl::OkStatus();
  }

  /// The error for `e` met while parsing the current payload (see
  /// MalformedPayload).
  absl::Status Malformed(simdjson::error_code e) const {
    return MalformedPayload(e, payload_);
  }

  /// The top-level value of `doc` as an object. The object is asked for
  /// first; the value's type only when it is not one (for the message).
  absl::Status TopObject(ondemand::document& doc, ondemand::object* obj) const {
    const simdjson::error_code e = doc.get_object().get(*obj);
    if (e == simdjson::SUCCESS) return absl::OkStatus();
    if (e != simdjson::INCORRECT_TYPE) return Malformed(e);
    ondemand::json_type t;
    if (auto e2 = doc.type().get(t)) return Malformed(e2);
    return absl::InvalidArgumentError(
        fmt::format("expected a JSON object, got {}", JsonTypeName(t)));
  }

  /// After the top-level object of `payload` was read through `doc`:
  /// InvalidArgument when something follows it.
  static absl::Status CheckEnd(ondemand::document& doc,
                               std::string_view payload) {
    // At the end, current_location() reports OUT_OF_BOUNDS (simdjson 3.0
    // has no document::at_end()).
    if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
      return TrailingContent(payload).value_or(absl::InvalidArgumentError(
          "malformed JSON: trailing content after the object"));
    }
    return absl::OkStatus();
  }

  internal::RowAppender& rows() { return rows_; }

  /// Decoder::ReadOnly: the fields of unread columns are skipped as
  /// unknown ones are.
  void ReadOnly(const std::vector<bool>& read) {
    rows_.ReadOnly(read);
    for (size_t i = 0; i < plan_.size(); ++i) plan_[i].read = rows_.reads(i);
  }

  /// Decodes the fields of `obj` into one new row of kind `kind`.
  absl::Status ReadRow(ondemand::object& obj, ChangeKind kind) {
    size_t row = rows_.BeginRow();
    size_t hint = 0;
    for (auto field_result : obj) {
      if (auto e = field_result.error()) return Malformed(e);
      ondemand::field& field = field_result.value_unsafe();
      // Keys are nearly always free of escapes: read them in place (the
      // input is padded and stage 1 checked that strings are closed) and
      // unescape only when there is a backslash.
      const char* begin = field.key().raw();
      int col;
      if (index_.IsAt(begin, hint)) {
        col = static_cast<int>(hint);  // the usual case: schema order
      } else {
        const char* end = begin;
        while (*end != '"' && *end != '\\') ++end;
        std::string_view key(begin, static_cast<size_t>(end - begin));
        if (*end == '\\') {
          if (auto e = field.unescaped_key().get(key)) return Malformed(e);
        }
        col = index_.Find(key, hint);
      }
      if (col < 0) continue;  // unknown field: its value is skipped
      hint = static_cast<size_t>(col) + 1;
      const ColumnPlan& plan = plan_[static_cast<size_t>(col)];
      if (!plan.read) continue;  // skipped too
      ondemand::value& v = field.value();
      if (ReadUsualValue(plan, static_cast<size_t>(col), row, v)) continue;
      WEIR_RETURN_IF_ERROR(ReadValue(static_cast<size_t>(col), row, v));
    }
    return rows_.FinishRow(kind);
  }

 private:
  /// What the reader needs of a column per field, looked up once: its
  /// type, a TIMESTAMP's precision, whether the query reads it.
  struct ColumnPlan {
    TypeId id;
    int precision;
    bool read;
  };

  /// The usual values of the usual column types, read without asking for
  /// the value's type first: a BIGINT or an INT in range, a VARCHAR or a
  /// TIMESTAMP string without escapes. True when `v` was stored; false
  /// leaves `v` unconsumed or re-readable (simdjson's scalars may be read
  /// again) and ReadValue reads it, errors included.
  bool ReadUsualValue(const ColumnPlan& plan, size_t col, size_t row,
                      ondemand::value& v) {
    Column& c = rows_.batch()->column(col);
    switch (plan.id) {
      case TypeId::kBigint:
      case TypeId::kInt: {
        int64_t x;
        if (v.get_int64().get(x) != simdjson::SUCCESS) return false;
        if (plan.id == TypeId::kInt && (x < INT32_MIN || x > INT32_MAX)) {
          return false;
        }
        c.ints()[row] = x;
        break;
      }
      case TypeId::kVarchar:
      case TypeId::kTimestamp: {
        // A string token without a backslash is its own text (stage 1
        // validated its UTF-8 and that it is closed).
        const std::string_view token = TrimToken(v.raw_json_token());
        if (token.size() < 2 || token[0] != '"' ||
            token.find('\\') != std::string_view::npos) {
          return false;
        }
        const std::string_view text = token.substr(1, token.size() - 2);
        if (plan.id == TypeId::kVarchar) {
          c.SetLastString(text);
        } else if (!internal::ParseTimestampText(text, plan.precision,
                                                 &c.ints()[row])) {
          return false;
        }
        break;
      }
      default:
        return false;
    }
    rows_.SetValue(col);
    return true;
  }

  absl::Status FieldError(size_t col, std::string_view what) {
    return absl::InvalidArgumentError(
        fmt::format("field '{}': {}", schema_->field(col).name, what));
  }
  absl::Status Expected(size_t col, std::string_view what,
                        ondemand::json_type got) {
    return FieldError(
        col, fmt::format("expected {}, got {}", what, JsonTypeName(got)));
  }
  absl::Status Invalid(size_t col, std::string_view type_name,
                       std::string_view text) {
    return FieldError(col, fmt::format("invalid {} '{}'", type_name, text));
  }

  /// An integer number token into [min, max]; `what` names the type.
  absl::Status ReadInteger(size_t col, ondemand::value& v, int64_t min,
                           int64_t max, std::string_view what, int64_t* out) {
    int64_t x;
    auto e = v.get_int64().get(x);
    if (e == simdjson::SUCCESS && x >= min && x <= max) {
      *out = x;
      return absl::OkStatus();
    }
    std::string_view token = TrimToken(v.raw_json_token());
    if (e == simdjson::SUCCESS || e == simdjson::NUMBER_OUT_OF_RANGE) {
      return absl::OutOfRangeError(
          fmt::format("field '{}': {} is out of range for {}",
                      schema_->field(col).name, token, what));
    }
    if (e == simdjson::INCORRECT_TYPE) {
      // simdjson reports integers beyond 64 bits as INCORRECT_TYPE too.
      bool digits = !token.empty();
      for (size_t i = token[0] == '-' ? 1 : 0; i < token.size(); ++i) {
        digits = digits && token[i] >= '0' && token[i] <= '9';
      }
      if (digits) {
        return absl::OutOfRangeError(
            fmt::format("field '{}': {} is out of range for {}",
                        schema_->field(col).name, token, what));
      }
      return FieldError(col, fmt::format("expected an integer, got {}", token));
    }
    return FieldError(col, fmt::format("malformed number {}", token));
  }

  absl::Status ReadValue(size_t col, size_t row, ondemand::value& v) {
    ondemand::json_type t;
    if (auto e = v.type().get(t)) return Malformed(e);
    if (t == ondemand::json_type::null) {
      bool is_null = false;
      if (v.is_null().get(is_null) || !is_null) {
        return FieldError(col, "malformed literal (expected null)");
      }
      rows_.SetNull(col);
      return absl::OkStatus();
    }
    const types::LogicalType& type = schema_->field(col).type;
    Column& c = rows_.batch()->column(col);
    switch (type.id()) {
      case TypeId::kBoolean: {
        if (t != ondemand::json_type::boolean)
          return Expected(col, "a boolean", t);
        bool b;
        if (v.get_bool().get(b)) {
          return FieldError(col, "malformed literal (expected true or false)");
        }
        c.ints()[row] = b ? 1 : 0;
        break;
      }
      case TypeId::kInt:
      case TypeId::kBigint: {
        if (t != ondemand::json_type::number)
          return Expected(col, "a number", t);
        bool is_int = type.id() == TypeId::kInt;
        WEIR_RETURN_IF_ERROR(ReadInteger(col, v, is_int ? INT32_MIN : INT64_MIN,
                                         is_int ? INT32_MAX : INT64_MAX,
                                         is_int ? "INT" : "BIGINT",
                                         &c.ints()[row]));
        break;
      }
      case TypeId::kDouble: {
        if (t == ondemand::json_type::string) {
          std::string_view s;
          if (auto e = v.get_string().get(s)) return Malformed(e);
          if (s != "NaN" && s != "Infinity" && s != "-Infinity") {
            return FieldError(
                col, fmt::format("expected a number, got a string '{}'", s));
          }
          internal::ParseDoubleText(s, &c.doubles()[row]);
          break;
        }
        if (t != ondemand::json_type::number)
          return Expected(col, "a number", t);
        if (v.get_double().get(c.doubles()[row])) {
          return FieldError(col, fmt::format("malformed number {}",
                                             TrimToken(v.raw_json_token())));
        }
        break;
      }
      case TypeId::kDecimal: {
        std::string_view text;
        if (t == ondemand::json_type::number) {
          text = TrimToken(v.raw_json_token());
        } else if (t == ondemand::json_type::string) {
          if (auto e = v.get_string().get(text)) return Malformed(e);
        } else {
          return Expected(col, "a number", t);
        }
        switch (internal::ParseDecimalText(text, type.precision(), type.scale(),
                                           &c.decimals()[row])) {
          case internal::DecimalParse::kOk:
            break;
          case internal::DecimalParse::kSyntax:
            return FieldError(col, fmt::format("invalid DECIMAL '{}'", text));
          case internal::DecimalParse::kOverflow:
            return absl::OutOfRangeError(
                fmt::format("field '{}': {} is out of range for {}",
                            schema_->field(col).name, text, type.ToString()));
        }
        break;
      }
      case TypeId::kVarchar: {
        std::string_view text;
        simdjson::error_code e = simdjson::SUCCESS;
        switch (t) {
          case ondemand::json_type::string: {
            // Without a backslash the string is its raw bytes (stage 1
            // validated their UTF-8): one copy, straight from the input.
            std::string_view token = TrimToken(v.raw_json_token());
            if (token.size() >= 2 &&
                token.find('\\') == std::string_view::npos) {
              text = token.substr(1, token.size() - 2);
            } else {
              e = v.get_string().get(text);
            }
            break;
          }
          case ondemand::json_type::object: {
            ondemand::object o;
            e = v.get_object().get(o);
            if (!e) e = o.raw_json().get(text);
            break;
          }
          case ondemand::json_type::array: {
            ondemand::array a;
            e = v.get_array().get(a);
            if (!e) e = a.raw_json().get(text);
            break;
          }
          default:
            text = TrimToken(v.raw_json_token());
        }
        if (e) return Malformed(e);
        c.SetLastString(text);
        break;
      }
      case TypeId::kBytes: {
        if (t != ondemand::json_type::string) {
          return Expected(col, "a base64 string", t);
        }
        std::string_view s;
        if (auto e = v.get_string().get(s)) return Malformed(e);
        if (!internal::Base64Decode(s, &decoded_)) {
          return FieldError(col, fmt::format("invalid base64 '{}'", s));
        }
        c.SetLastString(decoded_);
        break;
      }
      case TypeId::kDate:
      case TypeId::kTime:
      case TypeId::kTimestamp: {
        int64_t* dst = &c.ints()[row];
        const char* name = type.id() == TypeId::kDate   ? "DATE"
                           : type.id() == TypeId::kTime ? "TIME"
                                                        : "TIMESTAMP";
        if (t == ondemand::json_type::string) {
          std::string_view s;
          if (auto e = v.get_string().get(s)) return Malformed(e);
          bool ok =
              type.id() == TypeId::kDate ? internal::ParseDateText(s, dst)
              : type.id() == TypeId::kTime
                  ? internal::ParseTimeText(s, dst)
                  : internal::ParseTimestampText(s, type.precision(), dst);
          if (!ok) return Invalid(col, name, s);
          break;
        }
        if (t != ondemand::json_type::number) {
          return Expected(col, "a string or a number", t);
        }
        int64_t n;
        WEIR_RETURN_IF_ERROR(
            ReadInteger(col, v, INT64_MIN, INT64_MAX, name, &n));
        bool ok = type.id() == TypeId::kDate ? (*dst = n, true)
                  : type.id() == TypeId::kTime
                      ? internal::TimeFromMillis(n, dst)
                      : internal::TimestampFromMillis(n, type.precision(), dst);
        if (!ok) {
          return absl::OutOfRangeError(
              fmt::format("field '{}': {} is out of range for {}",
                          schema_->field(col).name, n, name));
        }
        break;
      }
      case TypeId::kInterval:
      case TypeId::kNull:
        return FieldError(col, "unsupported column type");  // rejected at Make
    }
    rows_.SetValue(col);
    return absl::OkStatus();
  }

  std::shared_ptr<const Schema> schema_;
  internal::ColumnIndex index_;
  internal::RowAppender rows_;
  std::vector<ColumnPlan> plan_;  // one per column of schema_
  ondemand::parser parser_;
  std::vector<char> buffer_;
  std::string_view payload_;  // the record being decoded
  std::string decoded_;       // a BYTES field's bytes
};

// ------------------------------------------------------------------ json

class JsonDecoder final : public Decoder {
 public:
  static absl::StatusOr<std::unique_ptr<Decoder>> Create(
      std::shared_ptr<const Schema> schema) {
    WEIR_RETURN_IF_ERROR(internal::CheckColumnTypes("json", *schema));
    return std::unique_ptr<Decoder>(new JsonDecoder(std::move(schema)));
  }

  absl::Status Decode(std::string_view payload, bool padded,
                      Batch* out) override {
    ondemand::document doc;
    WEIR_RETURN_IF_ERROR(reader_.Iterate(payload, padded, &doc));
    ondemand::object obj;
    WEIR_RETURN_IF_ERROR(reader_.TopObject(doc, &obj));
    reader_.rows().Start(out);
    absl::Status s = reader_.ReadRow(obj, ChangeKind::kInsert);
    if (s.ok()) s = JsonRowReader::CheckEnd(doc, payload);
    if (!s.ok()) reader_.rows().Rollback();
    return s;
  }
  void ReadOnly(const std::vector<bool>& read) override {
    reader_.ReadOnly(read);
  }

 private:
  explicit JsonDecoder(std::shared_ptr<const Schema> schema)
      : reader_(std::move(schema)) {}
  JsonRowReader reader_;
};

// ---------------------------------------------------------- debezium-json

class DebeziumJsonDecoder final : public Decoder {
 public:
  static absl::StatusOr<std::unique_ptr<Decoder>> Create(
      std::shared_ptr<const Schema> schema) {
    WEIR_RETURN_IF_ERROR(internal::CheckColumnTypes("debezium-json", *schema));
    return std::unique_ptr<Decoder>(new DebeziumJsonDecoder(std::move(schema)));
  }

  absl::Status Decode(std::string_view payload, bool padded,
                      Batch* out) override {
    if (payload.empty()) return absl::OkStatus();  // tombstone after a delete
    ondemand::document doc;
    WEIR_RETURN_IF_ERROR(reader_.Iterate(payload, padded, &doc));
    ondemand::object obj;
    WEIR_RETURN_IF_ERROR(reader_.TopObject(doc, &obj));
    reader_.rows().Start(out);
    absl::Status s = ReadEvent(obj, /*top=*/true);
    if (s.ok()) s = CheckEnd(doc, payload);
    if (!s.ok()) reader_.rows().Rollback();
    return s;
  }
  void ReadOnly(const std::vector<bool>& read) override {
    reader_.ReadOnly(read);
  }

 private:
  explicit DebeziumJsonDecoder(std::shared_ptr<const Schema> schema)
      : reader_(std::move(schema)) {}

  /// find_field_unordered leaves the iterator inside the object: walk the
  /// document once more (skipping values, which is cheap) to reach its end
  /// and check that nothing follows. The rows are already copied out, so
  /// rewinding (which invalidates unescaped strings) is safe.
  absl::Status CheckEnd(ondemand::document& doc,
                        std::string_view payload) const {
    doc.rewind();
    ondemand::object obj;
    if (auto e = doc.get_object().get(obj)) return reader_.Malformed(e);
    for (auto field : obj) {
      if (auto e = field.error()) return reader_.Malformed(e);
    }
    return JsonRowReader::CheckEnd(doc, payload);
  }

  static absl::Status Error(std::string_view what) {
    return absl::InvalidArgumentError(fmt::format("debezium-json: {}", what));
  }

  absl::Status ReadEvent(ondemand::object& obj, bool top) {
    ondemand::value op_value;
    auto e = obj.find_field_unordered("op").get(op_value);
    if (e == simdjson::NO_SUCH_FIELD && top) {
      // Kafka Connect's JsonConverter with schemas.enable=true wraps the
      // event: {"schema": {...}, "payload": {...}}.
      ondemand::value payload;
      e = obj.find_field_unordered("payload").get(payload);
      if (e == simdjson::NO_SUCH_FIELD) return Error("missing field 'op'");
      if (e) return reader_.Malformed(e);
      ondemand::json_type t;
      if (auto e2 = payload.type().get(t)) return reader_.Malformed(e2);
      if (t == ondemand::json_type::null) return absl::OkStatus();  // tombstone
      if (t != ondemand::json_type::object) {
        return Error(fmt::format("'payload' must be an object, got {}",
                                 JsonTypeName(t)));
      }
      ondemand::object inner;
      if (auto e2 = payload.get_object().get(inner))
        return reader_.Malformed(e2);
      return ReadEvent(inner, /*top=*/false);
    }
    if (e == simdjson::NO_SUCH_FIELD) return Error("missing field 'op'");
    if (e) return reader_.Malformed(e);
    std::string_view op;
    if (op_value.get_string().get(op)) return Error("'op' must be a string");
    if (op == "c" || op == "r") {
      return ReadImage(obj, "after", op, ChangeKind::kInsert);
    }
    if (op == "u") {
      WEIR_RETURN_IF_ERROR(
          ReadImage(obj, "before", op, ChangeKind::kUpdateBefore));
      return ReadImage(obj, "after", op, ChangeKind::kUpdateAfter);
    }
    if (op == "d") return ReadImage(obj, "before", op, ChangeKind::kDelete);
    return Error(
        fmt::format("unsupported op '{}' (expected 'c', 'r', 'u' or 'd')", op));
  }

  absl::Status ReadImage(ondemand::object& obj, const char* name,
                         std::string_view op, ChangeKind kind) {
    char op_char = op[0];  // ReadEvent checked `op` is one letter
    ondemand::value v;
    auto e = obj.find_field_unordered(name).get(v);
    if (e == simdjson::NO_SUCH_FIELD) {
      return Error(fmt::format("'{}' event without '{}'", op_char, name));
    }
    if (e) return reader_.Malformed(e);
    ondemand::json_type t;
    if (auto e2 = v.type().get(t)) return reader_.Malformed(e2);
    if (t == ondemand::json_type::null) {
      return Error(fmt::format(
          "'{}' event with a null '{}'{}", op_char, name,
          op_char == 'c' || op_char == 'r'
              ? ""
              : " (the source must log full row images, e.g. PostgreSQL "
                "REPLICA IDENTITY FULL)"));
    }
    if (t != ondemand::json_type::object) {
      return Error(
          fmt::format("'{}' must be an object, got {}", name, JsonTypeName(t)));
    }
    ondemand::object image;
    if (auto e2 = v.get_object().get(image)) return reader_.Malformed(e2);
    absl::Status s = reader_.ReadRow(image, kind);
    if (!s.ok()) {
      return absl::Status(s.code(),
                          fmt::format("debezium-json '{}': {}", name,
                                      std::string_view(s.message().data(),
                                                       s.message().size())));
    }
    return s;
  }

  JsonRowReader reader_;
};

// --------------------------------------------------------------- encoders

/// Writes rows as JSON objects; shared by the json and debezium-json
/// encoders.
class JsonRowWriter {
 public:
  explicit JsonRowWriter(std::shared_ptr<const Schema> schema)
      : schema_(std::move(schema)) {
    for (const Field& f : schema_->fields()) {
      std::string key;
      internal::AppendJsonString(f.name, &key);
      key.push_back(':');
      keys_.push_back(std::move(key));
    }
  }

  absl::Status AppendObject(const Batch& in, size_t row, std::string* out) {
    out->push_back('{');
    for (size_t i = 0; i < keys_.size(); ++i) {
      if (i > 0) out->push_back(',');
      out->append(keys_[i]);
      WEIR_RETURN_IF_ERROR(AppendValue(in.column(i), i, row, out));
    }
    out->push_back('}');
    return absl::OkStatus();
  }

 private:
  absl::Status AppendValue(const Column& c, size_t col, size_t row,
                           std::string* out) {
    if (c.IsNull(row)) {
      out->append("null");
      return absl::OkStatus();
    }
    const types::LogicalType& type = c.type();
    switch (type.id()) {
      case TypeId::kBoolean:
        out->append(c.ints()[row] ? "true" : "false");
        break;
      case TypeId::kInt:
      case TypeId::kBigint:
        internal::AppendInt(c.ints()[row], out);
        break;
      case TypeId::kDouble: {
        double d = c.doubles()[row];
        bool finite = std::isfinite(d);
        if (!finite) out->push_back('"');
        internal::AppendDouble(d, out);
        if (!finite) out->push_back('"');
        break;
      }
      case TypeId::kDecimal:
        internal::AppendDecimal(c.decimals()[row], type.scale(), out);
        break;
      case TypeId::kVarchar: {
        const std::string_view s = c.StringAt(row);
        if (!internal::ValidUtf8(s)) {
          return absl::InvalidArgumentError(
              fmt::format("column '{}': VARCHAR value is not valid UTF-8",
                          schema_->field(col).name));
        }
        internal::AppendJsonString(s, out);
        break;
      }
      case TypeId::kBytes:
        out->push_back('"');
        internal::Base64Encode(c.StringAt(row), out);
        out->push_back('"');
        break;
      case TypeId::kDate:
        out->push_back('"');
        internal::AppendDate(c.ints()[row], out);
        out->push_back('"');
        break;
      case TypeId::kTime:
        out->push_back('"');
        internal::AppendTime(c.ints()[row], out);
        out->push_back('"');
        break;
      case TypeId::kTimestamp:
        out->push_back('"');
        internal::AppendTimestamp(c.ints()[row], type.precision(), out);
        out->push_back('"');
        break;
      case TypeId::kInterval:
      case TypeId::kNull:
        out->append("null");  // rejected at Make
        break;
    }
    return absl::OkStatus();
  }

  std::shared_ptr<const Schema> schema_;
  std::vector<std::string> keys_;  // "\"name\":" per column
};

class JsonEncoder final : public Encoder {
 public:
  static absl::StatusOr<std::unique_ptr<Encoder>> Create(
      std::shared_ptr<const Schema> schema) {
    WEIR_RETURN_IF_ERROR(internal::CheckColumnTypes("json", *schema));
    return std::unique_ptr<Encoder>(new JsonEncoder(std::move(schema)));
  }

  absl::StatusOr<size_t> Encode(const Batch& in, size_t row,
                                std::string* out) override {
    out->clear();
    WEIR_RETURN_IF_ERROR(writer_.AppendObject(in, row, out));
    return 1;
  }

 private:
  explicit JsonEncoder(std::shared_ptr<const Schema> schema)
      : writer_(std::move(schema)) {}
  JsonRowWriter writer_;
};

/// The live row after `row`, or -1.
int64_t NextLiveRow(const Batch& in, size_t row) {
  if (!in.has_selection()) {
    return row + 1 < in.num_rows() ? static_cast<int64_t>(row + 1) : -1;
  }
  const types::SelectionVector& sel = in.selection();
  auto it =
      std::upper_bound(sel.begin(), sel.end(), static_cast<uint32_t>(row));
  return it == sel.end() ? -1 : static_cast<int64_t>(*it);
}

class DebeziumJsonEncoder final : public Encoder {
 public:
  static absl::StatusOr<std::unique_ptr<Encoder>> Create(
      std::shared_ptr<const Schema> schema) {
    WEIR_RETURN_IF_ERROR(internal::CheckColumnTypes("debezium-json", *schema));
    return std::unique_ptr<Encoder>(new DebeziumJsonEncoder(std::move(schema)));
  }

  absl::StatusOr<size_t> Encode(const Batch& in, size_t row,
                                std::string* out) override {
    out->clear();
    ChangeKind kind = in.change(row);
    if (kind == ChangeKind::kUpdateBefore) {
      int64_t next = NextLiveRow(in, row);
      if (next >= 0 && in.change(next) == ChangeKind::kUpdateAfter) {
        out->append("{\"before\":");
        WEIR_RETURN_IF_ERROR(writer_.AppendObject(in, row, out));
        out->append(",\"after\":");
        WEIR_RETURN_IF_ERROR(writer_.AppendObject(in, next, out));
        out->append(",\"op\":\"u\"}");
        return 2;
      }
    }
    if (kind == ChangeKind::kInsert || kind == ChangeKind::kUpdateAfter) {
      out->append("{\"before\":null,\"after\":");
      WEIR_RETURN_IF_ERROR(writer_.AppendObject(in, row, out));
      out->append(",\"op\":\"c\"}");
    } else {
      out->append("{\"before\":");
      WEIR_RETURN_IF_ERROR(writer_.AppendObject(in, row, out));
      out->append(",\"after\":null,\"op\":\"d\"}");
    }
    return 1;
  }

 private:
  explicit DebeziumJsonEncoder(std::shared_ptr<const Schema> schema)
      : writer_(std::move(schema)) {}
  JsonRowWriter writer_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Decoder>> MakeJsonDecoder(
    std::shared_ptr<const Schema> schema, const FormatOptions&) {
  return JsonDecoder::Create(std::move(schema));
}
absl::StatusOr<std::unique_ptr<Encoder>> MakeJsonEncoder(
    std::shared_ptr<const Schema> schema, const FormatOptions&) {
  return JsonEncoder::Create(std::move(schema));
}
absl::StatusOr<std::unique_ptr<Decoder>> MakeDebeziumJsonDecoder(
    std::shared_ptr<const Schema> schema, const FormatOptions&) {
  return DebeziumJsonDecoder::Create(std::move(schema));
}
absl::StatusOr<std::unique_ptr<Encoder>> MakeDebeziumJsonEncoder(
    std::shared_ptr<const Schema> schema, const FormatOptions&) {
  return DebeziumJsonEncoder::Create(std::move(schema));
}

}  // namespace weir::formats
