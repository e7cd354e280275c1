#pragma once

// Decoding UTF-8 one character at a time, strictly: the SQL lexer's input
// and the shell's escaping of values agree on what is valid UTF-8.

#include <cstddef>
#include <string_view>

namespace weir {

/// One decoded character: its code point and its length in bytes.
struct Utf8Char {
  char32_t code_point = 0;
  size_t length = 0;  // 0: the bytes at this position are not valid UTF-8
};

/// The character that starts at byte `i` of `text` (i < text.size()).
/// Length 0 for a bad lead or continuation byte, a truncated sequence, an
/// overlong form, a surrogate or a value past U+10FFFF.
Utf8Char DecodeUtf8At(std::string_view text, size_t i);

}  // namespace weir
