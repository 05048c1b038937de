/* state.c: init's one state (state.h), which main.c sets up and the other parts work on. */
#include "state.h"

struct init init_g;
