#include "services/face/face_model.h"
