// burnout-face: the face analyzer service.
#include "common/grpc/model_main.h"
#include "services/face/face_service.h"

int main(int argc, char** argv) {
  using namespace burnout;
  return grpcx::ModelServiceMain<v1::FaceServiceConfig, face::FaceService>(
      argc, argv, "burnout-face", "config/face.textproto", face::kFaceReadiness,
      &face::PrepareFaceConfig, {}, &face::ResolveFacePaths);
}
