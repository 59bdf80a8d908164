#include "services/face/face_pipeline.h"
