#pragma once

// Row-level building blocks of the scalar functions (numbers, strings,
// LIKE, regular expressions, calendar fields, JSON paths): the rule for one
// row, on unboxed values. Internal to engine/expr: the batch kernels of the
// function families (functions/*.cc) run them inside their row loops.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/types/decimal_util.h"
#include "engine/types/logical_type.h"

namespace re2 {
class RE2;
}

namespace weir::expr::internal {

/// Number of UTF-8 code points (bytes that are not continuation bytes).
int64_t Utf8Length(std::string_view s);
/// Splits into code points (each a view of 1..4 bytes).
std::vector<std::string_view> Utf8Chars(std::string_view s);
/// SQL SUBSTRING: the code points at 1-based positions [start, start+len)
/// intersected with the string; `len` < 0 is an error.
absl::StatusOr<std::string> Substring(std::string_view s, int64_t start,
                                      std::optional<int64_t> len);
/// Row helpers of the string functions, shared by the vectorized kernels.
/// Code points are split as Utf8Chars does: one starts at byte 0 and at
/// every byte that is not a UTF-8 continuation byte. Results that are a
/// piece of the input are returned as views of it; the others are appended
/// to `*out` (which the caller clears), so a kernel can reuse its buffers.

/// Utf8Chars(s).size(), without building the vector.
int64_t Utf8CharCount(std::string_view s);
/// TRIM / LTRIM / RTRIM: `s` without the code points that occur in `chars`
/// at its start (`left`) and/or end (`right`).
std::string_view TrimCodePoints(std::string_view s, std::string_view chars,
                                bool left, bool right);
/// REPLACE: `s` with every occurrence of `from` (left to right, not
/// overlapping) replaced by `to`; `s` itself when `from` is empty.
void AppendReplaced(std::string_view s, std::string_view from,
                    std::string_view to, std::string* out);
/// POSITION: 1-based code-point position (as Utf8Length counts) of the
/// first byte-wise occurrence of `needle` in `haystack`; 0 when absent, 1
/// for an empty needle.
int64_t Utf8Position(std::string_view needle, std::string_view haystack);
/// LPAD (`left`) / RPAD: `s` cut or padded with the code points of `pad`
/// (repeated) to `len` code points; "" for `len` <= 0, `s` when it is short
/// and `pad` is empty.
void AppendPadded(std::string_view s, int64_t len, std::string_view pad,
                  bool left, std::string* out);
/// REVERSE: the code points of `s` in reverse order.
void AppendReversed(std::string_view s, std::string* out);
/// SPLIT_PART: field `n` (1-based; negative counts from the end) of `s`
/// split by `delim` (an empty delimiter gives one field, `s`); "" when there
/// is no such field. Error (InvalidArgument) for `n` = 0.
absl::StatusOr<std::string_view> SplitPartField(std::string_view s,
                                                std::string_view delim,
                                                int64_t n);
/// SQL LIKE with % and _ (one code point); `escape` is empty (no escape) or
/// one character; errors for a longer escape or a trailing escape.
absl::StatusOr<bool> Like(std::string_view text, std::string_view pattern,
                          std::string_view escape);
/// Compiles an RE2 pattern; error "invalid regular expression 'p': why".
absl::StatusOr<std::unique_ptr<re2::RE2>> CompileRegex(std::string_view p);

/// REGEXP_EXTRACT: the text of capture group `group` (0: the whole match)
/// of the first match of `re` in `s`; nullopt when there is no match or the
/// group did not take part. Error (InvalidArgument) for a group below 0 or
/// above the pattern's number of capturing groups.
absl::StatusOr<std::optional<std::string_view>> RegexExtract(std::string_view s,
                                                             const re2::RE2& re,
                                                             int64_t group);
/// REGEXP_REPLACE: OK when `rewrite` is a valid replacement for `re`, else
/// the error "invalid replacement string '...': why" (InvalidArgument).
absl::Status CheckRegexRewrite(const re2::RE2& re, std::string_view rewrite);
/// REGEXP_REPLACE after CheckRegexRewrite: replaces every match of `re` in
/// `*s` by `rewrite` (\0..\9 insert groups).
void RegexReplaceAll(const re2::RE2& re, std::string_view rewrite,
                     std::string* s);

/// EXTRACT(field FROM micros-since-epoch); error for an unknown field.
absl::StatusOr<int64_t> ExtractField(std::string_view field, int64_t micros);
/// DATE_TRUNC(unit, micros); error for an unknown unit.
absl::StatusOr<int64_t> TruncateTimestamp(std::string_view unit,
                                          int64_t micros);
/// MySQL DATE_FORMAT specifiers (%Y %y %m %c %d %e %H %k %h %I %l %i %s %S
/// %f %p %b %M %a %W %j %T %%); an unknown %x prints x.
std::string DateFormat(int64_t micros, std::string_view format);
/// Parses `text` with the same specifiers (numeric ones, %p, %b, %M, %T,
/// %%); nullopt when the text does not match or is not a valid date.
std::optional<int64_t> ParseWithFormat(std::string_view text,
                                       std::string_view format);

/// The outcome of looking a JSON path up in a document.
enum class JsonFound { kMalformed, kMissing, kScalar, kNull, kContainer };
struct JsonLookup {
  JsonFound found = JsonFound::kMissing;
  std::string text;  // scalar as text (strings unquoted), or container JSON
};
/// Documents nested deeper than this (arrays and objects inside each
/// other) count as malformed: parsing and printing them would recurse that
/// deep, and one record must not exhaust a worker's stack.
inline constexpr int kMaxJsonDepth = 1000;
/// Looks `path` ('$', '.name', '."name"', '[n]', "['name']") up in
/// `json_text`; a malformed path is an error "invalid JSON path '...'".
/// Text that is not JSON, or nests deeper than kMaxJsonDepth, is kMalformed.
absl::StatusOr<JsonLookup> LookupJson(std::string_view json_text,
                                      std::string_view path);

// ---- Numeric row helpers: the rules of ABS, CEIL, FLOOR, ROUND, TRUNCATE,
// SIGN, POWER, SQRT, LN, LOG10 and EXP on unboxed values, shared by the
// scalar functions and the vectorized kernels. Errors carry the scalar
// functions' codes and messages.

using types::internal::int128;

/// ABS of an integer argument of type `arg` into `result` (INT or BIGINT);
/// OutOfRange "integer overflow in ABS(<arg>)" when |x| does not fit
/// `result`.
absl::StatusOr<int64_t> AbsInteger(int64_t x, const types::LogicalType& arg,
                                   const types::LogicalType& result);
/// ABS of a DECIMAL's unscaled value (never fails).
inline int128 AbsDecimal(int128 u) { return u < 0 ? -u : u; }
/// CEIL (`ceil`) / FLOOR of a DOUBLE.
double CeilFloorDouble(double x, bool ceil);
/// CEIL / FLOOR of a DECIMAL (unscaled `u` at `scale`) as the unscaled value
/// of `result` (a DECIMAL); OutOfRange "DECIMAL overflow: ..." when it does
/// not fit.
absl::StatusOr<int128> CeilFloorDecimal(int128 u, int scale, bool ceil,
                                        const types::LogicalType& result);
/// ROUND (half away from zero) or TRUNCATE (`truncate`) of a DOUBLE to
/// `digits` fractional digits (clamped to [-40, 40]); non-finite values and
/// values whose scaled form is not finite are returned unchanged.
double RoundDouble(double x, int64_t digits, bool truncate);
/// ROUND / TRUNCATE of an exact number (unscaled `u` at `scale`; integers
/// have scale 0) to `digits` fractional digits, as a value of `result`: the
/// integer itself for INT / BIGINT, the unscaled value at result.scale() for
/// DECIMAL. OutOfRange "overflow in ROUND", "integer overflow in ROUND" or
/// "DECIMAL overflow: ...".
absl::StatusOr<int128> RoundExact(int128 u, int scale, int64_t digits,
                                  bool truncate,
                                  const types::LogicalType& result);
/// SIGN: -1, 0 or 1 (0 for NaN).
inline int SignOf(double x) { return x > 0 ? 1 : (x < 0 ? -1 : 0); }
inline int SignOf(int128 u) { return u > 0 ? 1 : (u < 0 ? -1 : 0); }
/// POWER(x, y); InvalidArgument for 0 to a negative power and for a
/// negative number to a non-integer power, OutOfRange for an infinite
/// result.
absl::StatusOr<double> Power(double x, double y);
/// The one-argument DOUBLE functions.
enum class DoubleFn { kSqrt, kLn, kLog10, kExp };
/// SQRT / LN / LOG10 / EXP of `x`: InvalidArgument for a negative SQRT
/// argument and a zero or negative logarithm argument, OutOfRange
/// "value out of range: overflow in LN" for an infinite result.
absl::StatusOr<double> ApplyDoubleFn(DoubleFn fn, double x);

// ---- Temporal row helpers (DATE, TIME and TIMESTAMP values as stored:
// days for DATE, micros otherwise).

/// Micros since the epoch (or since midnight for TIME) of a value of `type`.
int64_t TemporalMicros(types::TypeId type, int64_t value);
/// EXTRACT(field FROM value of `type`), the field matched case-insensitively;
/// InvalidArgument for an unknown field or a date field of a TIME.
absl::StatusOr<int64_t> ExtractFromTemporal(std::string_view field,
                                            types::TypeId type, int64_t value);
/// UNIX_TIMESTAMP: whole seconds since the epoch, rounded down.
int64_t UnixSeconds(int64_t micros);
/// FROM_UNIXTIME: micros of `seconds`; OutOfRange "TIMESTAMP out of range"
/// outside 0001-01-01 .. 9999-12-31.
absl::StatusOr<int64_t> FromUnixSeconds(int64_t seconds);
/// TO_TIMESTAMP(text[, format]) at `precision` digits (truncated); nullopt
/// when the text does not match.
std::optional<int64_t> ToTimestampMicros(std::string_view text,
                                         const std::string_view* format,
                                         int precision);
/// TO_DATE(text[, format]) as days; nullopt when the text does not match.
std::optional<int64_t> ToDateDays(std::string_view text,
                                  const std::string_view* format);

}  // namespace weir::expr::internal
