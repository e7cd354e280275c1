#pragma once

// Internal to engine/sql: the step from the ANTLR parse tree to Weir's AST.
// Only parser.cc and transformer*.cc include this header. No generated type
// appears here; the parse tree is passed as the runtime's base context class.

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/base/source_span.h"
#include "engine/sql/ast.h"

namespace antlr4 {
class ParserRuleContext;
class Token;
}  // namespace antlr4

namespace weir::sql::internal {

/// The script text plus the tables that turn ANTLR's positions (code-point
/// indices into the decoded input) into SourceSpans (byte offsets, 1-based
/// line and byte column). Holds a view of the text: the text must outlive it.
class SourceText {
 public:
  /// `text` must be valid UTF-8 (the parser checks before lexing).
  explicit SourceText(std::string_view text);

  std::string_view text() const { return text_; }

  /// Byte offset of the code point with index `cp` (cp may be the size).
  uint32_t ByteOffset(size_t cp) const;
  /// The span of bytes [begin, end) in the text.
  SourceSpan SpanOfBytes(uint32_t begin, uint32_t end) const;
  /// The span of one token; the EOF token gets an empty span at the end.
  SourceSpan SpanOf(const antlr4::Token* token) const;
  /// From the start of `first` to the end of `last` (inclusive).
  SourceSpan SpanOf(const antlr4::Token* first,
                    const antlr4::Token* last) const;
  /// The text a span covers.
  std::string_view Slice(const SourceSpan& span) const {
    return text_.substr(span.offset, span.length);
  }

 private:
  std::string_view text_;
  bool ascii_ = true;
  std::vector<uint32_t> cp_to_byte_;   // only when !ascii_
  std::vector<uint32_t> line_starts_;  // byte offsets where lines begin
};

/// Turns the tree of WeirSql's `script` rule into statements. Errors (limits,
/// duplicated clauses, bad literals) are SqlError statuses with a span.
absl::StatusOr<std::vector<ast::StatementPtr>> TransformScript(
    antlr4::ParserRuleContext* script, const SourceText& text);

}  // namespace weir::sql::internal
