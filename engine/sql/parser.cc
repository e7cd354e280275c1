#include "engine/sql/parser.h"

#include <algorithm>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "WeirSqlLexer.h"
#include "WeirSqlParser.h"
#include "antlr4-runtime.h"
#include "engine/base/sql_error.h"
#include "engine/base/status.h"
#include "engine/sql/transformer.h"
#include "engine/sql/utf8_input.h"
#include "fmt/format.h"

namespace weir::sql {
namespace {

using internal::DecodedInputStream;
using internal::DecodeUtf8;
using internal::SourceText;
using L = grammar::WeirSqlLexer;
using P = grammar::WeirSqlParser;

// ------------------------------------------------------------ Pre-scan

// Checks the tokens one at a time, as the lexer makes them, before the parser
// runs and before any token is kept: lexical errors (which the grammar turns
// into UNTERMINATED_* / ERROR_CHAR tokens), the nesting limits and the length
// of each statement. ANTLR parses nested parentheses, CASE and prefix
// operators by recursion, so bounding them here bounds the parser's stack
// use; bounding the tokens of a statement bounds the memory of its token
// buffer and parse tree (a few hundred bytes per token).
class PreScan {
 public:
  explicit PreScan(const SourceText& text) : text_(text) {}

  absl::Status Check(const antlr4::Token& t) {
    const size_t type = t.getType();
    if (type == L::SEMICOLON || type == antlr4::Token::EOF) {
      statement_tokens_ = 0;
    } else if (++statement_tokens_ == 1) {
      statement_start_ = text_.SpanOf(&t);
    } else if (statement_tokens_ > kMaxStatementTokens) {
      return SqlError(statement_start_,
                      fmt::format("statement too long (more than {} tokens); "
                                  "split it into several statements",
                                  kMaxStatementTokens));
    }
    SourceSpan span = text_.SpanOf(&t);
    switch (type) {
      case L::ERROR_CHAR: {
        std::string_view c = text_.Slice(span);
        std::string shown(c);
        if (c.size() == 1 &&
            (static_cast<unsigned char>(c[0]) < 0x20 || c[0] == 0x7F)) {
          shown = fmt::format("\\x{:02X}", static_cast<unsigned char>(c[0]));
        }
        return SqlError(span, fmt::format("unexpected character '{}'", shown));
      }
      case L::UNTERMINATED_STRING:
        span.length = 1;
        return SqlError(span, "unterminated string literal");
      case L::UNTERMINATED_QUOTED_IDENTIFIER:
      case L::UNTERMINATED_BACKQUOTED_IDENTIFIER:
        span.length = 1;
        return SqlError(span, "unterminated quoted identifier");
      case L::UNTERMINATED_COMMENT:
        span.length = 2;
        return SqlError(span, "unterminated comment");
      case L::LPAREN:
      case L::CASE:
        if (++nesting_ > kMaxNestingDepth) {
          return SqlError(span,
                          fmt::format("nesting too deep (more than {} levels)",
                                      kMaxNestingDepth));
        }
        acc_stack_.push_back(acc_);
        acc_ += run_;
        run_ = 0;
        break;
      case L::RPAREN:
      case L::END:
        if (nesting_ > 0) {
          --nesting_;
          acc_ = acc_stack_.back();
          acc_stack_.pop_back();
        }
        run_ = 0;
        break;
      case L::NOT:
      case L::MINUS:
      case L::PLUS:
        if (acc_ + ++run_ + nesting_ > kMaxExpressionDepth) {
          return SqlError(span, fmt::format("expression too deep (more than {} "
                                            "levels)",
                                            kMaxExpressionDepth));
        }
        break;
      default:
        run_ = 0;
    }
    return absl::OkStatus();
  }

 private:
  const SourceText& text_;
  int nesting_ = 0;
  // Unary operators (NOT, -, +) nest by recursion too; `acc_` counts those
  // of the enclosing parentheses, `run_` the current run.
  std::vector<int> acc_stack_;
  int acc_ = 0;
  int run_ = 0;
  // Tokens of the current statement so far, and where it starts.
  size_t statement_tokens_ = 0;
  SourceSpan statement_start_;
};

// The lexer's tokens, one statement at a time: after a ';' it reports the end
// of input, so that a parser (and its token buffer and tree) holds only one
// statement. Positions stay those of the whole script. Next() moves on to the
// following statement.
class StatementTokenSource : public antlr4::TokenSource {
 public:
  explicit StatementTokenSource(L* lexer) : lexer_(lexer) {}

  /// True once the lexer has reached the real end of the input.
  bool at_end() const { return at_end_; }
  /// Starts the next statement (after the ';' that ended this one).
  void Next() { statement_done_ = false; }

  std::unique_ptr<antlr4::Token> nextToken() override {
    if (statement_done_ || at_end_) {
      // End of this statement: an EOF token where the next one starts.
      auto eof = std::make_unique<antlr4::CommonToken>(
          std::make_pair(static_cast<antlr4::TokenSource*>(this),
                         lexer_->getInputStream()),
          antlr4::Token::EOF, antlr4::Token::DEFAULT_CHANNEL,
          lexer_->getInputStream()->index(),
          lexer_->getInputStream()->index() - 1);
      eof->setLine(lexer_->getLine());
      eof->setCharPositionInLine(lexer_->getCharPositionInLine());
      return eof;
    }
    std::unique_ptr<antlr4::Token> token = lexer_->nextToken();
    if (token->getType() == L::SEMICOLON) statement_done_ = true;
    if (token->getType() == antlr4::Token::EOF) at_end_ = true;
    return token;
  }
  size_t getLine() const override { return lexer_->getLine(); }
  size_t getCharPositionInLine() override {
    return lexer_->getCharPositionInLine();
  }
  antlr4::CharStream* getInputStream() override {
    return lexer_->getInputStream();
  }
  std::string getSourceName() override { return lexer_->getSourceName(); }
  antlr4::TokenFactory<antlr4::CommonToken>* getTokenFactory() override {
    return lexer_->getTokenFactory();
  }

 private:
  L* lexer_;
  bool statement_done_ = false;
  bool at_end_ = false;
};

// --------------------------------------------------------- Syntax errors

struct SyntaxError {
  bool set = false;
  antlr4::Token* token = nullptr;
  antlr4::misc::IntervalSet expected;
  bool missing = false;  // ANTLR could have continued by inserting a token
};

// Records the first syntax error and stops the parse (no recovery, so one
// mistake gives one message, not a cascade).
class FirstErrorStrategy : public antlr4::DefaultErrorStrategy {
 public:
  explicit FirstErrorStrategy(SyntaxError* error) : error_(error) {}

 protected:
  void reportNoViableAlternative(
      antlr4::Parser*, const antlr4::NoViableAltException& e) override {
    // The expected set is the one at the decision's first token; it only
    // describes the offending token when prediction failed right there.
    antlr4::misc::IntervalSet expected;
    if (e.getStartToken() != nullptr && e.getOffendingToken() != nullptr &&
        e.getStartToken()->getTokenIndex() ==
            e.getOffendingToken()->getTokenIndex()) {
      expected = e.getExpectedTokens();
    }
    Record(e.getOffendingToken(), std::move(expected), false);
  }
  void reportInputMismatch(antlr4::Parser*,
                           const antlr4::InputMismatchException& e) override {
    Record(e.getOffendingToken(), e.getExpectedTokens(), false);
  }
  void reportFailedPredicate(
      antlr4::Parser*, const antlr4::FailedPredicateException& e) override {
    Record(e.getOffendingToken(), {}, false);
  }
  void reportUnwantedToken(antlr4::Parser* parser) override {
    Record(parser->getCurrentToken(), getExpectedTokens(parser), false);
  }
  void reportMissingToken(antlr4::Parser* parser) override {
    Record(parser->getCurrentToken(), getExpectedTokens(parser), true);
  }

 private:
  [[noreturn]] void Record(antlr4::Token* token,
                           antlr4::misc::IntervalSet expected, bool missing) {
    if (!error_->set) {
      error_->set = true;
      error_->token = token;
      error_->expected = std::move(expected);
      error_->missing = missing;
    }
    throw antlr4::ParseCancellationException();
  }

  SyntaxError* error_;
};

bool IsNonReserved(size_t type) {
  switch (type) {
    case P::ALLOWED:
    case P::CHANGES:
    case P::CLOSE:
    case P::CUMULATE:
    case P::DATE:
    case P::DAY:
    case P::DAYS:
    case P::DESCRIPTOR:
    case P::DOUBLE:
    case P::EMIT:
    case P::ENFORCED:
    case P::EXTENDED:
    case P::EXTRACT:
    case P::FIRST:
    case P::FUNCTIONS:
    case P::HOP:
    case P::HOUR:
    case P::HOURS:
    case P::KEY:
    case P::LAST:
    case P::LATENESS:
    case P::MATERIALIZED:
    case P::METADATA:
    case P::VIRTUAL:
    case P::MINUTE:
    case P::MINUTES:
    case P::MONTH:
    case P::MONTHS:
    case P::NULLS:
    case P::PARTITION:
    case P::POSITION:
    case P::PRECISION:
    case P::PROPERTIES:
    case P::QUERIES:
    case P::REPLACE:
    case P::RESET:
    case P::SECOND:
    case P::SECONDS:
    case P::SESSION:
    case P::SINK:
    case P::SINKS:
    case P::STREAM:
    case P::STREAMS:
    case P::SUBSTRING:
    case P::TABLES:
    case P::TERMINATE:
    case P::TIME:
    case P::TIMESTAMP:
    case P::TO:
    case P::TUMBLE:
    case P::VIEW:
    case P::VIEWS:
    case P::WATERMARK:
    case P::WINDOW:
    case P::YEAR:
    case P::YEARS:
      return true;
    default:
      return false;
  }
}

// Tokens that can start an expression (besides identifiers).
bool StartsExpression(size_t type) {
  switch (type) {
    case P::NULL_:
    case P::INTERVAL:
    case P::INTEGER_VALUE:
    case P::DECIMAL_VALUE:
    case P::DOUBLE_VALUE:
    case P::TRUE_:
    case P::FALSE_:
    case P::STRING:
    case P::CASE:
    case P::CAST:
    case P::TRY_CAST:
    case P::CURRENT_DATE:
    case P::CURRENT_TIME:
    case P::CURRENT_TIMESTAMP:
    case P::LEFT:
    case P::RIGHT:
    case P::IF:
    case P::LPAREN:
    case P::NOT:
    case P::MINUS:
    case P::PLUS:
      return true;
    default:
      return false;
  }
}

std::string TokenTypeName(const antlr4::dfa::Vocabulary& vocabulary,
                          size_t type) {
  switch (type) {
    case antlr4::Token::EOF:
      return "end of input";
    case P::IDENTIFIER:
    case P::QUOTED_IDENTIFIER:
    case P::BACKQUOTED_IDENTIFIER:
      return "identifier";
    case P::STRING:
      return "string";
    case P::INTEGER_VALUE:
      return "integer";
    case P::DECIMAL_VALUE:
    case P::DOUBLE_VALUE:
      return "number";
    case P::NEQ:
      return "'<>'";
    default:
      break;
  }
  std::string literal = vocabulary.getLiteralName(type);
  if (!literal.empty()) return literal;
  std::string symbolic = vocabulary.getSymbolicName(type);
  if (!symbolic.empty() && symbolic.back() == '_') symbolic.pop_back();
  return "'" + symbolic + "'";
}

// "; expected ..." for a small expected-token set, or "".
std::string DescribeExpected(const SyntaxError& error,
                             const antlr4::dfa::Vocabulary& vocabulary) {
  const antlr4::misc::IntervalSet& set = error.expected;
  if (set.isEmpty()) return "";
  if (error.missing && set.contains(static_cast<size_t>(P::RPAREN)))
    return "; expected ')'";
  // Only the end of the statement fits here: the parser had already closed
  // every clause, so the set says nothing about what the user meant, unless
  // the token starts another statement.
  if (set.size() <= 2 && set.contains(static_cast<size_t>(P::SEMICOLON))) {
    switch (error.token ? error.token->getType() : 0) {
      case P::SELECT:
      case P::CREATE:
      case P::INSERT:
      case P::DROP:
      case P::SHOW:
      case P::DESCRIBE:
      case P::EXPLAIN:
      case P::SET:
        return "; expected ';' before the next statement";
      default:
        return "";
    }
  }
  if (set.contains(static_cast<size_t>(P::SELECT)) &&
      set.contains(static_cast<size_t>(P::CREATE)) &&
      set.contains(static_cast<size_t>(P::INSERT))) {
    return "; expected a statement (SELECT, CREATE, INSERT, DROP, SHOW, ...)";
  }
  bool identifier = set.contains(static_cast<size_t>(P::IDENTIFIER));
  bool expression = identifier &&
                    set.contains(static_cast<size_t>(P::INTEGER_VALUE)) &&
                    set.contains(static_cast<size_t>(P::STRING)) &&
                    set.contains(static_cast<size_t>(P::LPAREN));
  std::vector<std::string> names;
  if (expression) names.push_back("an expression");
  for (ssize_t t : set.toList()) {
    if (t < 0 && t != -1) continue;  // EPSILON
    size_t type = t == -1 ? antlr4::Token::EOF : static_cast<size_t>(t);
    if (identifier && IsNonReserved(type)) continue;
    if (expression &&
        (StartsExpression(type) || type == P::IDENTIFIER ||
         type == P::QUOTED_IDENTIFIER || type == P::BACKQUOTED_IDENTIFIER)) {
      continue;
    }
    std::string name = TokenTypeName(vocabulary, type);
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(std::move(name));
    }
  }
  if (names.empty() || names.size() > 6) return "";
  if (names.size() == 1) return "; expected " + names[0];
  std::string out = "; expected one of: ";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += names[i];
  }
  return out;
}

absl::Status SyntaxErrorStatus(const SyntaxError& error,
                               const antlr4::dfa::Vocabulary& vocabulary,
                               antlr4::CommonTokenStream& tokens,
                               const SourceText& text) {
  antlr4::Token* token = error.token;
  SourceSpan span;
  std::string message;
  if (token == nullptr || token->getType() == antlr4::Token::EOF) {
    // Point just past the last token rather than at trailing blank lines.
    uint32_t end = 0;
    if (token != nullptr && token->getTokenIndex() > 0) {
      antlr4::Token* last = tokens.get(token->getTokenIndex() - 1);
      SourceSpan last_span = text.SpanOf(last);
      end = last_span.offset + last_span.length;
    }
    span = text.SpanOfBytes(end, end);
    message = "syntax error at end of input";
  } else {
    span = text.SpanOf(token);
    std::string_view shown = text.Slice(span);
    size_t newline = shown.find('\n');
    bool cut = false;
    if (newline != std::string_view::npos) {
      shown = shown.substr(0, newline);
      cut = true;
    }
    if (shown.size() > 40) {
      shown = shown.substr(0, 37);
      // Do not cut a UTF-8 sequence in half.
      while (!shown.empty() &&
             (static_cast<unsigned char>(shown.back()) & 0xC0) == 0x80) {
        shown.remove_suffix(1);
      }
      if (!shown.empty() && static_cast<unsigned char>(shown.back()) >= 0xC0) {
        shown.remove_suffix(1);
      }
      cut = true;
    }
    message = fmt::format("syntax error at '{}{}'", shown, cut ? "..." : "");
  }
  message += DescribeExpected(error, vocabulary);
  return SqlError(span, message);
}

// Parses the tokens of `tokens` (one statement and its ';') with `parser`,
// which reads from them. The tree belongs to `parser`.
absl::StatusOr<P::ScriptContext*> ParseTokens(P& parser,
                                              antlr4::CommonTokenStream& tokens,
                                              const SourceText& text) {
  parser.removeErrorListeners();
  // Stage 1: SLL prediction, bail out at the first error. Almost every
  // valid statement parses here, much faster than full LL.
  parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
      antlr4::atn::PredictionMode::SLL);
  parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
  P::ScriptContext* tree = nullptr;
  try {
    tree = parser.script();
  } catch (const antlr4::ParseCancellationException&) {
    tree = nullptr;
  }
  if (tree != nullptr) return tree;
  // Stage 2: full LL; a real error is reported from here.
  tokens.seek(0);
  parser.reset();
  parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
      antlr4::atn::PredictionMode::LL);
  SyntaxError error;
  parser.setErrorHandler(std::make_shared<FirstErrorStrategy>(&error));
  try {
    tree = parser.script();
  } catch (const antlr4::ParseCancellationException&) {
    tree = nullptr;
  }
  if (error.set || tree == nullptr) {
    return SyntaxErrorStatus(error, parser.getVocabulary(), tokens, text);
  }
  return tree;
}

}  // namespace

absl::StatusOr<std::vector<ast::StatementPtr>> ParseScript(
    std::string_view sql) {
  if (sql.size() > kMaxScriptBytes) {
    return absl::InvalidArgumentError(
        fmt::format("script too large: {} bytes (the limit is {} bytes)",
                    sql.size(), kMaxScriptBytes));
  }
  SourceText text(sql);
  std::u32string code_points;
  if (size_t bad = DecodeUtf8(sql, &code_points);
      bad != std::string_view::npos) {
    SourceSpan span = text.SpanOfBytes(static_cast<uint32_t>(bad),
                                       static_cast<uint32_t>(bad + 1));
    return SqlError(span, fmt::format("invalid UTF-8 byte 0x{:02X}",
                                      static_cast<unsigned char>(sql[bad])));
  }
  try {
    DecodedInputStream input(std::move(code_points));
    L lexer(&input);
    lexer.removeErrorListeners();
    // Pass 1: every token through the pre-scan, none kept.
    PreScan scan(text);
    for (;;) {
      std::unique_ptr<antlr4::Token> token = lexer.nextToken();
      WEIR_RETURN_IF_ERROR(scan.Check(*token));
      if (token->getType() == antlr4::Token::EOF) break;
    }
    // Pass 2: parse and transform one statement at a time. The first syntax
    // error anywhere wins over an earlier statement's transform error, as if
    // the script were parsed whole; the later statements are then only
    // parsed.
    lexer.reset();
    StatementTokenSource source(&lexer);
    std::vector<ast::StatementPtr> statements;
    absl::Status transform_error;
    while (!source.at_end()) {
      source.Next();
      antlr4::CommonTokenStream tokens(&source);
      P parser(&tokens);
      WEIR_ASSIGN_OR_RETURN(P::ScriptContext * tree,
                            ParseTokens(parser, tokens, text));
      if (!transform_error.ok()) continue;
      absl::StatusOr<std::vector<ast::StatementPtr>> transformed =
          internal::TransformScript(tree, text);
      if (!transformed.ok()) {
        transform_error = transformed.status();
        statements.clear();
        continue;
      }
      for (ast::StatementPtr& statement : *transformed) {
        statements.push_back(std::move(statement));
      }
    }
    if (!transform_error.ok()) return transform_error;
    return statements;
  } catch (const std::exception& e) {
    return absl::InternalError(
        fmt::format("SQL parser failed unexpectedly: {}", e.what()));
  }
}

absl::StatusOr<ast::StatementPtr> ParseStatement(std::string_view sql) {
  WEIR_ASSIGN_OR_RETURN(std::vector<ast::StatementPtr> statements,
                        ParseScript(sql));
  if (statements.empty()) {
    SourceText text(sql);
    uint32_t end = static_cast<uint32_t>(sql.size());
    return SqlError(text.SpanOfBytes(end, end),
                    "expected a statement, found none");
  }
  if (statements.size() > 1) {
    return SqlError(
        statements[1]->span,
        fmt::format("expected one statement, found {}", statements.size()));
  }
  return std::move(statements[0]);
}

}  // namespace weir::sql
