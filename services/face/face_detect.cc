#include "services/face/face_detect.h"
