#pragma once

// Value-level building blocks of the scalar functions (strings, LIKE,
// regular expressions, calendar fields, JSON paths). Internal to
// engine/expr: the registry in functions.cc wires them to SQL names, and the
// vectorized runtime may reuse them per row where a column kernel is not
// worth writing.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

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
absl::StatusOr<std::optional<std::string_view>> RegexExtract(
    std::string_view s, const re2::RE2& re, int64_t group);
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
/// Looks `path` ('$', '.name', '."name"', '[n]', "['name']") up in
/// `json_text`; a malformed path is an error "invalid JSON path '...'".
absl::StatusOr<JsonLookup> LookupJson(std::string_view json_text,
                                      std::string_view path);

}  // namespace weir::expr::internal
