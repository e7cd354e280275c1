#pragma once

// Internal to the transformer (engine/sql/transformer*.cc): the Transformer
// class, whose methods are spread over one file per concern, and the
// helpers they share. Includes the generated parser: nothing outside these
// files may include it.
//   transformer.cc             SourceText, the script, names, options, types
//   transformer_statement.cc   statements (CREATE, INSERT, DROP, SHOW, ...)
//   transformer_query.cc       queries, SELECT, FROM (joins, windows), ORDER
//   transformer_expression.cc  expressions, literals, intervals

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "WeirSqlParser.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/base/source_span.h"
#include "engine/sql/ast.h"
#include "engine/sql/parser.h"
#include "engine/sql/transformer.h"

namespace weir::sql::internal {

using P = grammar::WeirSqlParser;
using antlr4::ParserRuleContext;
using antlr4::Token;
using antlr4::tree::TerminalNode;

/// The text of a STRING token; `raw` includes the surrounding quotes. ''
/// is a quote; backslash escapes \n \t \r \0 \b \Z \\ \' \" are decoded;
/// any other backslash pair (\%, \_, \d, ...) is kept as written so LIKE
/// and regular expression patterns keep their meaning.
std::string UnescapeString(std::string_view raw);

/// The name of a quoted identifier; `raw` includes the surrounding quote
/// characters `q`, and a doubled quote stands for one.
std::string UnquoteIdentifier(std::string_view raw, char q);

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

/// Turns one script's parse tree into AST nodes. Holds a reference to the
/// script's SourceText; one per script, not shared between threads.
class Transformer {
 public:
  explicit Transformer(const SourceText& text) : text_(text) {}

  absl::StatusOr<std::vector<ast::StatementPtr>> Script(P::ScriptContext* ctx);

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

  absl::Status TooDeep(ParserRuleContext* ctx) const;

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

  // Statements (transformer_statement.cc).
  absl::StatusOr<ast::StatementPtr> Statement(P::StatementContext* ctx);
  absl::StatusOr<ast::StatementPtr> Inner(P::InnerStatementContext* ctx);
  absl::StatusOr<ast::StatementPtr> CreateSource(P::CreateSourceContext* c);
  absl::StatusOr<ast::ColumnDef> ColumnDefinition(P::ColumnDefinitionContext* d,
                                                  bool key_given);
  absl::StatusOr<ast::StatementPtr> CreateView(P::CreateViewContext* c);
  absl::StatusOr<ast::StatementPtr> CreateSinkFrom(P::CreateSinkFromContext* c);
  absl::StatusOr<ast::StatementPtr> CreateSinkAs(P::CreateSinkAsContext* c);
  absl::StatusOr<ast::StatementPtr> InsertValues(P::InsertValuesContext* c);
  absl::StatusOr<ast::StatementPtr> InsertQuery(P::InsertQueryContext* c);
  absl::StatusOr<ast::StatementPtr> Drop(P::DropContext* c);
  absl::StatusOr<ast::StatementPtr> Show(P::ShowContext* c);
  absl::StatusOr<ast::StatementPtr> Terminate(P::TerminateContext* c);

  // Names, options and types (transformer.cc).
  ast::Identifier Identifier(P::IdentifierContext* ctx);
  std::vector<ast::Identifier> IdentifierList(P::IdentifierListContext* ctx);
  ast::QualifiedName QualifiedName(P::QualifiedNameContext* ctx);
  // Words of a dotted option or setting name; `fold` lower-cases unquoted
  // words.
  std::string DottedName(P::DottedNameContext* ctx, bool fold);
  std::string SettingKey(P::SettingKeyContext* ctx);
  std::string SettingValue(P::SettingValueContext* ctx);
  absl::Status Options(P::WithOptionsContext* ctx,
                       std::vector<ast::Option>* out);
  absl::StatusOr<ast::TypeName> TypeName(P::TypeNameContext* ctx);

  // Queries (transformer_query.cc).
  absl::StatusOr<std::unique_ptr<ast::Query>> Query(P::QueryContext* ctx);
  absl::StatusOr<std::unique_ptr<ast::QueryBody>> QueryBody(
      P::QueryBodyContext* ctx);
  absl::StatusOr<std::unique_ptr<ast::SelectCore>> Select(
      P::QuerySpecificationContext* ctx);
  absl::StatusOr<ast::TableRefPtr> Relation(P::RelationContext* ctx);
  absl::StatusOr<ast::TableRefPtr> RelationPrimary(
      P::RelationPrimaryContext* ctx);
  absl::StatusOr<ast::TableRefPtr> WindowRelation(P::WindowRelationContext* c);
  absl::StatusOr<ast::OrderItem> SortItem(P::SortItemContext* ctx);

  // Expressions (transformer_expression.cc).
  absl::StatusOr<ast::ExprPtr> Expr(P::ExpressionContext* ctx);
  absl::StatusOr<ast::ExprPtr> Boolean(P::BooleanExpressionContext* ctx);
  absl::StatusOr<ast::ExprPtr> Predicate(P::PredicateContext* pred,
                                         ast::ExprPtr value,
                                         const SourceSpan& span);
  absl::StatusOr<ast::ExprPtr> Value(P::ValueExpressionContext* ctx);
  std::unique_ptr<ast::LiteralExpr> Literal(ast::LiteralKind kind,
                                            const SourceSpan& span,
                                            std::string text);
  std::unique_ptr<ast::FunctionExpr> Function(const SourceSpan& span,
                                              Token* name);
  // A call of `name` (SUBSTRING(s FROM i), POSITION(a IN b)) with `args`.
  absl::StatusOr<ast::ExprPtr> Function(
      const SourceSpan& span, Token* name,
      const std::vector<P::ValueExpressionContext*>& args);
  absl::StatusOr<ast::ExprPtr> Primary(P::PrimaryExpressionContext* ctx);
  absl::StatusOr<ast::ExprPtr> FunctionCall(P::FunctionCallContext* c,
                                            const SourceSpan& span);
  // CASE; `operand` is nullptr for a searched CASE.
  absl::StatusOr<ast::ExprPtr> Case(
      P::ExpressionContext* operand,
      const std::vector<P::WhenClauseContext*>& whens,
      P::ExpressionContext* else_result, const SourceSpan& span);
  absl::StatusOr<ast::ExprPtr> Interval(P::IntervalContext* ctx);

  const SourceText& text_;
  int depth_ = 0;
};

}  // namespace weir::sql::internal
