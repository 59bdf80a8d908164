// burnout-build-face-model: writes the face-cues model directory (models/face-cues/2): the
// hand-set mapping documented on FaceCueModel and in services/face/README.md ("The face-cues
// model"), with each cue's reference value and where it comes from.
//
// The mapping itself and its sources: DefaultFaceCueSpec() in services/face/face_cue_spec.cc.
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "common/model/model_dir.h"
#include "services/face/face_cues.h"
#include "services/face/face_model.h"

ABSL_FLAG(std::string, out_dir, "models/face-cues/2", "model directory to write");
ABSL_FLAG(std::string, version, "2", "model version");

namespace burnout::face {
namespace {

int Run() {
  const burnout::v1::FaceCueModel m = DefaultFaceCueSpec();
  if (auto built = FaceModel::FromSpec(m, {}); !built.ok()) {
    std::fprintf(stderr, "%s\n", std::string(built.status().message()).c_str());
    return 1;
  }
  const std::string dir = absl::GetFlag(FLAGS_out_dir);
  burnout::v1::ModelManifest manifest;
  manifest.set_name("face-cues");
  manifest.set_version(absl::GetFlag(FLAGS_version));
  manifest.set_kind(kFaceModelKind);
  manifest.set_file("face_cues.textproto");
  auto* training = manifest.mutable_training();
  training->set_data(
      "not trained: hand-set weights from the facial-action literature (Ekman & Friesen 1978 "
      "FACS; Ekman, Friesen & Hager 2002; Kohler et al. 2004); reference values of the landmark "
      "cues measured on FER2013 test faces labelled neutral (burnout-eval-face), of the cascade "
      "cues from their own scales (checked on the two shared photographs), facial anthropometry "
      "(Farkas 1994) and the 5-point alignment template (Deng et al. 2019)");
  training->set_program(absl::StrCat("burnout-build-face-model --out_dir=", dir,
                                     " --version=", absl::GetFlag(FLAGS_version)));
  if (auto s = model::WriteTextModel(
          dir, m,
          "# The default face expression model (burnout.v1.FaceCueModel), written by "
          "burnout-build-face-model.\n# Hand-set mapping from the facial-action literature; see "
          "services/face/README.md.\n",
          manifest);
      !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 1;
  }
  std::printf("wrote %s (%d labels, %d cues, %d-dim descriptor)\n", dir.c_str(),
              m.labels_size(), m.cues_size(),
              m.descriptor_grid() * m.descriptor_grid() * 59);
  return 0;
}

}  // namespace
}  // namespace burnout::face

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return burnout::face::Run();
}
