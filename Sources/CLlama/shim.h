// llama.cpp's public header, as installed into the project-local prefix by vendor/build-llama.sh.
#include "../../vendor/prefix/include/llama.h"
