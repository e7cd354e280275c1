#pragma once

#include <cstdint>

namespace weir {

/// A stretch of the statement text a user typed: where a token or AST node
/// starts (byte offset, 1-based line and column) and how many bytes it covers.
/// Offsets refer to the whole input given to the parser (a script may hold
/// several statements), so an error can quote the right line.
struct SourceSpan {
  uint32_t offset = 0;
  uint32_t length = 0;
  uint32_t line = 0;    // 1-based; 0 means "no position known".
  uint32_t column = 0;  // 1-based, in bytes.

  bool known() const { return line != 0; }
  /// The span from the start of `a` to the end of `b`.
  static SourceSpan Cover(const SourceSpan& a, const SourceSpan& b) {
    if (!a.known()) return b;
    if (!b.known()) return a;
    SourceSpan s = a;
    uint32_t end = b.offset + b.length;
    s.length = end > a.offset ? end - a.offset : a.length;
    return s;
  }
};

}  // namespace weir
