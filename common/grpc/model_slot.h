// Holds the model a service serves, and switches versions without dropping a request.
// Empty until loaded; a failed load leaves the reason. Thread-safe: readers take a
// shared_ptr snapshot, so a switch never pulls a model out from under a running request —
// the old version is unloaded when its last request finishes (TF Serving's
// availability-preserving policy: load and warm the new version beside the old, switch, then
// unload the old).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/model/model_dir.h"
#include "spdlog/spdlog.h"

namespace burnout::grpcx {

template <typename Model>
class ModelSlot {
 public:
  // Loads and warms the model in one version directory.
  using Loader = std::function<absl::StatusOr<std::unique_ptr<Model>>(const std::string& dir)>;

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

  // Serves the version `path` stands for (model::ResolveModelVersion: a version directory,
  // or a model directory whose highest numbered version wins). Does nothing when that
  // version is already serving, or when it is the version that last failed and its files
  // have not changed since (unless `force`, as on SIGHUP). A version that fails to load
  // leaves the serving one in place; the error is returned (and kept as the reason only
  // while nothing serves).
  absl::Status Refresh(const std::string& path, const Loader& load, bool force = false) {
    std::lock_guard<std::mutex> refresh(refresh_mu_);
    auto version = model::ResolveModelVersion(path);
    if (!version.ok()) {
      absl::Status err = absl::FailedPreconditionError(version.status().message());
      if (!Get()) SetError(err);
      return err;
    }
    if (!force && version->fingerprint == serving_.fingerprint && version->dir == serving_.dir) {
      return absl::OkStatus();
    }
    if (!force && version->fingerprint == failed_.fingerprint && version->dir == failed_.dir) {
      return failed_status_;
    }
    absl::StatusOr<std::unique_ptr<Model>> loaded = load(version->dir);
    if (!loaded.ok()) {
      failed_ = *version;
      failed_status_ = loaded.status();
      if (Get()) {
        spdlog::warn("model version {} failed to load; version {} keeps serving: {}",
                     version->dir, serving_.dir, loaded.status().ToString());
      } else {
        SetError(loaded.status());
      }
      return loaded.status();
    }
    const std::string previous = serving_.dir;
    Set(std::shared_ptr<const Model>(std::move(*loaded)));
    serving_ = *version;
    failed_ = {};
    if (previous.empty()) {
      spdlog::info("serving model version {}", version->dir);
    } else {
      spdlog::info("switched model from {} to {}; the old version unloads when its last "
                   "request finishes", previous, version->dir);
    }
    return absl::OkStatus();
  }

  // The version directory serving now ("" before the first successful Refresh).
  std::string serving_dir() const {
    std::lock_guard<std::mutex> refresh(refresh_mu_);
    return serving_.dir;
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

  mutable std::mutex refresh_mu_;  // one Refresh at a time; guards the fields below
  model::ModelVersion serving_;
  model::ModelVersion failed_;
  absl::Status failed_status_;
};

}  // namespace burnout::grpcx
