#include "engine/sql/transformer.h"

#include <algorithm>
#include <charconv>
#include <string>
#include <utility>

#include "WeirSqlParser.h"
#include "engine/base/sql_error.h"
#include "engine/base/status.h"
#include "engine/base/strings.h"
#include "engine/sql/parser.h"
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

namespace {

using P = grammar::WeirSqlParser;
using antlr4::ParserRuleContext;
using antlr4::Token;
using antlr4::tree::TerminalNode;

// `raw` includes the surrounding quotes of a STRING token. '' is a quote;
// backslash escapes \n \t \r \0 \b \Z \\ \' \" are decoded; any other
// backslash pair (\%, \_, \d, ...) is kept as written so LIKE and regular
// expression patterns keep their meaning.
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

// `raw` includes the surrounding quote characters `q`; a doubled quote
// stands for one.
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

template <typename T>
std::unique_ptr<T> MakeNode(const SourceSpan& span) {
  auto node = std::make_unique<T>();
  node->span = span;
  return node;
}

template <typename T, typename C>
T* As(C* ctx) {
  return dynamic_cast<T*>(ctx);
}

class Transformer {
 public:
  explicit Transformer(const SourceText& text) : text_(text) {}

  absl::StatusOr<std::vector<ast::StatementPtr>> Script(P::ScriptContext* ctx) {
    std::vector<ast::StatementPtr> out;
    for (P::StatementContext* s : ctx->statement()) {
      WEIR_ASSIGN_OR_RETURN(ast::StatementPtr stmt, Statement(s));
      out.push_back(std::move(stmt));
    }
    return out;
  }

 private:
  // Counts nested operator nodes (and set operations, joins); past
  // kMaxExpressionDepth the transformer gives up instead of exhausting the
  // stack (ANTLR builds 1+1+...+1 as a left-deep tree). Other recursion
  // (parentheses, CASE, subqueries) is bounded by the parser's pre-scan.
  class DepthScope {
   public:
    explicit DepthScope(int* depth) : depth_(depth) { ++*depth_; }
    ~DepthScope() { --*depth_; }
    bool too_deep() const { return *depth_ > kMaxExpressionDepth; }

   private:
    int* depth_;
  };

  absl::Status TooDeep(ParserRuleContext* ctx) const {
    return SqlError(text_.SpanOf(ctx->getStart()),
                    fmt::format("expression too deep (more than {} levels)",
                                kMaxExpressionDepth));
  }

  SourceSpan Span(ParserRuleContext* ctx) const {
    return text_.SpanOf(ctx->getStart(), ctx->getStop());
  }
  SourceSpan Span(TerminalNode* node) const {
    return text_.SpanOf(node->getSymbol());
  }
  SourceSpan Span(Token* token) const { return text_.SpanOf(token); }
  std::string_view Text(const SourceSpan& span) const {
    return text_.Slice(span);
  }
  std::string_view Text(Token* token) const { return Text(Span(token)); }

  // ------------------------------------------------------------ Statements

  absl::StatusOr<ast::StatementPtr> Statement(P::StatementContext* ctx) {
    if (auto* c = As<P::ExplainStatementContext>(ctx)) {
      auto out = MakeNode<ast::ExplainStatement>(Span(c));
      WEIR_ASSIGN_OR_RETURN(out->statement, Inner(c->innerStatement()));
      return out;
    }
    auto* c = As<P::SimpleStatementContext>(ctx);
    return Inner(c->innerStatement());
  }

  absl::StatusOr<ast::StatementPtr> Inner(P::InnerStatementContext* ctx) {
    SourceSpan span = Span(ctx);
    if (auto* c = As<P::QueryStatementContext>(ctx)) {
      auto out = MakeNode<ast::QueryStatement>(span);
      WEIR_ASSIGN_OR_RETURN(out->query, Query(c->query()));
      return out;
    }
    if (auto* c = As<P::CreateSourceContext>(ctx)) return CreateSource(c);
    if (auto* c = As<P::CreateViewContext>(ctx)) return CreateView(c);
    if (auto* c = As<P::CreateSinkFromContext>(ctx)) {
      auto out = MakeNode<ast::CreateSinkStatement>(span);
      out->name = QualifiedName(c->name);
      out->if_not_exists = c->EXISTS() != nullptr;
      out->from = QualifiedName(c->source);
      out->options_span = Span(c->withOptions());
      WEIR_RETURN_IF_ERROR(Options(c->withOptions(), &out->options));
      return out;
    }
    if (auto* c = As<P::CreateSinkAsContext>(ctx)) {
      auto out = MakeNode<ast::CreateSinkStatement>(span);
      out->name = QualifiedName(c->qualifiedName());
      out->if_not_exists = c->EXISTS() != nullptr;
      if (c->before != nullptr && c->after != nullptr) {
        return SqlError(Span(c->after->WITH()),
                        "WITH (...) given twice; write it once, before AS or "
                        "after the query");
      }
      P::WithOptionsContext* with = c->before ? c->before : c->after;
      if (with != nullptr) {
        out->options_span = Span(with);
        WEIR_RETURN_IF_ERROR(Options(with, &out->options));
      }
      WEIR_ASSIGN_OR_RETURN(out->query, Query(c->query()));
      out->query_text = std::string(Text(Span(c->query())));
      return out;
    }
    if (auto* c = As<P::InsertValuesContext>(ctx)) {
      auto out = MakeNode<ast::InsertStatement>(span);
      out->target = QualifiedName(c->qualifiedName());
      if (c->identifierList())
        out->columns = IdentifierList(c->identifierList());
      for (P::ValuesRowContext* row : c->valuesRow()) {
        std::vector<ast::ExprPtr> values;
        for (P::ExpressionContext* e : row->expression()) {
          WEIR_ASSIGN_OR_RETURN(ast::ExprPtr v, Expr(e));
          values.push_back(std::move(v));
        }
        out->values.push_back(std::move(values));
      }
      return out;
    }
    if (auto* c = As<P::InsertQueryContext>(ctx)) {
      auto out = MakeNode<ast::InsertStatement>(span);
      out->target = QualifiedName(c->qualifiedName());
      if (c->identifierList())
        out->columns = IdentifierList(c->identifierList());
      WEIR_ASSIGN_OR_RETURN(out->query, Query(c->query()));
      out->query_text = std::string(Text(Span(c->query())));
      return out;
    }
    if (auto* c = As<P::DropContext>(ctx)) {
      auto out = MakeNode<ast::DropStatement>(span);
      P::ObjectKindContext* kind = c->objectKind();
      if (kind->STREAM()) {
        out->object = ast::ObjectKind::kStream;
      } else if (kind->TABLE()) {
        out->object = ast::ObjectKind::kTable;
      } else if (kind->VIEW()) {
        out->object = ast::ObjectKind::kView;
      } else {
        out->object = ast::ObjectKind::kSink;
      }
      out->if_exists = c->EXISTS() != nullptr;
      out->name = QualifiedName(c->qualifiedName());
      return out;
    }
    if (auto* c = As<P::ShowContext>(ctx)) {
      auto out = MakeNode<ast::ShowStatement>(span);
      P::ShowTargetContext* t = c->showTarget();
      if (t->STREAMS()) {
        out->what = ast::ShowKind::kStreams;
      } else if (t->TABLES()) {
        out->what = ast::ShowKind::kTables;
      } else if (t->VIEWS()) {
        out->what = ast::ShowKind::kViews;
      } else if (t->SINKS()) {
        out->what = ast::ShowKind::kSinks;
      } else if (t->QUERIES()) {
        out->what = ast::ShowKind::kQueries;
      } else if (t->FUNCTIONS()) {
        out->what = ast::ShowKind::kFunctions;
      } else {
        out->what = ast::ShowKind::kProperties;
      }
      return out;
    }
    if (auto* c = As<P::DescribeContext>(ctx)) {
      auto out = MakeNode<ast::DescribeStatement>(span);
      out->name = QualifiedName(c->qualifiedName());
      out->extended = c->EXTENDED() != nullptr;
      return out;
    }
    if (auto* c = As<P::SetContext>(ctx)) {
      auto out = MakeNode<ast::SetStatement>(span);
      out->key_span = Span(c->settingKey());
      out->key = SettingKey(c->settingKey());
      out->value_span = Span(c->settingValue());
      out->value = SettingValue(c->settingValue());
      return out;
    }
    if (auto* c = As<P::ResetContext>(ctx)) {
      auto out = MakeNode<ast::ResetStatement>(span);
      if (c->settingKey()) {
        out->key_span = Span(c->settingKey());
        out->key = SettingKey(c->settingKey());
      }
      return out;
    }
    if (auto* c = As<P::TerminateContext>(ctx)) {
      auto out = MakeNode<ast::TerminateStatement>(span);
      if (c->ALL()) {
        out->all = true;
      } else if (c->STRING()) {
        out->id_span = Span(c->STRING());
        out->query_id = UnescapeString(Text(out->id_span));
      } else {
        ast::Identifier id = Identifier(c->identifier());
        out->id_span = id.span;
        out->query_id = id.name;
      }
      return out;
    }
    return SqlError(span, "unsupported statement");
  }

  absl::StatusOr<ast::StatementPtr> CreateSource(P::CreateSourceContext* c) {
    auto out = MakeNode<ast::CreateSourceStatement>(Span(c));
    out->source_kind = c->kind->getType() == P::STREAM
                           ? ast::SourceKind::kStream
                           : ast::SourceKind::kTable;
    out->or_replace = c->OR() != nullptr;
    out->if_not_exists = c->EXISTS() != nullptr;
    if (out->or_replace && out->if_not_exists) {
      return SqlError(Span(c->IF()),
                      "OR REPLACE and IF NOT EXISTS cannot be used together");
    }
    out->name = QualifiedName(c->qualifiedName());
    const ast::ColumnDef* inline_key = nullptr;
    for (P::TableElementContext* e : c->tableElement()) {
      if (auto* w = As<P::WatermarkDefinitionContext>(e)) {
        if (out->watermark.has_value()) {
          return SqlError(Span(w->WATERMARK()),
                          "only one WATERMARK is allowed");
        }
        ast::WatermarkDef def;
        def.column = Identifier(w->identifier());
        WEIR_ASSIGN_OR_RETURN(def.expr, Expr(w->expression()));
        def.span = Span(w);
        out->watermark = std::move(def);
      } else if (auto* k = As<P::PrimaryKeyDefinitionContext>(e)) {
        if (!out->primary_key.empty() || inline_key != nullptr) {
          return SqlError(Span(k->PRIMARY()),
                          "only one PRIMARY KEY is allowed");
        }
        out->primary_key = IdentifierList(k->identifierList());
        out->primary_key_span = Span(k);
      } else {
        auto* d = As<P::ColumnDefinitionContext>(e);
        ast::ColumnDef col;
        col.name = Identifier(d->identifier());
        WEIR_ASSIGN_OR_RETURN(col.type, TypeName(d->typeName()));
        col.span = Span(d);
        for (P::ColumnConstraintContext* cc : d->columnConstraint()) {
          if (As<P::NotNullConstraintContext>(cc)) {
            col.not_null = true;
          } else if (As<P::NullConstraintContext>(cc)) {
            col.not_null = false;
          } else if (auto* m = As<P::MetadataConstraintContext>(cc)) {
            col.metadata_key =
                m->STRING() != nullptr
                    ? weir::AsciiLower(UnescapeString(Text(Span(m->STRING()))))
                    : col.name.name;
            col.metadata_span = Span(cc);
          } else {
            if (inline_key != nullptr || !out->primary_key.empty()) {
              return SqlError(Span(cc),
                              "only one PRIMARY KEY is allowed; for a key of "
                              "several columns write PRIMARY KEY (a, b)");
            }
            col.primary_key = true;
          }
        }
        out->columns.push_back(std::move(col));
        if (out->columns.back().primary_key) inline_key = &out->columns.back();
      }
    }
    out->options_span = Span(c->withOptions());
    WEIR_RETURN_IF_ERROR(Options(c->withOptions(), &out->options));
    return out;
  }

  absl::StatusOr<ast::StatementPtr> CreateView(P::CreateViewContext* c) {
    auto out = MakeNode<ast::CreateViewStatement>(Span(c));
    out->or_replace = c->OR() != nullptr;
    out->if_not_exists = c->EXISTS() != nullptr;
    if (out->or_replace && out->if_not_exists) {
      return SqlError(Span(c->IF()),
                      "OR REPLACE and IF NOT EXISTS cannot be used together");
    }
    out->name = QualifiedName(c->qualifiedName());
    if (c->identifierList()) {
      out->column_names = IdentifierList(c->identifierList());
    }
    if (c->withOptions()) {
      WEIR_RETURN_IF_ERROR(Options(c->withOptions(), &out->options));
    }
    WEIR_ASSIGN_OR_RETURN(out->query, Query(c->query()));
    out->query_text = std::string(Text(Span(c->query())));
    return out;
  }

  // --------------------------------------------------------------- Names

  ast::Identifier Identifier(P::IdentifierContext* ctx) {
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

  std::vector<ast::Identifier> IdentifierList(P::IdentifierListContext* ctx) {
    std::vector<ast::Identifier> out;
    for (P::IdentifierContext* i : ctx->identifier()) {
      out.push_back(Identifier(i));
    }
    return out;
  }

  ast::QualifiedName QualifiedName(P::QualifiedNameContext* ctx) {
    ast::QualifiedName out;
    for (P::IdentifierContext* i : ctx->identifier()) {
      out.parts.push_back(Identifier(i));
    }
    out.span = Span(ctx);
    return out;
  }

  // Words of a dotted option or setting name; `fold` lower-cases unquoted
  // words.
  std::string DottedName(P::DottedNameContext* ctx, bool fold) {
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

  std::string SettingKey(P::SettingKeyContext* ctx) {
    if (ctx->STRING())
      return weir::AsciiLower(UnescapeString(Text(Span(ctx->STRING()))));
    return weir::AsciiLower(DottedName(ctx->dottedName(), /*fold=*/true));
  }

  std::string SettingValue(P::SettingValueContext* ctx) {
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

  absl::Status Options(P::WithOptionsContext* ctx,
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

  absl::StatusOr<ast::TypeName> TypeName(P::TypeNameContext* ctx) {
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
        return SqlError(
            Span(n), fmt::format("type parameter {} is out of range", digits));
      }
      out.params.push_back(value);
    }
    return out;
  }

  // --------------------------------------------------------------- Queries

  absl::StatusOr<std::unique_ptr<ast::Query>> Query(P::QueryContext* ctx) {
    auto out = std::make_unique<ast::Query>();
    out->span = Span(ctx);
    WEIR_ASSIGN_OR_RETURN(out->body, QueryBody(ctx->queryBody()));
    for (P::SortItemContext* s : ctx->sortItem()) {
      WEIR_ASSIGN_OR_RETURN(ast::OrderItem item, SortItem(s));
      out->order_by.push_back(std::move(item));
    }
    for (P::QueryModifierContext* m : ctx->queryModifier()) {
      if (auto* l = As<P::LimitModifierContext>(m)) {
        if (out->limit != nullptr) {
          return SqlError(Span(l->LIMIT()), "LIMIT given twice");
        }
        auto lit = MakeNode<ast::LiteralExpr>(Span(l->INTEGER_VALUE()));
        lit->literal_kind = ast::LiteralKind::kInteger;
        lit->text = std::string(Text(lit->span));
        out->limit = std::move(lit);
      } else if (auto* a = As<P::AllowedLatenessModifierContext>(m)) {
        if (out->allowed_lateness != nullptr) {
          return SqlError(Span(a->ALLOWED()), "ALLOWED LATENESS given twice");
        }
        WEIR_ASSIGN_OR_RETURN(out->allowed_lateness, Interval(a->interval()));
      } else {
        if (out->emit != ast::EmitMode::kDefault) {
          return SqlError(Span(m), "EMIT given twice");
        }
        out->emit = As<P::EmitChangesModifierContext>(m)
                        ? ast::EmitMode::kChanges
                        : ast::EmitMode::kOnWindowClose;
        out->emit_span = Span(m);
      }
    }
    return out;
  }

  absl::StatusOr<std::unique_ptr<ast::QueryBody>> QueryBody(
      P::QueryBodyContext* ctx) {
    DepthScope scope(&depth_);
    if (scope.too_deep()) return TooDeep(ctx);
    if (auto* c = As<P::SetOperationContext>(ctx)) {
      auto out = std::make_unique<ast::QueryBody>();
      out->span = Span(c);
      out->set_op =
          c->quantifier != nullptr && c->quantifier->getType() == P::ALL
              ? ast::SetOpKind::kUnionAll
              : ast::SetOpKind::kUnion;
      WEIR_ASSIGN_OR_RETURN(out->left, QueryBody(c->left));
      WEIR_ASSIGN_OR_RETURN(out->right, QueryBody(c->right));
      return out;
    }
    P::QueryPrimaryContext* primary =
        As<P::QueryBodyDefaultContext>(ctx)->queryPrimary();
    if (auto* p = As<P::ParenthesizedQueryBodyContext>(primary)) {
      return QueryBody(p->queryBody());
    }
    auto out = std::make_unique<ast::QueryBody>();
    out->span = Span(ctx);
    WEIR_ASSIGN_OR_RETURN(
        out->select,
        Select(
            As<P::QueryPrimaryDefaultContext>(primary)->querySpecification()));
    return out;
  }

  absl::StatusOr<std::unique_ptr<ast::SelectCore>> Select(
      P::QuerySpecificationContext* ctx) {
    auto out = std::make_unique<ast::SelectCore>();
    out->span = Span(ctx);
    out->distinct = ctx->DISTINCT() != nullptr;
    for (P::SelectItemContext* s : ctx->selectItem()) {
      ast::SelectItem item;
      item.span = Span(s);
      if (As<P::SelectStarContext>(s)) {
        item.expr = MakeNode<ast::StarExpr>(item.span);
      } else if (auto* q = As<P::SelectQualifiedStarContext>(s)) {
        auto star = MakeNode<ast::StarExpr>(item.span);
        star->qualifier = Identifier(q->identifier());
        item.expr = std::move(star);
      } else {
        auto* e = As<P::SelectSingleContext>(s);
        WEIR_ASSIGN_OR_RETURN(item.expr, Expr(e->expression()));
        if (e->identifier()) item.alias = Identifier(e->identifier());
      }
      out->items.push_back(std::move(item));
    }
    for (P::RelationContext* r : ctx->relation()) {
      WEIR_ASSIGN_OR_RETURN(ast::TableRefPtr ref, Relation(r));
      if (out->from == nullptr) {
        out->from = std::move(ref);
      } else {
        // FROM a, b: a cross join without condition.
        auto join = MakeNode<ast::JoinRef>(
            SourceSpan::Cover(out->from->span, ref->span));
        join->join_type = ast::JoinType::kCross;
        join->left = std::move(out->from);
        join->right = std::move(ref);
        out->from = std::move(join);
      }
    }
    if (ctx->where != nullptr) {
      WEIR_ASSIGN_OR_RETURN(out->where, Boolean(ctx->where));
    }
    for (P::ExpressionContext* g : ctx->expression()) {
      WEIR_ASSIGN_OR_RETURN(ast::ExprPtr e, Expr(g));
      out->group_by.push_back(std::move(e));
    }
    if (ctx->having != nullptr) {
      WEIR_ASSIGN_OR_RETURN(out->having, Boolean(ctx->having));
    }
    return out;
  }

  absl::StatusOr<ast::TableRefPtr> Relation(P::RelationContext* ctx) {
    DepthScope scope(&depth_);
    if (scope.too_deep()) return TooDeep(ctx);
    if (auto* c = As<P::RelationDefaultContext>(ctx)) {
      return RelationPrimary(c->relationPrimary());
    }
    auto out = MakeNode<ast::JoinRef>(Span(ctx));
    if (auto* c = As<P::CrossJoinContext>(ctx)) {
      out->join_type = ast::JoinType::kCross;
      WEIR_ASSIGN_OR_RETURN(out->left, Relation(c->left));
      WEIR_ASSIGN_OR_RETURN(out->right, RelationPrimary(c->right));
      return out;
    }
    auto* c = As<P::JoinContext>(ctx);
    P::JoinTypeContext* type = c->joinType();
    if (type->LEFT()) {
      out->join_type = ast::JoinType::kLeft;
    } else if (type->RIGHT()) {
      out->join_type = ast::JoinType::kRight;
    } else if (type->FULL()) {
      out->join_type = ast::JoinType::kFull;
    } else {
      out->join_type = ast::JoinType::kInner;
    }
    WEIR_ASSIGN_OR_RETURN(out->left, Relation(c->left));
    WEIR_ASSIGN_OR_RETURN(out->right, RelationPrimary(c->right));
    P::JoinCriteriaContext* criteria = c->joinCriteria();
    if (criteria->ON()) {
      WEIR_ASSIGN_OR_RETURN(out->condition,
                            Boolean(criteria->booleanExpression()));
    } else {
      out->using_columns = IdentifierList(criteria->identifierList());
    }
    return out;
  }

  absl::StatusOr<ast::TableRefPtr> RelationPrimary(
      P::RelationPrimaryContext* ctx) {
    if (auto* c = As<P::TableNameContext>(ctx)) {
      auto out = MakeNode<ast::NamedTableRef>(Span(c));
      out->name = QualifiedName(c->qualifiedName());
      if (c->identifier()) out->alias = Identifier(c->identifier());
      return out;
    }
    if (auto* c = As<P::SubqueryRelationContext>(ctx)) {
      auto out = MakeNode<ast::SubqueryRef>(Span(c));
      WEIR_ASSIGN_OR_RETURN(out->query, Query(c->query()));
      if (c->identifier()) out->alias = Identifier(c->identifier());
      return out;
    }
    if (auto* c = As<P::ParenthesizedRelationContext>(ctx)) {
      return Relation(c->relation());
    }
    auto* c = As<P::WindowRelationContext>(ctx);
    auto out = MakeNode<ast::WindowTableRef>(Span(c));
    out->name_span = Span(c->windowKind);
    std::string_view name;
    size_t min_args = 1;
    size_t max_args = 1;
    std::string_view usage;
    switch (c->windowKind->getType()) {
      case P::TUMBLE:
        out->window = ast::WindowKind::kTumble;
        name = "TUMBLE";
        max_args = 2;
        usage = "TUMBLE(source, time_column, size [, offset])";
        break;
      case P::HOP:
        out->window = ast::WindowKind::kHop;
        name = "HOP";
        min_args = 2;
        max_args = 3;
        usage = "HOP(source, time_column, slide, size [, offset])";
        break;
      default:
        out->window = ast::WindowKind::kSession;
        name = "SESSION";
        usage = "SESSION(source, time_column, gap)";
    }
    std::vector<P::ExpressionContext*> args = c->expression();
    if (args.size() < min_args || args.size() > max_args) {
      return SqlError(
          out->name_span,
          fmt::format("{} takes {} to {} interval arguments, "
                      "got {}; use {}",
                      name, min_args, max_args, args.size(), usage));
    }
    P::WindowSourceContext* source = c->windowSource();
    if (source->query() != nullptr) {
      auto sub = MakeNode<ast::SubqueryRef>(Span(source));
      WEIR_ASSIGN_OR_RETURN(sub->query, Query(source->query()));
      out->input = std::move(sub);
    } else {
      auto named = MakeNode<ast::NamedTableRef>(Span(source));
      named->name = QualifiedName(source->qualifiedName());
      out->input = std::move(named);
    }
    out->time_column = Identifier(c->windowTimeColumn()->identifier());
    for (P::ExpressionContext* a : args) {
      WEIR_ASSIGN_OR_RETURN(ast::ExprPtr e, Expr(a));
      out->args.push_back(std::move(e));
    }
    if (c->identifier()) out->alias = Identifier(c->identifier());
    return out;
  }

  absl::StatusOr<ast::OrderItem> SortItem(P::SortItemContext* ctx) {
    ast::OrderItem out;
    out.span = Span(ctx);
    WEIR_ASSIGN_OR_RETURN(out.expr, Expr(ctx->expression()));
    if (ctx->ordering != nullptr && ctx->ordering->getType() == P::DESC) {
      out.direction = ast::SortDirection::kDesc;
    }
    if (ctx->nullOrder != nullptr) {
      out.nulls = ctx->nullOrder->getType() == P::FIRST
                      ? ast::NullsOrder::kFirst
                      : ast::NullsOrder::kLast;
    }
    return out;
  }

  // ----------------------------------------------------------- Expressions

  absl::StatusOr<ast::ExprPtr> Expr(P::ExpressionContext* ctx) {
    return Boolean(ctx->booleanExpression());
  }

  absl::StatusOr<ast::ExprPtr> Boolean(P::BooleanExpressionContext* ctx) {
    auto* predicated = As<P::PredicatedContext>(ctx);
    if (predicated != nullptr && predicated->predicate() == nullptr) {
      return Value(predicated->valueExpression());  // no node of its own
    }
    DepthScope scope(&depth_);
    if (scope.too_deep()) return TooDeep(ctx);
    SourceSpan span = Span(ctx);
    if (auto* c = As<P::LogicalBinaryContext>(ctx)) {
      auto out = MakeNode<ast::BinaryExpr>(span);
      out->op =
          c->op->getType() == P::AND ? ast::BinaryOp::kAnd : ast::BinaryOp::kOr;
      out->op_span = Span(c->op);
      WEIR_ASSIGN_OR_RETURN(out->left, Boolean(c->left));
      WEIR_ASSIGN_OR_RETURN(out->right, Boolean(c->right));
      return out;
    }
    if (auto* c = As<P::LogicalNotContext>(ctx)) {
      auto out = MakeNode<ast::UnaryExpr>(span);
      out->op = ast::UnaryOp::kNot;
      WEIR_ASSIGN_OR_RETURN(out->operand, Boolean(c->booleanExpression()));
      return out;
    }
    auto* c = As<P::PredicatedContext>(ctx);
    WEIR_ASSIGN_OR_RETURN(ast::ExprPtr value, Value(c->valueExpression()));
    P::PredicateContext* pred = c->predicate();
    if (pred == nullptr) return value;
    if (auto* p = As<P::ComparisonContext>(pred)) {
      auto out = MakeNode<ast::BinaryExpr>(span);
      switch (p->comparisonOperator()->getStart()->getType()) {
        case P::EQ:
          out->op = ast::BinaryOp::kEq;
          break;
        case P::NEQ:
          out->op = ast::BinaryOp::kNe;
          break;
        case P::LT:
          out->op = ast::BinaryOp::kLt;
          break;
        case P::LTE:
          out->op = ast::BinaryOp::kLe;
          break;
        case P::GT:
          out->op = ast::BinaryOp::kGt;
          break;
        default:
          out->op = ast::BinaryOp::kGe;
      }
      out->op_span = Span(p->comparisonOperator());
      out->left = std::move(value);
      WEIR_ASSIGN_OR_RETURN(out->right, Value(p->right));
      return out;
    }
    if (auto* p = As<P::BetweenContext>(pred)) {
      auto out = MakeNode<ast::BetweenExpr>(span);
      out->negated = p->NOT() != nullptr;
      out->operand = std::move(value);
      WEIR_ASSIGN_OR_RETURN(out->low, Value(p->lower));
      WEIR_ASSIGN_OR_RETURN(out->high, Value(p->upper));
      return out;
    }
    if (auto* p = As<P::InListContext>(pred)) {
      auto out = MakeNode<ast::InExpr>(span);
      out->negated = p->NOT() != nullptr;
      out->operand = std::move(value);
      for (P::ExpressionContext* e : p->expression()) {
        WEIR_ASSIGN_OR_RETURN(ast::ExprPtr item, Expr(e));
        out->list.push_back(std::move(item));
      }
      return out;
    }
    if (auto* p = As<P::LikeContext>(pred)) {
      auto out = MakeNode<ast::LikeExpr>(span);
      out->negated = p->NOT() != nullptr;
      out->regexp = p->kind->getType() != P::LIKE;
      out->operand = std::move(value);
      WEIR_ASSIGN_OR_RETURN(out->pattern, Value(p->pattern));
      if (p->escape != nullptr) {
        WEIR_ASSIGN_OR_RETURN(out->escape, Value(p->escape));
      }
      return out;
    }
    if (auto* p = As<P::DistinctFromContext>(pred)) {
      auto out = MakeNode<ast::BinaryExpr>(span);
      out->op = p->NOT() != nullptr ? ast::BinaryOp::kIsNotDistinctFrom
                                    : ast::BinaryOp::kIsDistinctFrom;
      out->op_span = text_.SpanOf(p->IS()->getSymbol(), p->FROM()->getSymbol());
      out->left = std::move(value);
      WEIR_ASSIGN_OR_RETURN(out->right, Value(p->right));
      return out;
    }
    auto* p = As<P::NullPredicateContext>(pred);
    auto out = MakeNode<ast::IsNullExpr>(span);
    out->negated = p->NOT() != nullptr;
    out->operand = std::move(value);
    return out;
  }

  absl::StatusOr<ast::ExprPtr> Value(P::ValueExpressionContext* ctx) {
    if (auto* c = As<P::ValueExpressionDefaultContext>(ctx)) {
      return Primary(c->primaryExpression());
    }
    DepthScope scope(&depth_);
    if (scope.too_deep()) return TooDeep(ctx);
    SourceSpan span = Span(ctx);
    if (auto* c = As<P::ArithmeticUnaryContext>(ctx)) {
      auto out = MakeNode<ast::UnaryExpr>(span);
      out->op = c->op->getType() == P::MINUS ? ast::UnaryOp::kNegate
                                             : ast::UnaryOp::kPlus;
      WEIR_ASSIGN_OR_RETURN(out->operand, Value(c->valueExpression()));
      return out;
    }
    auto* c = As<P::ArithmeticBinaryContext>(ctx);
    auto out = MakeNode<ast::BinaryExpr>(span);
    switch (c->op->getType()) {
      case P::PLUS:
        out->op = ast::BinaryOp::kAdd;
        break;
      case P::MINUS:
        out->op = ast::BinaryOp::kSub;
        break;
      case P::ASTERISK:
        out->op = ast::BinaryOp::kMul;
        break;
      case P::SLASH:
        out->op = ast::BinaryOp::kDiv;
        break;
      case P::PERCENT:
        out->op = ast::BinaryOp::kMod;
        break;
      default:
        out->op = ast::BinaryOp::kConcat;
    }
    out->op_span = Span(c->op);
    WEIR_ASSIGN_OR_RETURN(out->left, Value(c->left));
    WEIR_ASSIGN_OR_RETURN(out->right, Value(c->right));
    return out;
  }

  std::unique_ptr<ast::LiteralExpr> Literal(ast::LiteralKind kind,
                                            const SourceSpan& span,
                                            std::string text) {
    auto out = MakeNode<ast::LiteralExpr>(span);
    out->literal_kind = kind;
    out->text = std::move(text);
    return out;
  }

  std::unique_ptr<ast::FunctionExpr> Function(const SourceSpan& span,
                                              Token* name) {
    auto out = MakeNode<ast::FunctionExpr>(span);
    out->name.span = Span(name);
    out->name.name = weir::AsciiUpper(Text(out->name.span));
    return out;
  }

  absl::StatusOr<ast::ExprPtr> Primary(P::PrimaryExpressionContext* ctx) {
    SourceSpan span = Span(ctx);
    if (auto* c = As<P::ColumnReferenceContext>(ctx)) {
      auto out = MakeNode<ast::ColumnRefExpr>(span);
      for (P::IdentifierContext* i : c->identifier()) {
        out->name.parts.push_back(Identifier(i));
      }
      out->name.span = span;
      return out;
    }
    if (auto* c = As<P::NumericLiteralContext>(ctx)) {
      ast::LiteralKind kind = ast::LiteralKind::kInteger;
      if (c->value->getType() == P::DECIMAL_VALUE) {
        kind = ast::LiteralKind::kDecimal;
      } else if (c->value->getType() == P::DOUBLE_VALUE) {
        kind = ast::LiteralKind::kDouble;
      }
      return Literal(kind, span, std::string(Text(span)));
    }
    if (As<P::StringLiteralContext>(ctx)) {
      return Literal(ast::LiteralKind::kString, span,
                     UnescapeString(Text(span)));
    }
    if (auto* c = As<P::BooleanLiteralContext>(ctx)) {
      return Literal(ast::LiteralKind::kBoolean, span,
                     c->value->getType() == P::TRUE_ ? "true" : "false");
    }
    if (As<P::NullLiteralContext>(ctx)) {
      return Literal(ast::LiteralKind::kNull, span, "");
    }
    if (auto* c = As<P::TypedLiteralContext>(ctx)) {
      auto out = Literal(ast::LiteralKind::kTyped, span,
                         UnescapeString(Text(Span(c->STRING()))));
      ast::TypeName type;
      type.span = Span(c->typeKeyword);
      type.name = weir::AsciiUpper(Text(type.span));
      out->type_name = std::move(type);
      return out;
    }
    if (auto* c = As<P::IntervalLiteralContext>(ctx)) {
      return Interval(c->interval());
    }
    if (auto* c = As<P::ParenthesizedExpressionContext>(ctx)) {
      return Expr(c->expression());
    }
    if (auto* c = As<P::FunctionCallContext>(ctx)) {
      auto out = MakeNode<ast::FunctionExpr>(span);
      P::FunctionNameContext* fn = c->functionName();
      out->name.span = Span(fn);
      if (fn->identifier() != nullptr) {
        ast::Identifier id = Identifier(fn->identifier());
        out->name.name = weir::AsciiUpper(id.name);
        out->name.quoted = id.quoted;
      } else {
        out->name.name = weir::AsciiUpper(Text(out->name.span));
      }
      if (c->ASTERISK() != nullptr) {
        out->args.push_back(MakeNode<ast::StarExpr>(Span(c->ASTERISK())));
      }
      out->distinct = c->DISTINCT() != nullptr;
      for (P::ExpressionContext* e : c->expression()) {
        WEIR_ASSIGN_OR_RETURN(ast::ExprPtr arg, Expr(e));
        out->args.push_back(std::move(arg));
      }
      if (c->over() != nullptr) {
        P::OverContext* o = c->over();
        ast::WindowSpec spec;
        spec.span = Span(o);
        for (P::ExpressionContext* e : o->expression()) {
          WEIR_ASSIGN_OR_RETURN(ast::ExprPtr p, Expr(e));
          spec.partition_by.push_back(std::move(p));
        }
        for (P::SortItemContext* s : o->sortItem()) {
          WEIR_ASSIGN_OR_RETURN(ast::OrderItem item, SortItem(s));
          spec.order_by.push_back(std::move(item));
        }
        out->over = std::move(spec);
      }
      return out;
    }
    if (auto* c = As<P::CastContext>(ctx)) {
      auto out = MakeNode<ast::CastExpr>(span);
      out->try_cast = c->castKind->getType() == P::TRY_CAST;
      WEIR_ASSIGN_OR_RETURN(out->operand, Expr(c->expression()));
      WEIR_ASSIGN_OR_RETURN(out->target, TypeName(c->typeName()));
      return out;
    }
    if (auto* c = As<P::SimpleCaseContext>(ctx)) {
      auto out = MakeNode<ast::CaseExpr>(span);
      WEIR_ASSIGN_OR_RETURN(out->operand, Expr(c->operand));
      WEIR_RETURN_IF_ERROR(Whens(c->whenClause(), out.get()));
      if (c->elseResult != nullptr) {
        WEIR_ASSIGN_OR_RETURN(out->else_result, Expr(c->elseResult));
      }
      return out;
    }
    if (auto* c = As<P::SearchedCaseContext>(ctx)) {
      auto out = MakeNode<ast::CaseExpr>(span);
      WEIR_RETURN_IF_ERROR(Whens(c->whenClause(), out.get()));
      if (c->elseResult != nullptr) {
        WEIR_ASSIGN_OR_RETURN(out->else_result, Expr(c->elseResult));
      }
      return out;
    }
    if (auto* c = As<P::ExtractContext>(ctx)) {
      auto out = Function(span, c->EXTRACT()->getSymbol());
      ast::Identifier field = Identifier(c->field);
      out->args.push_back(Literal(ast::LiteralKind::kString, field.span,
                                  weir::AsciiUpper(field.name)));
      WEIR_ASSIGN_OR_RETURN(ast::ExprPtr arg, Value(c->valueExpression()));
      out->args.push_back(std::move(arg));
      return out;
    }
    if (auto* c = As<P::SubstringContext>(ctx)) {
      auto out = Function(span, c->SUBSTRING()->getSymbol());
      for (P::ValueExpressionContext* v : c->valueExpression()) {
        WEIR_ASSIGN_OR_RETURN(ast::ExprPtr arg, Value(v));
        out->args.push_back(std::move(arg));
      }
      return out;
    }
    if (auto* c = As<P::PositionContext>(ctx)) {
      auto out = Function(span, c->POSITION()->getSymbol());
      for (P::ValueExpressionContext* v : c->valueExpression()) {
        WEIR_ASSIGN_OR_RETURN(ast::ExprPtr arg, Value(v));
        out->args.push_back(std::move(arg));
      }
      return out;
    }
    if (auto* c = As<P::CurrentTimeContext>(ctx)) {
      return ast::ExprPtr(Function(span, c->name));
    }
    return SqlError(span, "unsupported expression");
  }

  absl::Status Whens(const std::vector<P::WhenClauseContext*>& whens,
                     ast::CaseExpr* out) {
    for (P::WhenClauseContext* w : whens) {
      ast::CaseExpr::When when;
      WEIR_ASSIGN_OR_RETURN(when.condition, Expr(w->condition));
      WEIR_ASSIGN_OR_RETURN(when.result, Expr(w->result));
      out->whens.push_back(std::move(when));
    }
    return absl::OkStatus();
  }

  static ast::IntervalUnit Unit(P::IntervalUnitContext* ctx) {
    switch (ctx->getStart()->getType()) {
      case P::YEAR:
      case P::YEARS:
        return ast::IntervalUnit::kYear;
      case P::MONTH:
      case P::MONTHS:
        return ast::IntervalUnit::kMonth;
      case P::DAY:
      case P::DAYS:
        return ast::IntervalUnit::kDay;
      case P::HOUR:
      case P::HOURS:
        return ast::IntervalUnit::kHour;
      case P::MINUTE:
      case P::MINUTES:
        return ast::IntervalUnit::kMinute;
      default:
        return ast::IntervalUnit::kSecond;
    }
  }

  absl::StatusOr<ast::ExprPtr> Interval(P::IntervalContext* ctx) {
    auto out = MakeNode<ast::LiteralExpr>(Span(ctx));
    out->literal_kind = ast::LiteralKind::kInterval;
    std::string_view raw = Text(ctx->value);
    out->text = ctx->value->getType() == P::STRING ? UnescapeString(raw)
                                                   : std::string(raw);
    out->negative = ctx->sign != nullptr && ctx->sign->getType() == P::MINUS;
    out->unit = Unit(ctx->from);
    if (ctx->to != nullptr) {
      out->to_unit = Unit(ctx->to);
      using U = ast::IntervalUnit;
      U from = out->unit;
      U to = out->to_unit;
      bool ok = (from == U::kYear && to == U::kMonth) ||
                (from >= U::kDay && to > from && to <= U::kSecond);
      if (!ok) {
        return SqlError(
            Span(ctx->to),
            fmt::format("invalid interval qualifier {} TO {}; use YEAR TO "
                        "MONTH, or DAY/HOUR/MINUTE TO a smaller unit down to "
                        "SECOND",
                        weir::AsciiUpper(Text(ctx->from->getStart())),
                        weir::AsciiUpper(Text(ctx->to->getStart()))));
      }
    }
    return ast::ExprPtr(std::move(out));
  }

  const SourceText& text_;
  int depth_ = 0;
};

}  // namespace

absl::StatusOr<std::vector<ast::StatementPtr>> TransformScript(
    antlr4::ParserRuleContext* script, const SourceText& text) {
  auto* ctx = dynamic_cast<P::ScriptContext*>(script);
  if (ctx == nullptr) return absl::InternalError("not a script parse tree");
  Transformer transformer(text);
  return transformer.Script(ctx);
}

}  // namespace weir::sql::internal
