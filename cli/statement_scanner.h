#pragma once

// Where a piece of SQL text stands lexically: whether it ends inside a
// string, a quoted identifier or a comment, and whether its last token is
// the ';' that ends a statement. The shell uses it to decide when the lines
// typed so far form complete statements to run. It is deliberately not a
// parser: it only knows the lexical forms that can hide a ';'.

#include <string_view>

namespace weir::cli {

/// The construct the text ends inside, if any.
enum class OpenConstruct {
  kNone,
  kSingleQuote,   // '...' with '' and \x escapes
  kDoubleQuote,   // "..." identifier with "" escape
  kBacktick,      // `...` identifier with `` escape
  kBlockComment,  // /* ... */ (not nested)
};

/// The result of scanning a SQL text.
struct ScanResult {
  /// True when the text holds a token outside comments and whitespace.
  bool has_content = false;
  /// True when the text has content, ends outside any string, identifier or
  /// block comment, and its last token is ';' (only whitespace and comments
  /// follow it). A line comment still open at the end counts as closed: the
  /// line ends it.
  bool complete = false;
  OpenConstruct open = OpenConstruct::kNone;
};

/// Scans `text`. Never fails; unterminated constructs are reported in
/// `open`.
ScanResult ScanSql(std::string_view text);

}  // namespace weir::cli
