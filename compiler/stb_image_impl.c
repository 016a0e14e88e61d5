/* Fuzz builds only (-DQCC_FUZZ=ON, compiler/CMakeLists.txt): stb_image and
 * stb_image_resize compiled from Debian's libstb-dev headers into libqcc, so
 * the image fuzz target's coverage and AddressSanitizer reach the decoder
 * (Debian's libstb.so, which the other builds link, is not instrumented).
 * stb's JPEG decoder is compiled but never reached: dataset.c hands every
 * buffer stb would take for a JPEG to libjpeg-turbo. */
#define STB_IMAGE_IMPLEMENTATION
#include "stb_image.h"
#define STB_IMAGE_RESIZE_IMPLEMENTATION
#include "stb_image_resize.h"
