// libtiff (Debian: libtiff-dev).
#include <tiffio.h>
