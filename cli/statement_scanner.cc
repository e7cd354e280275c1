#include "cli/statement_scanner.h"

#include <cctype>

namespace weir::cli {

ScanResult ScanSql(std::string_view text) {
  ScanResult result;
  enum class State {
    kNormal,
    kSingleQuote,
    kDoubleQuote,
    kBacktick,
    kLineComment,
    kBlockComment
  };
  State state = State::kNormal;
  bool last_token_is_semicolon = false;
  const size_t n = text.size();
  for (size_t i = 0; i < n; ++i) {
    const char c = text[i];
    const char next = i + 1 < n ? text[i + 1] : '\0';
    switch (state) {
      case State::kNormal:
        if (c == '-' && next == '-') {
          state = State::kLineComment;
          ++i;
        } else if (c == '/' && next == '*') {
          state = State::kBlockComment;
          ++i;
        } else if (std::isspace(static_cast<unsigned char>(c))) {
          // Whitespace changes nothing.
        } else {
          result.has_content = true;
          last_token_is_semicolon = c == ';';
          if (c == '\'') state = State::kSingleQuote;
          if (c == '"') state = State::kDoubleQuote;
          if (c == '`') state = State::kBacktick;
        }
        break;
      case State::kSingleQuote:
        // '' is an escaped quote: the closing quote returns to kNormal and
        // the next one reopens the string, which ends up the same.
        if (c == '\\') {
          ++i;  // skip the escaped character
        } else if (c == '\'') {
          state = State::kNormal;
        }
        break;
      case State::kDoubleQuote:
        if (c == '"') state = State::kNormal;
        break;
      case State::kBacktick:
        if (c == '`') state = State::kNormal;
        break;
      case State::kLineComment:
        if (c == '\n') state = State::kNormal;
        break;
      case State::kBlockComment:
        if (c == '*' && next == '/') {
          state = State::kNormal;
          ++i;
        }
        break;
    }
  }
  switch (state) {
    case State::kSingleQuote:
      result.open = OpenConstruct::kSingleQuote;
      break;
    case State::kDoubleQuote:
      result.open = OpenConstruct::kDoubleQuote;
      break;
    case State::kBacktick:
      result.open = OpenConstruct::kBacktick;
      break;
    case State::kBlockComment:
      result.open = OpenConstruct::kBlockComment;
      break;
    case State::kNormal:
    case State::kLineComment:
      break;
  }
  result.complete = result.has_content && result.open == OpenConstruct::kNone &&
                    last_token_is_semicolon;
  return result;
}

}  // namespace weir::cli
