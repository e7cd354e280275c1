#pragma once

// Internal to connectors/formats: the text conversions and the row-append
// protocol shared by the JSON, CSV and raw formats. Not for other modules.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "engine/types/batch.h"
#include "engine/types/schema.h"

namespace weir::formats::internal {

/// Rejects column types no format can hold (INTERVAL, the NULL type).
absl::Status CheckColumnTypes(std::string_view format,
                              const types::Schema& schema);

/// The conversions of text to one column type, shared by the JSON decoder
/// (for string values and number tokens) and the CSV decoder. Each writes
/// into `*v` and returns an error message suffix (without the field name)
/// or an empty string on success; messages are built on the error path
/// only.
enum class DecimalParse { kOk, kSyntax, kOverflow };
/// [+-]digits[.digits][(e|E)[+-]digits] (also ".5", "5.") rounded half away
/// from zero to `scale`; kOverflow when it does not fit `precision`.
DecimalParse ParseDecimalText(std::string_view text, int precision, int scale,
                              __int128* v);
/// An integer in [min, max]: [+-]digits only. Sets *out_of_range when the
/// text is an integer but does not fit.
bool ParseIntegerText(std::string_view text, int64_t min, int64_t max,
                      int64_t* v, bool* out_of_range);
/// Any number std::from_chars accepts, plus NaN, Infinity, -Infinity.
bool ParseDoubleText(std::string_view text, double* v);
/// 'YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]][Z]', truncated to `precision`.
bool ParseTimestampText(std::string_view text, int precision, int64_t* v);
/// Epoch milliseconds to micros truncated to `precision`; false on overflow.
bool TimestampFromMillis(int64_t millis, int precision, int64_t* v);
/// Milliseconds of the day to micros; false outside one day. (TIME keeps
/// microseconds: it has no precision parameter.)
bool TimeFromMillis(int64_t millis, int64_t* v);
bool ParseTimeText(std::string_view text, int64_t* v);
bool ParseDateText(std::string_view text, int64_t* v);
/// Standard base64 (RFC 4648, '=' padding optional on input).
bool Base64Decode(std::string_view text, std::string* out);
void Base64Encode(std::string_view bytes, std::string* out);
bool ValidUtf8(std::string_view text);

/// Case-insensitive column lookup by name, built once per decoder. When
/// several columns share a name the first wins (as in Schema::IndexOf).
class ColumnIndex {
 public:
  explicit ColumnIndex(const types::Schema& schema);
  /// The column called `name`, or -1. `hint` is the column expected next
  /// (records usually list fields in schema order): it is tried first,
  /// spelt as in the schema (inline: the common case of every field).
  int Find(std::string_view name, size_t hint) {
    if (hint < names_.size() && first_[hint] && name == names_[hint])
      return static_cast<int>(hint);
    return FindAnyCase(name, hint);
  }
  /// Whether the raw text of a JSON key at `raw` is column `hint`'s name
  /// spelt as in the schema, closing quote included; `raw` must have at
  /// least kMaxRawName + 1 readable bytes rounded up to 8 (64; a padded
  /// JSON input does), so
  /// no scan for the key's end is needed when fields come in schema order.
  static constexpr size_t kMaxRawName = 63;
  bool IsAt(const char* raw, size_t hint) const {
    if (hint >= quoted_.size()) return false;
    const QuotedName& q = quoted_[hint];
    if (q.words == 0) return false;
    // Compared 8 bytes at a time (inline, no call per key): whole words,
    // then the last one under a mask of the bytes that belong to the name.
    // The words read stay within the name's kMaxRawName + 1 bytes rounded
    // up to 8, which is 64: within what the caller guarantees readable.
    const size_t last = q.words - 1;
    for (size_t w = 0; w < last; ++w) {
      uint64_t x;
      std::memcpy(&x, raw + 8 * w, 8);
      if (x != q.text[w]) return false;
    }
    uint64_t x;
    std::memcpy(&x, raw + 8 * last, 8);
    return (x & q.last_mask) == q.text[last];
  }

 private:
  int FindAnyCase(std::string_view name, size_t hint);

  std::vector<std::string> names_;  // as in the schema
  std::vector<std::string> lower_;
  std::vector<bool> first_;  // the first column with its name
  // Per column: its name and the closing quote, for IsAt, as 8-byte words
  // (the last one zero-filled past the quote); no words when the name
  // cannot be matched raw (not the first of its name, longer than
  // kMaxRawName, or holding a quote or backslash).
  struct QuotedName {
    uint64_t text[(kMaxRawName + 1 + 7) / 8] = {};
    uint64_t last_mask = 0;  // the bytes of the last word that count
    size_t words = 0;
  };
  std::vector<QuotedName> quoted_;
  std::unordered_map<std::string, int> map_;
  std::string scratch_;
};

/// Appends rows to a batch without leaving a partial row behind on error:
/// BeginRow appends a zero placeholder to every column, the format writes
/// values in place and marks the columns it set, FinishRow turns the
/// unmarked columns into NULLs (an error for a NOT NULL column) and commits
/// the row, and Rollback truncates the batch to where it was at Start.
/// One per decoder; not thread-safe.
class RowAppender {
 public:
  explicit RowAppender(const types::Schema& schema);

  /// Only the columns `read` flags (one per column) are written by the
  /// format; every row gets NULL in the others, whatever their
  /// nullability. By default every column is read.
  void ReadOnly(const std::vector<bool>& read);
  bool reads(size_t col) const { return read_[col] != 0; }

  void Start(types::Batch* out);
  /// Appends a placeholder row; returns its index.
  size_t BeginRow();
  void SetValue(size_t col) { state_[col] = kValue; }
  void SetNull(size_t col) { state_[col] = kNull; }
  /// Errors: InvalidArgument "field 'x' is NOT NULL but missing|null".
  absl::Status FinishRow(types::ChangeKind kind);
  void Rollback();
  types::Batch* batch() { return out_; }

 private:
  enum : uint8_t { kUnset, kValue, kNull };
  const types::Schema& schema_;
  types::Batch* out_ = nullptr;
  size_t start_ = 0;
  size_t row_ = 0;
  std::vector<uint8_t> state_;
  std::vector<uint8_t> read_;  // 1: the format writes the column
  // The columns read, not read, and read and NOT NULL: the per-row loops
  // visit only the columns they concern.
  std::vector<uint32_t> read_columns_;
  std::vector<uint32_t> unread_columns_;
  std::vector<uint32_t> required_columns_;
};

/// Text of non-string values as the JSON and CSV encoders write them.
void AppendDouble(double v, std::string* out);  // NaN/Infinity as words
void AppendInt(int64_t v, std::string* out);
void AppendDecimal(__int128 unscaled, int scale, std::string* out);
void AppendTimestamp(int64_t micros, int precision, std::string* out);
void AppendDate(int64_t days, std::string* out);
/// HH:MM:SS, with 6 fractional digits when the fraction is not zero.
void AppendTime(int64_t micros, std::string* out);
/// `s` as a JSON string literal: '"', '\\' and control characters escaped,
/// other bytes (valid UTF-8 is the caller's check) copied.
void AppendJsonString(std::string_view s, std::string* out);

}  // namespace weir::formats::internal
