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
/// SQL LIKE with % and _ (one code point); `escape` is empty (no escape) or
/// one character; errors for a longer escape or a trailing escape.
absl::StatusOr<bool> Like(std::string_view text, std::string_view pattern,
                          std::string_view escape);
/// Compiles an RE2 pattern; error "invalid regular expression 'p': why".
absl::StatusOr<std::unique_ptr<re2::RE2>> CompileRegex(std::string_view p);

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
