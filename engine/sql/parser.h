#pragma once

// Text -> AST. The only entry point into the ANTLR-generated parser; no ANTLR
// type appears in this header.

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/sql/ast.h"

namespace weir::sql {

/// Limits that keep hostile input from exhausting the stack or memory. Input
/// beyond them is rejected with an error, never a crash.
inline constexpr size_t kMaxScriptBytes = 16 << 20;  // 16 MiB
inline constexpr int kMaxNestingDepth = 200;         // (, CASE, subqueries
inline constexpr int kMaxExpressionDepth = 1000;     // operator chains
/// Tokens of one statement: the parser holds one statement's tokens and
/// parse tree at a time, a few hundred bytes per token.
inline constexpr size_t kMaxStatementTokens = 100000;

/// Parses a script of zero or more statements separated by ';' (the last
/// ';' is optional). Syntax errors are InvalidArgument statuses built with
/// SqlError, pointing at the offending token, e.g.
///   line 1:8: syntax error at 'FORM': expected an expression
absl::StatusOr<std::vector<ast::StatementPtr>> ParseScript(
    std::string_view sql);

/// Parses exactly one statement.
absl::StatusOr<ast::StatementPtr> ParseStatement(std::string_view sql);

}  // namespace weir::sql
