// One error currency: absl::Status / absl::StatusOr in code we own. These keep early
// returns to one line. grpc::Status conversion lives in common/grpc/status.h.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define BR_CONCAT_INNER_(a, b) a##b
#define BR_CONCAT_(a, b) BR_CONCAT_INNER_(a, b)

#define BR_RETURN_IF_ERROR(expr)                    \
  do {                                              \
    ::absl::Status br_status_ = (expr);             \
    if (!br_status_.ok()) return br_status_;        \
  } while (0)

#define BR_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

#define BR_ASSIGN_OR_RETURN(lhs, expr) \
  BR_ASSIGN_OR_RETURN_IMPL_(BR_CONCAT_(br_statusor_, __LINE__), lhs, expr)
