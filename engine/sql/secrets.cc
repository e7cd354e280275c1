#include "engine/sql/secrets.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "WeirSqlLexer.h"
#include "antlr4-runtime.h"
#include "engine/catalog/connector_options.h"
#include "engine/sql/utf8_input.h"

namespace weir::sql {
namespace {

using L = grammar::WeirSqlLexer;

// One token of the text: its type and bytes [begin, end).
struct Token {
  size_t type;
  uint32_t begin;
  uint32_t end;
};

// Every token of `sql` the parser would see (no blanks or comments), then
// EOF.
std::vector<Token> Tokenize(std::string_view sql) {
  std::vector<uint32_t> starts;
  internal::DecodedInputStream input(internal::DecodeUtf8Lenient(sql, &starts));
  L lexer(&input);
  lexer.removeErrorListeners();
  std::vector<Token> tokens;
  for (;;) {
    std::unique_ptr<antlr4::Token> t = lexer.nextToken();
    if (t->getType() == antlr4::Token::EOF) break;
    tokens.push_back({t->getType(), starts[t->getStartIndex()],
                      starts[t->getStopIndex() + 1]});
  }
  const uint32_t end = static_cast<uint32_t>(sql.size());
  tokens.push_back({antlr4::Token::EOF, end, end});
  return tokens;
}

class SecretFinder {
 public:
  explicit SecretFinder(std::string_view sql)
      : sql_(sql), tokens_(Tokenize(sql)) {}

  std::vector<Redaction> Find() {
    for (size_t i = 0; i + 1 < tokens_.size(); ++i) {
      if (Is(i, L::SET)) {
        // SET key = value: the value runs to the end of the statement.
        Option(i + 1, /*in_list=*/false);
      } else if (Is(i, L::WITH) && Is(i + 1, L::LPAREN)) {
        // WITH (key = value, ...): one option after each '(' or ','.
        size_t at = i + 2;
        while (!Is(at, L::RPAREN) && !AtStatementEnd(at)) {
          at = Option(at, /*in_list=*/true);
          if (Is(at, L::COMMA)) ++at;
        }
        i = at;
      }
    }
    return std::move(found_);
  }

 private:
  bool Is(size_t i, size_t type) const {
    return i < tokens_.size() && tokens_[i].type == type;
  }
  bool AtStatementEnd(size_t i) const {
    return i >= tokens_.size() || Is(i, L::SEMICOLON) ||
           Is(i, antlr4::Token::EOF);
  }
  std::string_view Text(size_t i) const {
    return sql_.substr(tokens_[i].begin, tokens_[i].end - tokens_[i].begin);
  }

  // Reads `key = value` from token `at`, records the value when the key is
  // secret, and returns the index of the token that ends it: the ',' or ')'
  // of an option list (`in_list`), or the end of the statement.
  size_t Option(size_t at, bool in_list) {
    auto ends = [&](size_t i, int depth) {
      return AtStatementEnd(i) ||
             (in_list && depth == 0 && (Is(i, L::COMMA) || Is(i, L::RPAREN)));
    };
    std::string key;
    size_t i = at;
    for (; !ends(i, 0) && !Is(i, L::EQ); ++i) key += Unquote(i);
    if (!Is(i, L::EQ)) return i;
    ++i;
    const size_t first = i;
    for (int depth = 0; !ends(i, depth); ++i) {
      if (Is(i, L::LPAREN)) ++depth;
      if (Is(i, L::RPAREN)) --depth;
    }
    if (i > first && catalog::IsSecretOption(key)) {
      found_.push_back({tokens_[first].begin,
                        tokens_[i - 1].end - tokens_[first].begin,
                        std::string(kMaskedValue)});
    }
    return i;
  }

  // The text of a key token: strings and quoted identifiers without their
  // quotes (doubled quotes and backslash escapes undone).
  std::string Unquote(size_t i) const {
    std::string_view text = Text(i);
    if (!Is(i, L::STRING) && !Is(i, L::QUOTED_IDENTIFIER) &&
        !Is(i, L::BACKQUOTED_IDENTIFIER)) {
      return std::string(text);
    }
    const char quote = text.front();
    text = text.substr(1, text.size() - 2);
    std::string out;
    for (size_t k = 0; k < text.size(); ++k) {
      if (quote == '\'' && text[k] == '\\' && k + 1 < text.size()) {
        out += text[++k];
      } else {
        out += text[k];
        if (text[k] == quote && k + 1 < text.size() && text[k + 1] == quote) {
          ++k;
        }
      }
    }
    return out;
  }

  std::string_view sql_;
  std::vector<Token> tokens_;
  std::vector<Redaction> found_;
};

}  // namespace

std::vector<Redaction> FindSecretValues(std::string_view sql) {
  try {
    return SecretFinder(sql).Find();
  } catch (const std::exception&) {
    // The lexer does not throw on any input; should it, hide everything
    // rather than show a secret.
    return {{0, static_cast<uint32_t>(sql.size()), std::string(kMaskedValue)}};
  }
}

std::string MaskSecrets(std::string_view sql) {
  return Redact(sql, FindSecretValues(sql));
}

std::string FormatErrorMasked(const absl::Status& status,
                              std::string_view sql) {
  return FormatError(status, sql, FindSecretValues(sql));
}

}  // namespace weir::sql
