// Holds the model a service serves. Empty until loaded; a failed load leaves the reason.
// Thread-safe: readers take a shared_ptr snapshot, so a swap never pulls a model out from
// under a running request.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace burnout::grpcx {

template <typename Model>
class ModelSlot {
 public:
  std::shared_ptr<const Model> Get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return model_;
  }
  void Set(std::shared_ptr<const Model> model) {
    std::lock_guard<std::mutex> lock(mu_);
    model_ = std::move(model);
    error_ = absl::OkStatus();
  }
  void SetError(absl::Status error) {
    std::lock_guard<std::mutex> lock(mu_);
    error_ = std::move(error);
  }
  // Installs a freshly loaded model, or records why loading failed; returns the status.
  absl::Status Install(absl::StatusOr<std::unique_ptr<Model>> loaded) {
    if (!loaded.ok()) {
      SetError(loaded.status());
      return loaded.status();
    }
    Set(std::shared_ptr<const Model>(std::move(*loaded)));
    return absl::OkStatus();
  }

  // UNAVAILABLE explaining why there is no model (still loading, or the load error).
  absl::Status NotReady() const {
    std::lock_guard<std::mutex> lock(mu_);
    if (error_.ok()) return absl::UnavailableError("model is still loading");
    return absl::UnavailableError(absl::StrCat("model not loaded: ", error_.message()));
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Model> model_;
  absl::Status error_;
};

}  // namespace burnout::grpcx
