// The transformer's statements: CREATE SOURCE/VIEW/SINK, INSERT, DROP,
// SHOW, DESCRIBE, SET, RESET, TERMINATE, EXPLAIN. One method per statement
// kind; Inner dispatches on the parse tree's alternative.

#include <string>
#include <utility>
#include <vector>

#include "engine/base/sql_error.h"
#include "engine/base/status.h"
#include "engine/base/strings.h"
#include "engine/sql/transformer_internal.h"

namespace weir::sql::internal {

absl::StatusOr<ast::StatementPtr> Transformer::Statement(
    P::StatementContext* ctx) {
  if (auto* c = As<P::ExplainStatementContext>(ctx)) {
    auto out = MakeNode<ast::ExplainStatement>(Span(c));
    WEIR_ASSIGN_OR_RETURN(out->statement, Inner(c->innerStatement()));
    return out;
  }
  auto* c = As<P::SimpleStatementContext>(ctx);
  return Inner(c->innerStatement());
}

absl::StatusOr<ast::StatementPtr> Transformer::Inner(
    P::InnerStatementContext* ctx) {
  SourceSpan span = Span(ctx);
  if (auto* c = As<P::QueryStatementContext>(ctx)) {
    auto out = MakeNode<ast::QueryStatement>(span);
    WEIR_ASSIGN_OR_RETURN(out->query, Query(c->query()));
    return out;
  }
  if (auto* c = As<P::CreateSourceContext>(ctx)) return CreateSource(c);
  if (auto* c = As<P::CreateViewContext>(ctx)) return CreateView(c);
  if (auto* c = As<P::CreateSinkFromContext>(ctx)) return CreateSinkFrom(c);
  if (auto* c = As<P::CreateSinkAsContext>(ctx)) return CreateSinkAs(c);
  if (auto* c = As<P::InsertValuesContext>(ctx)) return InsertValues(c);
  if (auto* c = As<P::InsertQueryContext>(ctx)) return InsertQuery(c);
  if (auto* c = As<P::DropContext>(ctx)) return Drop(c);
  if (auto* c = As<P::ShowContext>(ctx)) return Show(c);
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
  if (auto* c = As<P::TerminateContext>(ctx)) return Terminate(c);
  return SqlError(span, "unsupported statement");
}

absl::StatusOr<ast::StatementPtr> Transformer::CreateSource(
    P::CreateSourceContext* c) {
  auto out = MakeNode<ast::CreateSourceStatement>(Span(c));
  out->source_kind = c->kind->getType() == P::STREAM ? ast::SourceKind::kStream
                                                     : ast::SourceKind::kTable;
  out->or_replace = c->OR() != nullptr;
  out->if_not_exists = c->EXISTS() != nullptr;
  if (out->or_replace && out->if_not_exists) {
    return SqlError(Span(c->IF()),
                    "OR REPLACE and IF NOT EXISTS cannot be used together");
  }
  out->name = QualifiedName(c->qualifiedName());
  bool inline_key = false;
  for (P::TableElementContext* e : c->tableElement()) {
    if (auto* w = As<P::WatermarkDefinitionContext>(e)) {
      if (out->watermark.has_value()) {
        return SqlError(Span(w->WATERMARK()), "only one WATERMARK is allowed");
      }
      ast::WatermarkDef def;
      def.column = Identifier(w->identifier());
      WEIR_ASSIGN_OR_RETURN(def.expr, Expr(w->expression()));
      def.span = Span(w);
      out->watermark = std::move(def);
    } else if (auto* k = As<P::PrimaryKeyDefinitionContext>(e)) {
      if (!out->primary_key.empty() || inline_key) {
        return SqlError(Span(k->PRIMARY()), "only one PRIMARY KEY is allowed");
      }
      out->primary_key = IdentifierList(k->identifierList());
      out->primary_key_span = Span(k);
    } else {
      WEIR_ASSIGN_OR_RETURN(
          ast::ColumnDef col,
          ColumnDefinition(As<P::ColumnDefinitionContext>(e),
                           inline_key || !out->primary_key.empty()));
      inline_key = inline_key || col.primary_key;
      out->columns.push_back(std::move(col));
    }
  }
  out->options_span = Span(c->withOptions());
  WEIR_RETURN_IF_ERROR(Options(c->withOptions(), &out->options));
  return out;
}

// One column of CREATE SOURCE; `key_given` when a PRIMARY KEY came before.
absl::StatusOr<ast::ColumnDef> Transformer::ColumnDefinition(
    P::ColumnDefinitionContext* d, bool key_given) {
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
      if (key_given) {
        return SqlError(Span(cc),
                        "only one PRIMARY KEY is allowed; for a key of "
                        "several columns write PRIMARY KEY (a, b)");
      }
      col.primary_key = true;
    }
  }
  return col;
}

absl::StatusOr<ast::StatementPtr> Transformer::CreateView(
    P::CreateViewContext* c) {
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

absl::StatusOr<ast::StatementPtr> Transformer::CreateSinkFrom(
    P::CreateSinkFromContext* c) {
  auto out = MakeNode<ast::CreateSinkStatement>(Span(c));
  out->name = QualifiedName(c->name);
  out->if_not_exists = c->EXISTS() != nullptr;
  out->from = QualifiedName(c->source);
  out->options_span = Span(c->withOptions());
  WEIR_RETURN_IF_ERROR(Options(c->withOptions(), &out->options));
  return out;
}

absl::StatusOr<ast::StatementPtr> Transformer::CreateSinkAs(
    P::CreateSinkAsContext* c) {
  auto out = MakeNode<ast::CreateSinkStatement>(Span(c));
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

absl::StatusOr<ast::StatementPtr> Transformer::InsertValues(
    P::InsertValuesContext* c) {
  auto out = MakeNode<ast::InsertStatement>(Span(c));
  out->target = QualifiedName(c->qualifiedName());
  if (c->identifierList()) out->columns = IdentifierList(c->identifierList());
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

absl::StatusOr<ast::StatementPtr> Transformer::InsertQuery(
    P::InsertQueryContext* c) {
  auto out = MakeNode<ast::InsertStatement>(Span(c));
  out->target = QualifiedName(c->qualifiedName());
  if (c->identifierList()) out->columns = IdentifierList(c->identifierList());
  WEIR_ASSIGN_OR_RETURN(out->query, Query(c->query()));
  out->query_text = std::string(Text(Span(c->query())));
  return out;
}

absl::StatusOr<ast::StatementPtr> Transformer::Drop(P::DropContext* c) {
  auto out = MakeNode<ast::DropStatement>(Span(c));
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

absl::StatusOr<ast::StatementPtr> Transformer::Show(P::ShowContext* c) {
  auto out = MakeNode<ast::ShowStatement>(Span(c));
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

absl::StatusOr<ast::StatementPtr> Transformer::Terminate(
    P::TerminateContext* c) {
  auto out = MakeNode<ast::TerminateStatement>(Span(c));
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

}  // namespace weir::sql::internal
