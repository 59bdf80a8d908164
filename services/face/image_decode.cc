#include "services/face/image_decode.h"
