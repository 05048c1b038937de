/* string.h: the <string.h> lwIP includes, served by Warp's freestanding string functions. */
#pragma once

#include <warp/string.h>
