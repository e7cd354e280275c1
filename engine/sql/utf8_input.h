#pragma once

// Internal to engine/sql: UTF-8 text decoded for the ANTLR lexer. The
// runtime's own decoding (std::wstring_convert) peaks at about 20 bytes per
// input byte; this takes 4 per character.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "antlr4-runtime.h"

namespace weir::sql::internal {

/// Decodes UTF-8 `s` into `out`, one code point each. Stops at the first
/// invalid sequence (bad lead or continuation byte, truncated, overlong,
/// surrogate, past U+10FFFF) and returns its byte offset; npos when all of
/// `s` is valid.
size_t DecodeUtf8(std::string_view s, std::u32string* out);

/// Decodes any bytes: each byte of an invalid sequence becomes U+FFFD. When
/// `starts` is not null it receives the byte offset of each code point, then
/// s.size(), so code point i covers bytes [starts[i], starts[i + 1]).
std::u32string DecodeUtf8Lenient(std::string_view s,
                                 std::vector<uint32_t>* starts);

/// A lexer input over decoded code points (token indices are code point
/// indices).
class DecodedInputStream : public antlr4::ANTLRInputStream {
 public:
  explicit DecodedInputStream(std::u32string code_points) {
    _data = std::move(code_points);
  }
};

}  // namespace weir::sql::internal
