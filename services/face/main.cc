// burnout-face: the face analyzer service.
#include "common/grpc/model_main.h"
#include "common/torchscript/torchscript_model.h"
#include "services/face/face_service.h"

int main(int argc, char** argv) {
  using namespace burnout;
  return grpcx::ModelServiceMain<v1::FaceServiceConfig, face::FaceService>(
      argc, argv, "burnout-face", "config/face.textproto", face::kFaceReadiness,
      &face::PrepareFaceConfig,
      // libtorch's and OpenBLAS's threads, for the TorchScript models.
      [](const v1::FaceServiceConfig& c) {
        torchscript::SetTorchThreads(c.server().torch_threads());
        torchscript::SetBlasThreads(c.server().blas_threads());
      },
      &face::ResolveFacePaths);
}
