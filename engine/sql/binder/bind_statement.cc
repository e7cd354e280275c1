// The statement dispatch, and the statements that need little binding:
// queries, DROP, DESCRIBE, SHOW, SET, RESET, TERMINATE and EXPLAIN.

#include "engine/base/sql_error.h"
#include "engine/base/status.h"
#include "engine/base/strings.h"
#include "engine/base/suggest.h"
#include "engine/sql/binder/binder_internal.h"
#include "fmt/format.h"

namespace weir::sql {
namespace internal {

namespace {

catalog::EntryKind ToEntryKind(ast::ObjectKind k) {
  switch (k) {
    case ast::ObjectKind::kStream:
      return catalog::EntryKind::kStream;
    case ast::ObjectKind::kTable:
      return catalog::EntryKind::kTable;
    case ast::ObjectKind::kView:
      return catalog::EntryKind::kView;
    case ast::ObjectKind::kSink:
      return catalog::EntryKind::kSink;
  }
  return catalog::EntryKind::kStream;
}

BoundStatement BindShow(const ast::ShowStatement& s) {
  return {BoundShow{s.what}};
}

BoundStatement BindSet(const ast::SetStatement& s) {
  return {BoundSet{AsciiLower(s.key), s.value, s.key_span, s.value_span}};
}

BoundStatement BindReset(const ast::ResetStatement& s) {
  return {BoundReset{AsciiLower(s.key), s.key_span, s.key.empty()}};
}

BoundStatement BindTerminate(const ast::TerminateStatement& s) {
  return {BoundTerminate{AsciiLower(s.query_id), s.id_span, s.all}};
}

}  // namespace

absl::StatusOr<BoundStatement> StatementBinder::Bind(
    const ast::Statement& stmt) {
  using ast::StatementKind;
  switch (stmt.kind) {
    case StatementKind::kQuery:
      return BindQueryStatement(static_cast<const ast::QueryStatement&>(stmt));
    case StatementKind::kCreateSource:
      return BindCreateSource(
          static_cast<const ast::CreateSourceStatement&>(stmt));
    case StatementKind::kCreateView:
      return BindCreateView(static_cast<const ast::CreateViewStatement&>(stmt));
    case StatementKind::kCreateSink:
      return BindCreateSink(static_cast<const ast::CreateSinkStatement&>(stmt));
    case StatementKind::kInsert:
      return BindInsert(static_cast<const ast::InsertStatement&>(stmt));
    case StatementKind::kDrop:
      return BindDrop(static_cast<const ast::DropStatement&>(stmt));
    case StatementKind::kDescribe:
      return BindDescribe(static_cast<const ast::DescribeStatement&>(stmt));
    case StatementKind::kShow:
      return BindShow(static_cast<const ast::ShowStatement&>(stmt));
    case StatementKind::kExplain:
      return BindExplain(static_cast<const ast::ExplainStatement&>(stmt));
    case StatementKind::kSet:
      return BindSet(static_cast<const ast::SetStatement&>(stmt));
    case StatementKind::kReset:
      return BindReset(static_cast<const ast::ResetStatement&>(stmt));
    case StatementKind::kTerminate:
      return BindTerminate(static_cast<const ast::TerminateStatement&>(stmt));
  }
  return SqlError(stmt.span, "unsupported statement");
}

absl::StatusOr<BoundStatement> StatementBinder::BindQueryStatement(
    const ast::QueryStatement& s) {
  WEIR_ASSIGN_OR_RETURN(BoundRel rel, BindQuery(*s.query, QueryUse::kTop));
  bool push = s.query->emit != ast::EmitMode::kDefault;
  if (!push) {
    // A pull query reads views (their state) or constants.
    for (const auto& src : rel.sources) {
      if (src.kind == catalog::EntryKind::kView) continue;
      return SqlError(
          src.span,
          fmt::format(
              "'{}' is a {}: a query on it never ends, so it must be a push "
              "query ending in EMIT CHANGES (or read a MATERIALIZED VIEW "
              "for a pull query)",
              src.name, AsciiLower(catalog::EntryKindName(src.kind))));
    }
  }
  BoundQuery out;
  out.plan = MakeOutput(rel.plan, OutputKind::kClient, "", push);
  out.reads = ReadNames(rel.sources);
  out.push = push;
  out.constant = rel.sources.empty();
  return BoundStatement{std::move(out)};
}

absl::StatusOr<BoundStatement> StatementBinder::BindDrop(
    const ast::DropStatement& s) {
  BoundDrop out;
  out.name_span = s.name.span;
  out.kind = ToEntryKind(s.object);
  out.name = s.name.ToString();
  out.if_exists = s.if_exists;
  const catalog::Entry* e = catalog_.Find(out.name);
  std::string kind_name = AsciiLower(catalog::EntryKindName(out.kind));
  if (e == nullptr) {
    if (s.if_exists) return BoundStatement{std::move(out)};
    std::vector<std::string> names;
    for (const auto* x : catalog_.List(out.kind)) names.push_back(x->name);
    return SqlError(absl::StatusCode::kNotFound, s.name.span,
                    fmt::format("{} '{}' does not exist{}", kind_name, out.name,
                                DidYouMean(out.name, names)));
  }
  if (e->kind != out.kind) {
    return SqlError(s.name.span,
                    fmt::format("'{}' is a {}, not a {}; use DROP {}", e->name,
                                catalog::EntryKindName(e->kind),
                                catalog::EntryKindName(out.kind),
                                catalog::EntryKindName(e->kind)));
  }
  return BoundStatement{std::move(out)};
}

absl::StatusOr<BoundStatement> StatementBinder::BindDescribe(
    const ast::DescribeStatement& s) {
  BoundDescribe out;
  out.name = s.name.ToString();
  out.extended = s.extended;
  if (catalog_.Find(out.name) == nullptr) {
    std::vector<std::string> names;
    for (auto kind : {catalog::EntryKind::kStream, catalog::EntryKind::kTable,
                      catalog::EntryKind::kView, catalog::EntryKind::kSink}) {
      for (const auto* x : catalog_.List(kind)) names.push_back(x->name);
    }
    return SqlError(absl::StatusCode::kNotFound, s.name.span,
                    fmt::format("unknown stream, table, view or sink '{}'{}",
                                out.name, DidYouMean(out.name, names)));
  }
  return BoundStatement{std::move(out)};
}

absl::StatusOr<BoundStatement> StatementBinder::BindExplain(
    const ast::ExplainStatement& s) {
  switch (s.statement->kind) {
    case ast::StatementKind::kQuery:
    case ast::StatementKind::kCreateSource:
    case ast::StatementKind::kCreateView:
    case ast::StatementKind::kCreateSink:
    case ast::StatementKind::kInsert:
      break;
    default:
      return SqlError(s.statement->span,
                      "EXPLAIN takes a query, INSERT, CREATE STREAM/TABLE, "
                      "CREATE MATERIALIZED VIEW or CREATE SINK");
  }
  WEIR_ASSIGN_OR_RETURN(BoundStatement inner, Bind(*s.statement));
  return BoundStatement{
      BoundExplain{std::make_unique<BoundStatement>(std::move(inner))}};
}

}  // namespace internal

absl::StatusOr<types::LogicalType> ResolveTypeName(const ast::TypeName& type) {
  return internal::TypeFromName(type);
}

absl::StatusOr<BoundStatement> Binder::Bind(const ast::Statement& stmt,
                                            std::string_view source) {
  internal::StatementBinder binder(catalog_, connectors_, context_, source);
  return binder.Bind(stmt);
}

}  // namespace weir::sql
