// Where assessments live. The orchestrator keeps no other state, so orchestrators can be
// replicated over a shared store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "burnout/v1/burnout_risk.pb.h"

namespace burnout::store {

class AssessmentStore {
 public:
  virtual ~AssessmentStore() = default;

  // Stores the assessment, its per-modality results and narratives in ONE transaction that
  // is durable when this returns OK. ALREADY_EXISTS if (user_id, request_id) is taken
  // (request_id non-empty); the caller then reads the stored one.
  virtual absl::Status Put(const burnout::v1::Assessment& assessment) = 0;

  // The stored assessment for a client request id, if any.
  virtual absl::StatusOr<std::optional<burnout::v1::Assessment>> FindByRequestId(
      const std::string& user_id, const std::string& request_id) = 0;

  // Newest first; limit <= 0 means all.
  virtual absl::StatusOr<std::vector<burnout::v1::Assessment>> History(const std::string& user_id,
                                                                      int limit,
                                                                      int64_t since_ms) = 0;

  // Deletes everything stored for the user; returns how many assessments went.
  virtual absl::StatusOr<int> DeleteUser(const std::string& user_id) = 0;
};

}  // namespace burnout::store
