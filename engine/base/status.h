#pragma once

// Status helpers shared by every module. Weir reports errors with
// absl::Status / absl::StatusOr<T> across module boundaries and never throws.
// Debian's Abseil (20220623) has no status macros, so they live here.

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define WEIR_CONCAT_INNER_(a, b) a##b
#define WEIR_CONCAT_(a, b) WEIR_CONCAT_INNER_(a, b)

/// Evaluates `expr` (an absl::Status) and returns it from the enclosing
/// function when it is not OK.
#define WEIR_RETURN_IF_ERROR(expr)               \
  do {                                           \
    ::absl::Status weir_status_ = (expr);        \
    if (!weir_status_.ok()) return weir_status_; \
  } while (false)

#define WEIR_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                \
  if (!tmp.ok()) return std::move(tmp).status();     \
  lhs = std::move(tmp).value()

/// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status from
/// the enclosing function, otherwise moves the value into `lhs`, which may be
/// a declaration (`auto x`) or an existing variable.
#define WEIR_ASSIGN_OR_RETURN(lhs, rexpr)                                  \
  WEIR_ASSIGN_OR_RETURN_IMPL_(WEIR_CONCAT_(weir_statusor_, __LINE__), lhs, \
                              rexpr)
