// The transformer's shared pieces: SourceText, the script, names, options
// and type names. Statements, queries and expressions are in
// transformer_{statement,query,expression}.cc (see transformer_internal.h).

#include <algorithm>
#include <charconv>
#include <string>
#include <utility>

#include "engine/base/sql_error.h"
#include "engine/base/status.h"
#include "engine/base/strings.h"
#include "engine/sql/transformer_internal.h"
#include "fmt/format.h"

namespace weir::sql::internal {

// ------------------------------------------------------------- SourceText

SourceText::SourceText(std::string_view text) : text_(text) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n') line_starts_.push_back(static_cast<uint32_t>(i + 1));
    if (c >= 0x80) ascii_ = false;
  }
  if (!ascii_) {
    cp_to_byte_.reserve(text.size() + 1);
    for (size_t i = 0; i < text.size(); ++i) {
      // Every byte that does not continue a UTF-8 sequence starts a code
      // point.
      if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
        cp_to_byte_.push_back(static_cast<uint32_t>(i));
      }
    }
    cp_to_byte_.push_back(static_cast<uint32_t>(text.size()));
  }
}

uint32_t SourceText::ByteOffset(size_t cp) const {
  if (ascii_) return static_cast<uint32_t>(std::min(cp, text_.size()));
  if (cp >= cp_to_byte_.size()) return static_cast<uint32_t>(text_.size());
  return cp_to_byte_[cp];
}

SourceSpan SourceText::SpanOfBytes(uint32_t begin, uint32_t end) const {
  SourceSpan span;
  span.offset = begin;
  span.length = end > begin ? end - begin : 0;
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), begin);
  size_t line_index = static_cast<size_t>(it - line_starts_.begin()) - 1;
  span.line = static_cast<uint32_t>(line_index + 1);
  span.column = begin - line_starts_[line_index] + 1;
  return span;
}

SourceSpan SourceText::SpanOf(const antlr4::Token* token) const {
  if (token == nullptr) return SourceSpan{};
  if (token->getType() == antlr4::Token::EOF) {
    uint32_t end = static_cast<uint32_t>(text_.size());
    return SpanOfBytes(end, end);
  }
  uint32_t begin = ByteOffset(token->getStartIndex());
  uint32_t end = ByteOffset(token->getStopIndex() + 1);
  return SpanOfBytes(begin, end);
}

SourceSpan SourceText::SpanOf(const antlr4::Token* first,
                              const antlr4::Token* last) const {
  if (first == nullptr) return SpanOf(last);
  if (last == nullptr || last->getType() == antlr4::Token::EOF ||
      last->getTokenIndex() < first->getTokenIndex()) {
    return SpanOf(first);
  }
  if (first->getType() == antlr4::Token::EOF) return SpanOf(first);
  uint32_t begin = ByteOffset(first->getStartIndex());
  uint32_t end = ByteOffset(last->getStopIndex() + 1);
  return SpanOfBytes(begin, end);
}

// ---------------------------------------------------------- Token text

std::string UnescapeString(std::string_view raw) {
  std::string_view body = raw.substr(1, raw.size() - 2);
  std::string out;
  out.reserve(body.size());
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == '\'' && i + 1 < body.size() && body[i + 1] == '\'') {
      out.push_back('\'');
      ++i;
    } else if (c == '\\' && i + 1 < body.size()) {
      char n = body[++i];
      switch (n) {
        case 'n':
          out.push_back('\n');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case '0':
          out.push_back('\0');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'Z':
          out.push_back('\x1A');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '\'':
          out.push_back('\'');
          break;
        case '"':
          out.push_back('"');
          break;
        default:
          out.push_back('\\');
          out.push_back(n);
      }
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string UnquoteIdentifier(std::string_view raw, char q) {
  std::string_view body = raw.substr(1, raw.size() - 2);
  std::string out;
  out.reserve(body.size());
  for (size_t i = 0; i < body.size(); ++i) {
    out.push_back(body[i]);
    if (body[i] == q && i + 1 < body.size() && body[i + 1] == q) ++i;
  }
  return out;
}

// ------------------------------------------------------------- Script

absl::StatusOr<std::vector<ast::StatementPtr>> Transformer::Script(
    P::ScriptContext* ctx) {
  std::vector<ast::StatementPtr> out;
  for (P::StatementContext* s : ctx->statement()) {
    WEIR_ASSIGN_OR_RETURN(ast::StatementPtr stmt, Statement(s));
    out.push_back(std::move(stmt));
  }
  return out;
}

absl::Status Transformer::TooDeep(ParserRuleContext* ctx) const {
  return SqlError(text_.SpanOf(ctx->getStart()),
                  fmt::format("expression too deep (more than {} levels)",
                              kMaxExpressionDepth));
}

absl::StatusOr<std::vector<ast::StatementPtr>> TransformScript(
    antlr4::ParserRuleContext* script, const SourceText& text) {
  auto* ctx = dynamic_cast<P::ScriptContext*>(script);
  if (ctx == nullptr) return absl::InternalError("not a script parse tree");
  Transformer transformer(text);
  return transformer.Script(ctx);
}

// -------------------------------------------------------------- Names

ast::Identifier Transformer::Identifier(P::IdentifierContext* ctx) {
  Token* token = ctx->getStart();
  ast::Identifier id;
  id.span = Span(token);
  std::string_view raw = Text(id.span);
  switch (token->getType()) {
    case P::QUOTED_IDENTIFIER:
      id.name = UnquoteIdentifier(raw, '"');
      id.quoted = true;
      break;
    case P::BACKQUOTED_IDENTIFIER:
      id.name = UnquoteIdentifier(raw, '`');
      id.quoted = true;
      break;
    default:
      id.name = weir::AsciiLower(raw);
  }
  return id;
}

std::vector<ast::Identifier> Transformer::IdentifierList(
    P::IdentifierListContext* ctx) {
  std::vector<ast::Identifier> out;
  for (P::IdentifierContext* i : ctx->identifier()) {
    out.push_back(Identifier(i));
  }
  return out;
}

ast::QualifiedName Transformer::QualifiedName(P::QualifiedNameContext* ctx) {
  ast::QualifiedName out;
  for (P::IdentifierContext* i : ctx->identifier()) {
    out.parts.push_back(Identifier(i));
  }
  out.span = Span(ctx);
  return out;
}

std::string Transformer::DottedName(P::DottedNameContext* ctx, bool fold) {
  std::string out;
  for (antlr4::tree::ParseTree* child : ctx->children) {
    if (auto* w = dynamic_cast<P::AnyWordContext*>(child)) {
      if (w->identifier() != nullptr) {
        ast::Identifier id = Identifier(w->identifier());
        out += (fold || id.quoted) ? id.name : std::string(Text(Span(w)));
      } else {
        std::string_view raw = Text(Span(w));
        out += fold ? weir::AsciiLower(raw) : std::string(raw);
      }
    } else if (auto* t = dynamic_cast<TerminalNode*>(child)) {
      size_t type = t->getSymbol()->getType();
      out += type == P::DOT     ? std::string(".")
             : type == P::MINUS ? std::string("-")
                                : std::string(Text(Span(t)));
    }
  }
  return out;
}

std::string Transformer::SettingKey(P::SettingKeyContext* ctx) {
  if (ctx->STRING())
    return weir::AsciiLower(UnescapeString(Text(Span(ctx->STRING()))));
  return weir::AsciiLower(DottedName(ctx->dottedName(), /*fold=*/true));
}

std::string Transformer::SettingValue(P::SettingValueContext* ctx) {
  if (ctx->STRING()) return UnescapeString(Text(Span(ctx->STRING())));
  if (ctx->dottedName() != nullptr) {
    P::DottedNameContext* d = ctx->dottedName();
    if (d->anyWord().size() == 1) {
      size_t type = d->getStart()->getType();
      if (type == P::TRUE_) return "true";
      if (type == P::FALSE_) return "false";
    }
    return DottedName(d, /*fold=*/false);
  }
  std::string out;
  if (ctx->sign != nullptr && ctx->sign->getType() == P::MINUS) {
    out.push_back('-');
  }
  out += Text(ctx->getStop());
  return out;
}

absl::Status Transformer::Options(P::WithOptionsContext* ctx,
                                  std::vector<ast::Option>* out) {
  for (P::OptionContext* o : ctx->option()) {
    ast::Option option;
    option.key_span = Span(o->settingKey());
    option.key = SettingKey(o->settingKey());
    option.value_span = Span(o->settingValue());
    option.value = SettingValue(o->settingValue());
    for (const ast::Option& prev : *out) {
      if (prev.key == option.key) {
        return SqlError(option.key_span,
                        fmt::format("option '{}' given twice", option.key));
      }
    }
    out->push_back(std::move(option));
  }
  return absl::OkStatus();
}

absl::StatusOr<ast::TypeName> Transformer::TypeName(P::TypeNameContext* ctx) {
  ast::TypeName out;
  out.span = Span(ctx);
  if (ctx->PRECISION() != nullptr) {
    out.name = "DOUBLE";  // DOUBLE PRECISION is DOUBLE
    return out;
  }
  if (ctx->INTERVAL() != nullptr) {
    out.name = "INTERVAL";
    return out;
  }
  out.name = weir::AsciiUpper(Identifier(ctx->identifier()).name);
  for (TerminalNode* n : ctx->INTEGER_VALUE()) {
    std::string_view digits = Text(Span(n));
    int64_t value = 0;
    auto [ptr, ec] =
        std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || ptr != digits.data() + digits.size()) {
      return SqlError(Span(n),
                      fmt::format("type parameter {} is out of range", digits));
    }
    out.params.push_back(value);
  }
  return out;
}

}  // namespace weir::sql::internal
